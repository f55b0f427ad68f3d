/** ONNX attributes of 1-D and 2-D window ops (Conv, pooling): pairs and explicit pads from `pads` or `auto_pad`. */
import { runtime, type OnnxNodeContext, type RuntimeValue } from './onnx_import.js';
import type { Tensor } from './types.js';

/** How many spatial axes a window op's input has: [N, C, L] is 1, [N, C, H, W] is 2. */
export type SpatialRank = 1 | 2;

/** The runtime input of a window op, as the [N, C, H, W] tensor the 2-D builder functions take. */
export interface WindowInput {
  v: RuntimeValue;
  t: Tensor;
  spatialRank: SpatialRank;
  /** The builder's [N, C', H', W'] result as the ONNX value of the input's rank ([N, C', W'] for 1-D). */
  result(y: Tensor): RuntimeValue;
}

/**
 * [N, C, H, W] as it is, or [N, C, L] as [N, C, 1, L]: 1-D convolution and
 * pooling run as 2-D ones with a unit H axis (pairAttr and windowPads extend
 * the attributes with that axis). Other ranks are refused by name.
 */
export function onnxWindowInput(c: OnnxNodeContext, what = 'input'): WindowInput {
  const v = c.runtimeInput(0);
  if (v.shape.length === 3) {
    const [n, ch, l] = v.shape as [number, number, number];
    return { v, t: c.tensor(v, [n, ch, 1, l]), spatialRank: 1, result: (y) => runtime(y, [y.shape[0]!, y.shape[1]!, y.shape[3]!]) };
  }
  // rank 5 never gets here: the callers hand [N, C, D, H, W] to their 3-D import first
  if (v.shape.length !== 4) throw c.unsupported('shape', `only 1-D, 2-D and 3-D ${c.opType} on [N, C, L], [N, C, H, W] or [N, C, D, H, W] is supported, the ${what} is [${v.shape.join(', ')}]`);
  return { v, t: c.tensor(v), spatialRank: 2, result: (y) => runtime(y) };
}

/** [N, C, H, W] input of a 2-D window op. */
export function onnxImage(c: OnnxNodeContext, what = 'input'): { v: RuntimeValue; t: Tensor } {
  const v = c.runtimeInput(0);
  if (v.shape.length !== 4) throw c.unsupported('shape', `only 2-D ${c.opType} on [N, C, H, W] is supported, the ${what} is [${v.shape.join(', ')}]`);
  return { v, t: c.tensor(v) };
}

/** A per-axis attribute as [H, W]; for a 1-D window its one value is W and H is 1. */
export function pairAttr(c: OnnxNodeContext, name: string, fallback: number, spatialRank: SpatialRank = 2): [number, number] {
  const v = c.attrs.ints(name);
  if (v === undefined) return [spatialRank === 1 ? 1 : fallback, fallback];
  if (v.length !== spatialRank) throw c.format(`${name} [${v.join(', ')}] must have ${spatialRank} value${spatialRank === 1 ? '' : 's'} for a ${spatialRank}-D window`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`${name} [${v.join(', ')}] must be positive integers`);
  return spatialRank === 1 ? [1, v[0]!] : [v[0]!, v[1]!];
}

/**
 * Explicit [top, left, bottom, right] pads from `pads` or `auto_pad` (ONNX's
 * SAME_* rule: output ceil(n / s), the odd pad after for SAME_UPPER, before
 * for SAME_LOWER). A 1-D window's pads [begin, end] are the left and right ones.
 */
export function windowPads(
  c: OnnxNodeContext,
  inH: number,
  inW: number,
  kernel: [number, number],
  stride: [number, number],
  dilation: [number, number],
  spatialRank: SpatialRank = 2,
): [number, number, number, number] {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = c.attrs.ints('pads') ?? new Array<number>(2 * spatialRank).fill(0);
    if (pads.length !== 2 * spatialRank) throw c.format(`pads [${pads.join(', ')}] must have ${2 * spatialRank} values for a ${spatialRank}-D window`);
    if (pads.some((p) => !Number.isSafeInteger(p) || p < 0)) throw c.unsupported('attribute', `pads [${pads.join(', ')}] must be non-negative integers`);
    return spatialRank === 1 ? [0, pads[0]!, 0, pads[1]!] : [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw c.format(`unknown auto_pad "${autoPad}"`);
  const axis = (n: number, k: number, s: number, d: number): [number, number] => {
    const total = Math.max(0, (Math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n);
    const small = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  };
  const [top, bottom] = axis(inH, kernel[0], stride[0], dilation[0]);
  const [left, right] = axis(inW, kernel[1], stride[1], dilation[1]);
  return [top, left, bottom, right];
}

/** ONNX's kernel_shape / strides / pads attributes of a 2-D window. */
export function windowAttrs(a: { kernelHeight: number; kernelWidth: number; strideH: number; strideW: number; padTop: number; padLeft: number; padBottom: number; padRight: number }) {
  return {
    kernel_shape: { ints: [a.kernelHeight, a.kernelWidth] },
    strides: { ints: [a.strideH, a.strideW] },
    pads: { ints: [a.padTop, a.padLeft, a.padBottom, a.padRight] },
  };
}
