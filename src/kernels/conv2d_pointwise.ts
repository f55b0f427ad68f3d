/**
 * The pointwise strategy: a 1×1, stride-1, unpadded, ungrouped conv over NHWC
 * is exactly the GEMM  input[pixels][inChannels] · weight[inChannels][outChannels],
 * with no im2col at all.
 */
import type { ConvStrategy } from './conv2d_strategy.js';
import { outputPixels, requireNhwcInput } from './conv2d_strategy.js';
import { fullSlice, validateSlice, type ChannelSlice, type Conv2dShape } from './conv2d_shape.js';
import { gemmTileFor, type GemmParams } from './gemm.js';
import { gemmDispatches, splitKScratchFloats } from './split_k.js';

/** The whole conv as one [pixels × inChannels] · [inChannels × outChannels] product. */
function gemmParams(s: Conv2dShape, slice: ChannelSlice): GemmParams {
  return { m: outputPixels(s), n: s.outChannels, k: s.inChannels, ldc: slice.channelStride, colOffset: slice.channelOffset, residualStride: s.outChannels };
}

export const pointwiseStrategy: ConvStrategy = {
  name: 'pointwise',
  unsupportedReason(s) {
    const reasons: string[] = [];
    if (s.kernelHeight !== 1 || s.kernelWidth !== 1) reasons.push(`kernel is ${s.kernelHeight}×${s.kernelWidth}, not 1×1`);
    if (s.strideH !== 1 || s.strideW !== 1) reasons.push(`stride ${s.strideH}×${s.strideW}`);
    if (s.padTop || s.padBottom || s.padLeft || s.padRight) reasons.push('padding');
    if (s.groups !== 1) reasons.push(`${s.groups} groups`);
    return reasons.length ? `pointwise needs a plain 1×1 conv: ${reasons.join(', ')}` : undefined;
  },
  layoutWeights(s, oihw) {
    const out = new Float32Array(s.inChannels * s.outChannels);
    for (let o = 0; o < s.outChannels; o++) for (let i = 0; i < s.inChannels; i++) out[i * s.outChannels + o] = oihw[o * s.inChannels + i]!;
    return out;
  },
  scratchLength: () => 0,
  // the channel slice does not change their size
  partialLength: (s, tile, splitK) => splitKScratchFloats(gemmParams(s, fullSlice(s.outChannels)), { tile, splitK }),
  defaultTile(s) {
    const p = gemmParams(s, fullSlice(s.outChannels));
    return gemmTileFor(p.m, p.n);
  },
  gemmProblem: (s) => gemmParams(s, fullSlice(s.outChannels)),
  dispatches(s, io, epilogue, slice, tile, splitK) {
    requireNhwcInput(io, 'pointwise');
    validateSlice(slice, s.outChannels);
    return gemmDispatches(
      gemmParams(s, slice),
      { a: io.input, b: io.weight, bias: io.bias, residual: io.residual, output: io.output, partials: io.partials, unused: io.unused },
      epilogue,
      { tile, splitK },
      'conv2d_pointwise',
    );
  },
};
