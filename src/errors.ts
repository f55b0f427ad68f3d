/**
 * Typed errors. Every failure the library can explain has its own class, so
 * callers can branch with `instanceof` and users read a message that names
 * the cause and, where there is one, the fix.
 */

/** Base class of every error thrown by webgpu-cnn. */
export class WebGpuCnnError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // subclasses in this file also set `name` as a literal: minifiers rename classes
    this.name = new.target.name;
  }
}

/** No WebGPU implementation or no adapter: `reason` says which, `message` says what to do. */
export class WebGpuUnavailableError extends WebGpuCnnError {
  override readonly name: string = 'WebGpuUnavailableError';
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
  override readonly name: string = 'InvalidParameterError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`invalid ${parameter}: ${message}`);
  }
}

/** A kernel cannot serve this shape (e.g. the pointwise strategy on a 3×3 conv). */
export class UnsupportedConfigurationError extends WebGpuCnnError {
  override readonly name: string = 'UnsupportedConfigurationError';
}

/** A tensor or weight exceeds what one storage binding of this device can hold. */
export class BindingLimitError extends WebGpuCnnError {
  override readonly name: string = 'BindingLimitError';
  constructor(
    readonly what: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${what} needs ${bytes} bytes in one storage binding, but this device allows ${limit} (maxStorageBufferBindingSize)`);
  }
}

/** A shader failed to compile or its reflected interface disagrees with its TS descriptor. */
export class ShaderError extends WebGpuCnnError {
  override readonly name: string = 'ShaderError';
}

/** A graph is inconsistent at a node (shape mismatch at add/concat, wrong rank…); `node` names it. */
export class GraphError extends WebGpuCnnError {
  override readonly name: string = 'GraphError';
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(`node "${node}": ${message}`);
  }
}

/**
 * Parameters missing, unexpected, or of the wrong shape; every problem is listed.
 * A `misshapen` entry has `actual`, the number of values given, and where the
 * source knew it (a safetensors file does) `actualShape`, compared exactly.
 */
export class WeightError extends WebGpuCnnError {
  override readonly name: string = 'WeightError';
  constructor(
    readonly missing: readonly string[],
    readonly unexpected: readonly string[],
    readonly misshapen: readonly { name: string; expected: readonly number[]; actual: number; actualShape?: readonly number[] }[],
  ) {
    const bySize = misshapen.filter((m) => !m.actualShape);
    const byShape = misshapen.filter((m) => m.actualShape);
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected ${unexpected.join(', ')}` : '',
      bySize.length ? `wrong size ${bySize.map((m) => `${m.name} (expected [${m.expected.join(', ')}] = ${m.expected.reduce((a, b) => a * b, 1)} values, got ${m.actual})`).join(', ')}` : '',
      byShape.length ? `wrong shape ${byShape.map((m) => `${m.name} (expected [${m.expected.join(', ')}], got [${m.actualShape!.join(', ')}])`).join(', ')}` : '',
    ].filter(Boolean);
    super(`weights do not match the graph: ${parts.join('; ')}`);
  }
}

/** run() got an input of the wrong shape, length or type; `input` names it. */
export class InputError extends WebGpuCnnError {
  override readonly name: string = 'InputError';
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input "${input}": ${message}`);
  }
}

/** A compiled model was used after dispose(). */
export class DisposedError extends WebGpuCnnError {
  override readonly name: string = 'DisposedError';
}

/** The GPU device was lost; pending and later runs reject with this until the model is rebuilt. */
export class DeviceLostError extends WebGpuCnnError {
  override readonly name: string = 'DeviceLostError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** An operation was cancelled through its AbortSignal. */
export class AbortError extends WebGpuCnnError {
  override readonly name: string = 'AbortError';
}

/**
 * A safetensors file is malformed (bad header length, JSON, dtype, offsets,
 * truncated…), holds a tensor that cannot become float32, or could not be
 * fetched; `tensor` names the tensor where one is at fault.
 */
export class SafetensorsError extends WebGpuCnnError {
  override readonly name: string = 'SafetensorsError';
  readonly tensor: string | undefined;
  constructor(message: string, options?: { tensor?: string; cause?: unknown }) {
    super(`safetensors: ${options?.tensor !== undefined ? `tensor "${options.tensor}": ` : ''}${message}`, options);
    this.tensor = options?.tensor;
  }
}

/**
 * An ONNX file is not a well-formed model — not protobuf, truncated or
 * corrupted, or its graph is inconsistent (a node reads a value nothing
 * defines, an initializer's data does not match its dims…) — or could not be
 * fetched or read; `node` names the node at fault where there is one.
 */
export class OnnxFormatError extends WebGpuCnnError {
  override readonly name: string = 'OnnxFormatError';
  readonly node: string | undefined;
  constructor(message: string, options?: { node?: string; cause?: unknown }) {
    super(`onnx: ${options?.node !== undefined ? `node "${options.node}": ` : ''}${message}`, options);
    this.node = options?.node;
  }
}

/**
 * A well-formed ONNX model uses something the importer does not support.
 * `kind` says what: 'operators' (then `operators` lists every unsupported op
 * type with the names of the nodes using it), 'external-data', 'dtype',
 * 'dynamic-shape' (a symbolic dimension to fix with loadOnnx's `inputShapes`),
 * 'attribute' (an op configuration, e.g. Pad's reflect mode) or 'shape' (a
 * tensor rank or layout the runtime cannot hold).
 */
export class UnsupportedOnnxError extends UnsupportedConfigurationError {
  override readonly name: string = 'UnsupportedOnnxError';
  constructor(
    readonly kind: 'operators' | 'external-data' | 'dtype' | 'dynamic-shape' | 'attribute' | 'shape' | 'opset',
    message: string,
    readonly operators: readonly { opType: string; nodes: readonly string[] }[] = [],
  ) {
    super(`onnx: ${message}`);
  }
}
