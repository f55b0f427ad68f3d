/**
 * The two plain WebGPU buffer chores the demo does itself: a tensor buffer a
 * model can take as input (and a kernel can write), and reading a few floats
 * back for the page's own numbers and previews.
 */

/** A buffer for `bytes` of float32 tensor data: written by the preprocessing kernels, copied in by model.run. */
export function inputBuffer(device: GPUDevice, bytes: number, label: string): GPUBuffer {
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
}

/** The first `count` floats of `buffer` (it needs COPY_SRC), through a throw-away readback buffer. */
export async function readFloats(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<Float32Array> {
  const read = device.createBuffer({ label: `${buffer.label} readback`, size: Math.max(16, Math.ceil((count * 4) / 16) * 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder({ label: `read ${buffer.label}` });
    encoder.copyBufferToBuffer(buffer, 0, read, 0, count * 4);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    return new Float32Array(read.getMappedRange(0, count * 4).slice(0));
  } finally {
    read.destroy();
  }
}
