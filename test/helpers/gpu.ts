import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { createTensorBuffer, readTensor } from '../../src/gpu/buffers.js';
import { runDispatches, type DispatchSpec } from '../../src/kernels/dispatch.js';

let shared: Promise<GpuContext> | undefined;

/** One device per test worker: pipelines are cached on it across test files. */
export function testContext(): Promise<GpuContext> {
  shared ??= createNodeGpuContext();
  return shared;
}

/** Uploads inputs, runs specs built from their buffers, reads back `outputLength` floats of the output. */
export async function runKernel(
  ctx: GpuContext,
  inputs: Record<string, Float32Array>,
  outputLength: number,
  build: (buffers: Record<string, GPUBuffer>, output: GPUBuffer) => DispatchSpec[],
  initialOutput?: Float32Array,
): Promise<Float32Array> {
  const { device } = ctx;
  const buffers: Record<string, GPUBuffer> = {};
  for (const [name, data] of Object.entries(inputs)) buffers[name] = createTensorBuffer(device, data, name);
  const output = createTensorBuffer(device, initialOutput ?? outputLength * 4, 'output');
  try {
    await runDispatches(device, build(buffers, output));
    return await readTensor(device, output, outputLength);
  } finally {
    for (const b of Object.values(buffers)) b.destroy();
    output.destroy();
  }
}
