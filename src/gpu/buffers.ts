import { BindingLimitError } from '../errors.js';

/** Storage-buffer usages every tensor buffer gets: read, written, copied both ways. */
export const TENSOR_USAGE = 0x0080 /* STORAGE */ | 0x0004 /* COPY_SRC */ | 0x0008; /* COPY_DST */

/** Buffer sizes are padded to 16 bytes so any binding can be read as vec4. */
export function paddedByteSize(bytes: number): number {
  return Math.max(16, Math.ceil(bytes / 16) * 16);
}

/**
 * A storage buffer holding `data` (or `size` zeroed bytes), usable as a
 * model input (`run(buffer)`) or a preprocessing output; checks the binding
 * limit first.
 * @example
 * const input = createTensorBuffer(ctx.device, 1 * 1 * 32 * 32 * 4, 'digit');
 * await preprocessImage(ctx, frame, MNIST_DIGIT_PREPROCESSING, { output: input });
 */
export function createTensorBuffer(device: GPUDevice, data: Float32Array | number, label: string): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const limit = device.limits.maxStorageBufferBindingSize;
  if (bytes > limit) throw new BindingLimitError(label, bytes, limit);
  const buffer = device.createBuffer({ label, size: paddedByteSize(bytes), usage: TENSOR_USAGE, mappedAtCreation: typeof data !== 'number' });
  if (typeof data !== 'number') {
    new Float32Array(buffer.getMappedRange(), 0, data.length).set(data);
    buffer.unmap();
  }
  return buffer;
}

/**
 * Copies `count` floats starting at byte `offset` of a GPU buffer (with
 * COPY_SRC) back to the CPU, through a readback buffer it always destroys.
 * @example
 * const logits = await readTensor(ctx.device, gpuOutputs.logits, 10);
 */
export async function readTensor(device: GPUDevice, source: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
  const bytes = paddedByteSize(count * 4);
  const staging = device.createBuffer({ label: `${source.label} readback`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder({ label: 'readback' });
    encoder.copyBufferToBuffer(source, offset, staging, 0, Math.min(bytes, source.size - offset));
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return new Float32Array(staging.getMappedRange().slice(0, count * 4));
  } finally {
    staging.destroy();
  }
}

const placeholders = new WeakMap<GPUDevice, GPUBuffer>();

/**
 * A tiny buffer bound where a kernel declares an optional input it does not
 * use in this variant (no bias, no residual): layouts stay fixed, and the
 * shader never reads it because an override switched the read off.
 */
export function placeholderBuffer(device: GPUDevice): GPUBuffer {
  let buffer = placeholders.get(device);
  if (!buffer) {
    buffer = device.createBuffer({ label: 'unused binding', size: 16, usage: TENSOR_USAGE });
    placeholders.set(device, buffer);
  }
  return buffer;
}
