/**
 * Transposed 2-D convolution (ONNX ConvTranspose, PyTorch ConvTranspose2d) on
 * NHWC activations: groups, stride, dilation, signed asymmetric pads and
 * output padding. Two strategies:
 *
 * - `direct`: one gather dispatch (shaders/conv/conv_transpose2d_direct.wgsl),
 *   each invocation summing the input pixels and taps that land on 4 output
 *   channels of one output pixel;
 * - `gemm`: the tiled GEMM of the input [N·H·W, C_in] by the weights
 *   [C_in, kH·kW·C_out] into a column buffer (scratch), then a col2im gather
 *   (shaders/conv/conv_transpose2d_col2im.wgsl). Groups = 1 only.
 *
 * Weights arrive in ONNX/PyTorch's [C_in][C_out/groups][kH][kW] and are laid
 * out once, at load, for the strategy. Bias and activation are the shared
 * epilogue (shaders/common/epilogue.wgsl); a node can write straight into a
 * channel slice of a wider tensor (a U-Net's concat).
 */
import col2imWgsl from '../../shaders/conv/conv_transpose2d_col2im.wgsl?raw';
import directWgsl from '../../shaders/conv/conv_transpose2d_direct.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import { InvalidParameterError, UnsupportedConfigurationError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { fullSlice, positiveInteger, validateSlice, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { gemm } from './gemm.js';
import { ceilDiv, linearWorkgroups } from './geometry.js';

export const convTranspose2dDirectShader = defineShader('conv_transpose2d_direct', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, directWgsl);
export const convTranspose2dCol2imShader = defineShader('conv_transpose2d_col2im', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, col2imWgsl);

const WORKGROUP_SIZE = 64;

export type ConvTransposeStrategyName = 'direct' | 'gemm';
export const CONV_TRANSPOSE_STRATEGIES: readonly ConvTransposeStrategyName[] = ['direct', 'gemm'];

export interface ConvTranspose2dParams {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  /** Any integers: ONNX's output_shape can ask for negative pads (the output then reaches past the taps). */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  /** Rows / columns added at the bottom / right (≥ 0). */
  outputPaddingH: number;
  outputPaddingW: number;
  groups: number;
}

export interface ConvTranspose2dShape extends ConvTranspose2dParams {
  outHeight: number;
  outWidth: number;
}

/**
 * One axis of the output, as ONNX defines it:
 * stride·(n − 1) + outputPadding + dilation·(k − 1) + 1 − padBefore − padAfter.
 * @example convTransposeOutputSize(16, 2, 2, 0, 0, 1, 0)   // 32: a U-Net's 2× upsampling
 */
export function convTransposeOutputSize(n: number, k: number, stride: number, padBefore: number, padAfter: number, dilation = 1, outputPadding = 0): number {
  return stride * (n - 1) + outputPadding + dilation * (k - 1) + 1 - padBefore - padAfter;
}

/** Validates and computes the output size; throws InvalidParameterError naming the parameter. */
export function convTranspose2dShape(p: ConvTranspose2dParams): ConvTranspose2dShape {
  for (const k of ['batch', 'inChannels', 'inHeight', 'inWidth', 'outChannels', 'kernelHeight', 'kernelWidth', 'strideH', 'strideW', 'dilationH', 'dilationW', 'groups'] as const) {
    positiveInteger(k, p[k]);
  }
  for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
    if (!Number.isSafeInteger(p[k])) throw new InvalidParameterError(k, `must be an integer, got ${p[k]}`);
  }
  for (const k of ['outputPaddingH', 'outputPaddingW'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) throw new InvalidParameterError(k, `must be a non-negative integer, got ${p[k]}`);
  }
  if (p.inChannels % p.groups) throw new InvalidParameterError('groups', `${p.groups} groups do not divide ${p.inChannels} input channels`);
  if (p.outChannels % p.groups) throw new InvalidParameterError('groups', `${p.groups} groups do not divide ${p.outChannels} output channels`);
  const outHeight = convTransposeOutputSize(p.inHeight, p.kernelHeight, p.strideH, p.padTop, p.padBottom, p.dilationH, p.outputPaddingH);
  const outWidth = convTransposeOutputSize(p.inWidth, p.kernelWidth, p.strideW, p.padLeft, p.padRight, p.dilationW, p.outputPaddingW);
  if (outHeight < 1 || outWidth < 1) throw new InvalidParameterError('pad', `the pads leave a ${outHeight}×${outWidth} output`);
  return { ...p, outHeight, outWidth };
}

/** Why a strategy cannot compute the shape, or undefined when it can. */
export function convTransposeUnsupportedReason(strategy: ConvTransposeStrategyName, s: ConvTranspose2dShape, maxBindingBytes = Infinity): string | undefined {
  if (strategy === 'direct') return undefined;
  if (s.groups !== 1) return `the GEMM strategy computes groups = 1 only, got ${s.groups}`;
  const bytes = convTransposeScratchLength('gemm', s) * 4;
  if (bytes > maxBindingBytes) return `its column buffer (${bytes} bytes) exceeds one storage binding (${maxBindingBytes} bytes)`;
  return undefined;
}

const blocksPerGroup = (s: ConvTranspose2dShape): number => ceilDiv(s.outChannels / s.groups, 4);

/**
 * [C_in][C_out/groups][kH][kW] → the strategy's layout: for `direct`,
 * [kH][kW][C_in/groups][blocks of 4 output channels] (the shader's vec4s,
 * each group's channels padded to whole blocks); for `gemm`, the GEMM's B
 * [C_in][kH][kW][C_out].
 */
export function layoutConvTransposeWeights(strategy: ConvTransposeStrategyName, s: ConvTranspose2dShape, weight: Float32Array): Float32Array {
  const inPerGroup = s.inChannels / s.groups;
  const outPerGroup = s.outChannels / s.groups;
  const taps = s.kernelHeight * s.kernelWidth;
  if (weight.length !== s.inChannels * outPerGroup * taps) {
    throw new InvalidParameterError('weight', `has ${weight.length} values, expected [${s.inChannels}, ${outPerGroup}, ${s.kernelHeight}, ${s.kernelWidth}]`);
  }
  if (strategy === 'gemm') {
    const out = new Float32Array(weight.length);
    for (let ci = 0; ci < s.inChannels; ci++)
      for (let o = 0; o < s.outChannels; o++) for (let t = 0; t < taps; t++) out[(ci * taps + t) * s.outChannels + o] = weight[(ci * s.outChannels + o) * taps + t]!;
    return out;
  }
  const perGroup = blocksPerGroup(s);
  const lanes = s.groups * perGroup * 4;
  const out = new Float32Array(taps * inPerGroup * lanes);
  for (let ci = 0; ci < s.inChannels; ci++) {
    const g = Math.floor(ci / inPerGroup);
    for (let oc = 0; oc < outPerGroup; oc++) {
      const lane = g * perGroup * 4 + oc;
      for (let t = 0; t < taps; t++) out[(t * inPerGroup + (ci % inPerGroup)) * lanes + lane] = weight[(ci * outPerGroup + oc) * taps + t]!;
    }
  }
  return out;
}

/** Floats of scratch the strategy needs: the GEMM's column buffer, none for direct. */
export function convTransposeScratchLength(strategy: ConvTransposeStrategyName, s: ConvTranspose2dShape): number {
  return strategy === 'gemm' ? s.batch * s.inHeight * s.inWidth * s.kernelHeight * s.kernelWidth * s.outChannels : 0;
}

export interface ConvTransposeBindings {
  /** NHWC input. */
  input: BufferBinding;
  /** Weights in the strategy's layout (layoutConvTransposeWeights). */
  weight: BufferBinding;
  bias?: BufferBinding;
  /** NHWC output (or the wider tensor whose channel slice this node fills). */
  output: BufferBinding;
  /** convTransposeScratchLength floats, for `gemm`. */
  scratch?: BufferBinding;
  /** Bound in place of an absent bias. */
  unused: BufferBinding;
}

/** Uniforms both shaders read. */
function geometryUniforms(s: ConvTranspose2dShape): Record<string, number> {
  return {
    inHeight: s.inHeight,
    inWidth: s.inWidth,
    outHeight: s.outHeight,
    outWidth: s.outWidth,
    outChannels: s.outChannels,
    kernelHeight: s.kernelHeight,
    kernelWidth: s.kernelWidth,
    strideH: s.strideH,
    strideW: s.strideW,
    dilationH: s.dilationH,
    dilationW: s.dilationW,
    padTop: s.padTop,
    padLeft: s.padLeft,
  };
}

/**
 * The dispatches of one transposed convolution with `strategy`.
 * @example convTranspose2d('direct', convTranspose2dShape(p), { input, weight, output, unused }, { activation: 'relu' })
 */
export function convTranspose2d(
  strategy: ConvTransposeStrategyName,
  s: ConvTranspose2dShape,
  io: ConvTransposeBindings,
  epilogue: Epilogue = {},
  slice: ChannelSlice = fullSlice(s.outChannels),
  label = 'conv_transpose2d',
): DispatchSpec[] {
  validateSlice(slice, s.outChannels);
  const reason = convTransposeUnsupportedReason(strategy, s);
  if (reason) throw new UnsupportedConfigurationError(`${label}: ${reason}`);
  const constants = { WORKGROUP_SIZE, ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: false }) };
  const outPixels = s.batch * s.outHeight * s.outWidth;
  const place = { channelStride: slice.channelStride, channelOffset: slice.channelOffset };
  if (strategy === 'direct') {
    const perGroup = blocksPerGroup(s);
    const blockCount = s.groups * perGroup;
    const total = outPixels * blockCount;
    return [
      {
        label: `${label} (direct)`,
        shader: convTranspose2dDirectShader,
        constants,
        uniforms: {
          ...geometryUniforms(s),
          ...place,
          inChannels: s.inChannels,
          inPerGroup: s.inChannels / s.groups,
          outPerGroup: s.outChannels / s.groups,
          blocksPerGroup: perGroup,
          blockCount,
          total,
        },
        bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, output: io.output },
        workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
      },
    ];
  }
  if (!io.scratch) throw new InvalidParameterError('scratch', `the GEMM strategy needs ${convTransposeScratchLength('gemm', s)} floats of scratch for its column buffer`);
  const total = outPixels * s.outChannels;
  return [
    gemm(
      { m: s.batch * s.inHeight * s.inWidth, n: s.kernelHeight * s.kernelWidth * s.outChannels, k: s.inChannels },
      { a: io.input, b: io.weight, output: io.scratch, unused: io.unused },
      {},
      undefined,
      `${label} (gemm)`,
    ),
    {
      label: `${label} (col2im)`,
      shader: convTranspose2dCol2imShader,
      constants,
      uniforms: { ...geometryUniforms(s), ...place, total },
      bindings: { columns: io.scratch, bias: io.bias ?? io.unused, output: io.output },
      workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
    },
  ];
}
