/** Runs one conv layer on the GPU from PyTorch-layout data, returning NCHW. */
import { createTensorBuffer, placeholderBuffer, readTensor } from '../../src/gpu/buffers.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { resolveConvStrategy } from '../../src/kernels/conv2d.js';
import type { ConvInputLayout, ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import { fullSlice, type ChannelSlice, type Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import { runDispatches } from '../../src/kernels/dispatch.js';
import type { Epilogue } from '../../src/kernels/epilogue.js';
import type { GemmTileName } from '../../src/kernels/gemm.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';

export interface ConvRun {
  x: Float32Array; // NCHW
  w: Float32Array; // OIHW
  bias?: Float32Array;
  residual?: Float32Array; // NCHW, output-shaped
}

export async function runConvNchw(
  ctx: GpuContext,
  s: Conv2dShape,
  strategy: ConvStrategyName | 'auto',
  data: ConvRun,
  epilogue: Epilogue = {},
  slice: ChannelSlice = fullSlice(s.outChannels),
  /** A GEMM strategy's tile (default: its defaultTile). */
  tile?: GemmTileName,
  /** A GEMM strategy's K slices (split-K; default 1). */
  splitK?: number,
  /** How the input is uploaded and bound: NHWC (default), or NCHW as given (strategies with readsNchw). */
  inputLayout: ConvInputLayout = 'nhwc',
): Promise<{ nchw: Float64Array; nhwcSlice: Float32Array }> {
  const { device } = ctx;
  const impl = resolveConvStrategy(s, strategy);
  const pixels = s.batch * s.outHeight * s.outWidth;
  const owned: GPUBuffer[] = [];
  const upload = (a: Float32Array, label: string) => {
    const b = createTensorBuffer(device, a, label);
    owned.push(b);
    return b;
  };
  const input = upload(inputLayout === 'nchw' ? data.x : Float32Array.from(nchwToNhwcRef(data.x, s.batch, s.inChannels, s.inHeight, s.inWidth)), 'x');
  const weight = upload(impl.layoutWeights(s, data.w), 'w');
  const bias = data.bias ? upload(data.bias, 'bias') : undefined;
  const residual = data.residual
    ? upload(Float32Array.from(nchwToNhwcRef(data.residual, s.batch, s.outChannels, s.outHeight, s.outWidth)), 'residual')
    : undefined;
  const scratchLength = impl.scratchLength(s);
  const scratch = scratchLength ? upload(new Float32Array(scratchLength).fill(Number.NaN), 'scratch') : undefined;
  const partialLength = impl.partialLength?.(s, tile, splitK) ?? 0;
  const partials = partialLength ? upload(new Float32Array(partialLength).fill(Number.NaN), 'partials') : undefined;
  // the output starts as NaN so an element the kernel forgets to write cannot pass
  const output = upload(new Float32Array(pixels * slice.channelStride).fill(Number.NaN), 'y');
  try {
    await runDispatches(device, impl.dispatches(s, { input, inputLayout, weight, bias, residual, output, scratch, partials, unused: placeholderBuffer(device) }, epilogue, slice, tile, splitK));
    const nhwcSlice = await readTensor(device, output, pixels * slice.channelStride);
    const packed = new Float32Array(pixels * s.outChannels);
    for (let p = 0; p < pixels; p++)
      for (let c = 0; c < s.outChannels; c++) packed[p * s.outChannels + c] = nhwcSlice[p * slice.channelStride + slice.channelOffset + c]!;
    return { nchw: nhwcToNchwRef(packed, s.batch, s.outChannels, s.outHeight, s.outWidth), nhwcSlice };
  } finally {
    owned.forEach((b) => b.destroy());
  }
}
