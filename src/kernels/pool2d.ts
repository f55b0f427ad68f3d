/**
 * Max and average pooling on NHWC activations with the semantics of
 * PyTorch's MaxPool2d/AvgPool2d and ONNX's MaxPool/AveragePool: asymmetric
 * pads of any size (ONNX allows pads past half the kernel, PyTorch does not),
 * ceil mode, count_include_pad, dilation (AveragePool has it from opset 19).
 * One pipeline per operation serves every shape: the geometry travels in uniforms.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import pool2dWgsl from '../../shaders/pool2d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { checkWindowFits, fullSlice, positiveInteger, validateSlice, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const pool2dShader = defineShader('pool2d', nanWgsl, linearIndexWgsl, pool2dWgsl);
const WORKGROUP_SIZE = 64;

export type PoolOp = 'max' | 'average';

/** The shader's POOL_OP override for each operation. */
const POOL_OP_CODE: Readonly<Record<PoolOp, number>> = { max: 0, average: 1 };

export interface Pool2dParams {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  kernelHeight: number;
  kernelWidth: number;
  /** Required: PyTorch defaults the stride to the kernel size, ONNX to 1, so no default is safe. */
  strideH: number;
  strideW: number;
  /** 1 by default. An average's divisor counts the dilated taps, as ONNX's reference does. */
  dilationH?: number;
  dilationW?: number;
  /**
   * Symmetric padding; padTop/padBottom/padLeft/padRight override it per side.
   * Padding never wins a max; a max window of padding only is −inf, an
   * average of no real element without countIncludePad is NaN (0/0).
   */
  pad?: number;
  padTop?: number;
  padBottom?: number;
  padLeft?: number;
  padRight?: number;
  /** Round the output size up, dropping a last window that would start in the bottom/right padding (PyTorch's rule). */
  ceilMode?: boolean;
  /**
   * Average pooling only: divide by the number of window taps within the
   * padded input instead of by its number of real elements. Defaults to false,
   * ONNX's default; PyTorch's AvgPool2d defaults to true, so pass it.
   */
  countIncludePad?: boolean;
}

/** Pool2dParams with every default filled in and the output size computed. */
export interface Pool2dShape extends Required<Pool2dParams> {
  outHeight: number;
  outWidth: number;
}

/**
 * Output length of one pooled axis, as PyTorch's pooling_output_shape:
 * floor or ceil((n + padBefore + padAfter − dilation·(k−1) − 1) / s) + 1, and
 * in ceil mode one less when the last window would start past the input and
 * its leading padding.
 * @example poolOutputSize(112, 3, 2, 0, 0, 1, true)   // 56: GoogLeNet's first max pool
 */
export function poolOutputSize(n: number, k: number, stride: number, padBefore: number, padAfter: number, dilation = 1, ceilMode = false): number {
  const span = n + padBefore + padAfter - dilation * (k - 1) - 1;
  let out = (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceilMode && (out - 1) * stride >= n + padBefore) out -= 1;
  return out;
}

/**
 * Fills defaults, validates, and computes the output size; throws
 * InvalidParameterError naming the parameter.
 * @example pool2dShape({ batch: 1, inHeight: 55, inWidth: 55, channels: 64, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2 }).outHeight   // 27
 */
export function pool2dShape(p: Pool2dParams): Pool2dShape {
  const pad = p.pad ?? 0;
  const s: Pool2dShape = {
    ...p,
    dilationH: p.dilationH ?? 1,
    dilationW: p.dilationW ?? 1,
    pad,
    padTop: p.padTop ?? pad,
    padBottom: p.padBottom ?? pad,
    padLeft: p.padLeft ?? pad,
    padRight: p.padRight ?? pad,
    ceilMode: p.ceilMode ?? false,
    countIncludePad: p.countIncludePad ?? false,
    outHeight: 0,
    outWidth: 0,
  };
  for (const k of ['batch', 'inHeight', 'inWidth', 'channels', 'kernelHeight', 'kernelWidth', 'strideH', 'strideW', 'dilationH', 'dilationW'] as const) {
    positiveInteger(k, s[k]);
  }
  for (const side of ['padTop', 'padBottom', 'padLeft', 'padRight'] as const) {
    // name the field the caller set: the side, or the symmetric `pad` it came from
    const name = p[side] === undefined ? 'pad' : side;
    const v = s[side];
    if (!Number.isInteger(v) || v < 0) throw new InvalidParameterError(name, `must be a non-negative integer, got ${v}`);
  }
  checkWindowFits(s, 'window');
  s.outHeight = poolOutputSize(s.inHeight, s.kernelHeight, s.strideH, s.padTop, s.padBottom, s.dilationH, s.ceilMode);
  s.outWidth = poolOutputSize(s.inWidth, s.kernelWidth, s.strideW, s.padLeft, s.padRight, s.dilationW, s.ceilMode);
  return s;
}

/**
 * Max or average pooling of a contiguous NHWC input into `output`, or into
 * the channel slice `slice` of a wider NHWC output (a concat's branch).
 * @example pool2d('max', { batch: 1, inHeight: 4, inWidth: 4, channels: 1, kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2 }, x, y)
 */
export function pool2d(
  op: PoolOp,
  params: Pool2dParams,
  input: BufferBinding,
  output: BufferBinding,
  slice?: ChannelSlice,
  label = `${op}_pool2d`,
): DispatchSpec {
  const s = pool2dShape(params);
  const out = slice ?? fullSlice(s.channels);
  validateSlice(out, s.channels);
  const total = s.batch * s.outHeight * s.outWidth * s.channels;
  return {
    label,
    shader: pool2dShader,
    constants: { WORKGROUP_SIZE, POOL_OP: POOL_OP_CODE[op] },
    uniforms: {
      inHeight: s.inHeight,
      inWidth: s.inWidth,
      channels: s.channels,
      outHeight: s.outHeight,
      outWidth: s.outWidth,
      kernelHeight: s.kernelHeight,
      kernelWidth: s.kernelWidth,
      strideH: s.strideH,
      strideW: s.strideW,
      dilationH: s.dilationH,
      dilationW: s.dilationW,
      padTop: s.padTop,
      padLeft: s.padLeft,
      padBottom: s.padBottom,
      padRight: s.padRight,
      countIncludePad: op === 'average' && s.countIncludePad ? 1 : 0,
      channelStride: out.channelStride,
      channelOffset: out.channelOffset,
      total,
    },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
