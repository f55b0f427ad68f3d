/** ONNX attributes of 2-D window ops (Conv, pooling): pairs and explicit pads from `pads` or `auto_pad`. */
import type { OnnxNodeContext, RuntimeValue } from './onnx_import.js';
import type { Tensor } from './types.js';

/** [N, C, H, W] input of a 2-D window op. */
export function onnxImage(c: OnnxNodeContext, what = 'input'): { v: RuntimeValue; t: Tensor } {
  const v = c.runtimeInput(0);
  if (v.shape.length !== 4) throw c.unsupported('shape', `only 2-D ${c.opType} on [N, C, H, W] is supported, the ${what} is [${v.shape.join(', ')}]`);
  return { v, t: c.tensor(v) };
}

export function pairAttr(c: OnnxNodeContext, name: string, fallback: number): [number, number] {
  const v = c.attrs.ints(name);
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) throw c.format(`${name} [${v.join(', ')}] must have 2 values for a 2-D window`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`${name} [${v.join(', ')}] must be positive integers`);
  return [v[0]!, v[1]!];
}

/** Explicit [top, left, bottom, right] pads from `pads` or `auto_pad`. */
export function windowPads(c: OnnxNodeContext, inH: number, inW: number, kernel: [number, number], stride: [number, number], dilation: [number, number]): [number, number, number, number] {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = c.attrs.ints('pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) throw c.format(`pads [${pads.join(', ')}] must have 4 values for a 2-D window`);
    if (pads.some((p) => !Number.isSafeInteger(p) || p < 0)) throw c.unsupported('attribute', `pads [${pads.join(', ')}] must be non-negative integers`);
    return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
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
