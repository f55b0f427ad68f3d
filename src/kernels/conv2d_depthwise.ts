/**
 * The depthwise strategy (groups == inChannels): per-channel windows,
 * vectorized over 4 output channels. Two shaders share one weight layout:
 * the register-tiled variant (4 output columns × vec4 channels per
 * invocation, kernel size and stride as overrides so its loops unroll) for
 * the common shapes, the generic uniform-driven kernel for every other.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import depthwiseWgsl from '../../shaders/conv/conv2d_depthwise.wgsl?raw';
import depthwiseTiledWgsl from '../../shaders/conv/conv2d_depthwise_tiled.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import { validateSlice, type ChannelSlice, type Conv2dShape } from './conv2d_shape.js';
import { requireNhwcInput, windowBlockDispatch, type ConvBindings, type ConvStrategy } from './conv2d_strategy.js';
import type { DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { ceilDiv, linearWorkgroups } from './geometry.js';

export const conv2dDepthwiseShader = defineShader('conv2d_depthwise', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, depthwiseWgsl);
export const conv2dDepthwiseTiledShader = defineShader('conv2d_depthwise_tiled', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, depthwiseTiledWgsl);

/** Output columns one invocation of the tiled variant computes (its shader's COLS). */
export const DEPTHWISE_TILED_COLUMNS = 4;

/** Kernel sizes and strides the tiled variant is built for (its shader's WINDOW_MAX bounds them). */
const TILED_KERNELS = [3, 5];
const TILED_STRIDES = [1, 2];

/**
 * Why the register-tiled variant cannot compute this layer into this slice
 * (the generic kernel then does), or undefined when it can: it needs one
 * output channel per input channel, channels and the slice in whole vec4s,
 * a square 3×3 or 5×5 kernel, strides 1 or 2 and no dilation.
 */
export function depthwiseTiledUnsupportedReason(s: Conv2dShape, slice: ChannelSlice): string | undefined {
  if (s.outChannels !== s.inChannels) return `channel multiplier ${s.outChannels / s.inChannels}`;
  if (s.inChannels % 4 !== 0) return `${s.inChannels} channels, not a multiple of 4`;
  if (slice.channelStride % 4 !== 0 || slice.channelOffset % 4 !== 0) return `channel slice ${slice.channelOffset}/${slice.channelStride} not in whole vec4s`;
  if (s.kernelHeight !== s.kernelWidth || !TILED_KERNELS.includes(s.kernelHeight)) return `kernel ${s.kernelHeight}×${s.kernelWidth}`;
  if (!TILED_STRIDES.includes(s.strideH) || !TILED_STRIDES.includes(s.strideW)) return `stride ${s.strideH}×${s.strideW}`;
  if (s.dilationH !== 1 || s.dilationW !== 1) return `dilation ${s.dilationH}×${s.dilationW}`;
  return undefined;
}

/** The tiled variant's dispatch (check depthwiseTiledUnsupportedReason first); the strategy picks it where it applies. */
export function depthwiseTiledDispatch(s: Conv2dShape, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice): DispatchSpec {
  validateSlice(slice, s.outChannels);
  const workgroupSize = 64;
  const blockCount = s.inChannels / 4;
  const columnBlocks = ceilDiv(s.outWidth, DEPTHWISE_TILED_COLUMNS);
  const total = s.batch * s.outHeight * columnBlocks * blockCount;
  return {
    label: 'conv2d_depthwise_tiled',
    shader: conv2dDepthwiseTiledShader,
    constants: {
      KH: s.kernelHeight,
      KW: s.kernelWidth,
      STRIDE_H: s.strideH,
      STRIDE_W: s.strideW,
      WORKGROUP_SIZE: workgroupSize,
      ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }),
    },
    uniforms: {
      inHeight: s.inHeight,
      inWidth: s.inWidth,
      outHeight: s.outHeight,
      outWidth: s.outWidth,
      padTop: s.padTop,
      padLeft: s.padLeft,
      blockCount,
      columnBlocks,
      channelStride: slice.channelStride,
      channelOffset: slice.channelOffset,
      total,
    },
    bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: linearWorkgroups(total, workgroupSize),
  };
}

/** The generic, uniform-driven kernel's dispatch: every depthwise shape (the bench forces it to compare). */
export function depthwiseGenericDispatch(s: Conv2dShape, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice): DispatchSpec {
  return windowBlockDispatch('conv2d_depthwise', conv2dDepthwiseShader, s, io, epilogue, slice, ceilDiv(s.outChannels, 4), { multiplier: s.outChannels / s.inChannels });
}

export const depthwiseStrategy: ConvStrategy = {
  name: 'depthwise',
  unsupportedReason(s) {
    if (s.groups !== s.inChannels) return `depthwise needs groups == inChannels (${s.groups} groups, ${s.inChannels} channels)`;
    return undefined;
  },
  layoutWeights(s, oihw) {
    const lanes = ceilDiv(s.outChannels, 4) * 4;
    const taps = s.kernelHeight * s.kernelWidth;
    // the weights, then one padding term 0·w per (tap, lane): what the tap adds where it meets the zero padding
    const out = new Float32Array(2 * taps * lanes);
    for (let o = 0; o < s.outChannels; o++)
      for (let t = 0; t < taps; t++) {
        const w = oihw[o * taps + t]!;
        out[t * lanes + o] = w;
        if (!Number.isFinite(w)) out[(taps + t) * lanes + o] = Number.NaN;
      }
    return out;
  },
  scratchLength: () => 0,
  dispatches(s, io, epilogue, slice) {
    requireNhwcInput(io, 'depthwise');
    return [depthwiseTiledUnsupportedReason(s, slice) ? depthwiseGenericDispatch(s, io, epilogue, slice) : depthwiseTiledDispatch(s, io, epilogue, slice)];
  },
};
