/**
 * The im2col + GEMM strategy: input windows become the rows of a matrix
 * (materialized in scratch memory, one block per group), and the tiled GEMM
 * multiplies it by the weights, writing each group's channels in place.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import im2colWgsl from '../../shaders/conv/im2col.wgsl?raw';
import { UnsupportedConfigurationError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { fullSlice, validateSlice, type ChannelSlice, type Conv2dShape } from './conv2d_shape.js';
import { outputPixels, requireNhwcInput, windowUniforms, type ConvStrategy } from './conv2d_strategy.js';
import { gemmTileFor, type GemmParams } from './gemm.js';
import { ceilDiv, linearWorkgroups } from './geometry.js';
import { gemmDispatches, splitKScratchFloats } from './split_k.js';

export const im2colShader = defineShader('im2col', linearIndexWgsl, im2colWgsl);
const WORKGROUP_SIZE = 64;

export function kPerGroup(s: Conv2dShape): number {
  return s.kernelHeight * s.kernelWidth * (s.inChannels / s.groups);
}

/** K padded to a multiple of 4 so the vec4 GEMM can read the columns. */
export function kPadded(s: Conv2dShape): number {
  return ceilDiv(kPerGroup(s), 4) * 4;
}

/**
 * B[g][k][n] from OIHW, with k = (ky·kw + kx)·inPerGroup + ci and the rows
 * from kPerGroup up to kPadded zero; the implicit GEMM reads the same layout.
 */
export function im2colWeightLayout(s: Conv2dShape, oihw: Float32Array): Float32Array {
  const inPerGroup = s.inChannels / s.groups;
  const outPerGroup = s.outChannels / s.groups;
  const kp = kPadded(s);
  const out = new Float32Array(s.groups * kp * outPerGroup);
  for (let o = 0; o < s.outChannels; o++) {
    const g = Math.floor(o / outPerGroup);
    const n = o % outPerGroup;
    for (let ci = 0; ci < inPerGroup; ci++)
      for (let ky = 0; ky < s.kernelHeight; ky++)
        for (let kx = 0; kx < s.kernelWidth; kx++) {
          const k = (ky * s.kernelWidth + kx) * inPerGroup + ci;
          out[(g * kp + k) * outPerGroup + n] = oihw[((o * inPerGroup + ci) * s.kernelHeight + ky) * s.kernelWidth + kx]!;
        }
  }
  return out;
}

/** Floats of the column matrix: one [pixels × kPadded] block per group. */
function columnFloats(s: Conv2dShape): number {
  return s.groups * outputPixels(s) * kPadded(s);
}

/** The GEMM after im2col: one [pixels × kPadded] · [kPadded × outPerGroup] product per group. */
function gemmParams(s: Conv2dShape, slice: ChannelSlice): GemmParams {
  return {
    m: outputPixels(s),
    n: s.outChannels / s.groups,
    k: kPadded(s),
    batch: s.groups,
    ldc: slice.channelStride,
    colOffset: slice.channelOffset,
    residualStride: s.outChannels,
  };
}

export const im2colStrategy: ConvStrategy = {
  name: 'im2col',
  unsupportedReason: () => undefined,
  layoutWeights: im2colWeightLayout,
  scratchLength: (s) => columnFloats(s),
  partialLength: (s, tile, splitK) => splitKScratchFloats(gemmParams(s, fullSlice(s.outChannels)), { tile, splitK }),
  defaultTile(s) {
    const p = gemmParams(s, fullSlice(s.outChannels));
    return gemmTileFor(p.m, p.n);
  },
  gemmProblem: (s) => gemmParams(s, fullSlice(s.outChannels)),
  dispatches(s, io, epilogue, slice, tile, splitK) {
    requireNhwcInput(io, 'im2col');
    validateSlice(slice, s.outChannels);
    if (!io.scratch) throw new UnsupportedConfigurationError('the im2col strategy needs a scratch buffer of scratchLength(shape) floats');
    const rows = outputPixels(s);
    const kp = kPadded(s);
    const total = columnFloats(s);
    return [
      {
        label: 'im2col',
        shader: im2colShader,
        constants: { WORKGROUP_SIZE },
        uniforms: {
          ...windowUniforms(s),
          kernelWidth: s.kernelWidth,
          inPerGroup: s.inChannels / s.groups,
          kPerGroup: kPerGroup(s),
          kPadded: kp,
          rows,
          total,
        },
        bindings: { input: io.input, columns: io.scratch },
        workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
      },
      ...gemmDispatches(
        gemmParams(s, slice),
        { a: io.scratch, b: io.weight, bias: io.bias, residual: io.residual, output: io.output, partials: io.partials, unused: io.unused },
        epilogue,
        { tile, splitK },
        'conv2d_im2col_gemm',
      ),
    ];
  },
};
