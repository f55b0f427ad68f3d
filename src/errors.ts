/**
 * Typed errors. Every failure the library can explain has its own class, so
 * callers can branch with `instanceof` and users read a message that names
 * the cause and, where there is one, the fix.
 */

/** Base class of every error thrown by webgpu-cnn. */
export class WebGpuCnnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No WebGPU implementation or no adapter: `reason` says which, `message` says what to do. */
export class WebGpuUnavailableError extends WebGpuCnnError {
  constructor(
    readonly reason: 'no-webgpu' | 'no-adapter' | 'device-request-failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A layer or kernel parameter is out of range or inconsistent; `parameter` names it. */
export class InvalidParameterError extends WebGpuCnnError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`invalid ${parameter}: ${message}`);
  }
}

/** A kernel cannot serve this shape (e.g. the pointwise strategy on a 3×3 conv). */
export class UnsupportedConfigurationError extends WebGpuCnnError {}

/** A tensor or weight exceeds what one storage binding of this device can hold. */
export class BindingLimitError extends WebGpuCnnError {
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what} needs ${bytes} bytes in one storage binding, but this device allows ${limit} (maxStorageBufferBindingSize)`);
  }
}

/** A shader failed to compile or its reflected interface disagrees with its TS descriptor. */
export class ShaderError extends WebGpuCnnError {}
