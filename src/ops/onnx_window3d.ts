/** ONNX attributes of 3-D window ops (Conv, pooling on [N, C, D, H, W]): per-axis triples and explicit pads from `pads` or `auto_pad`. */
import type { Triple, Window3d } from '../kernels/conv3d.js';
import type { OnnxNodeContext } from './onnx_import.js';

/** A per-axis attribute as [D, H, W] (absent: the fallback on every axis). */
export function tripleAttr(c: OnnxNodeContext, name: string, fallback: number): Triple {
  const v = c.attrs.ints(name);
  if (v === undefined) return [fallback, fallback, fallback];
  if (v.length !== 3) throw c.format(`${name} [${v.join(', ')}] must have 3 values for a 3-D window`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`${name} [${v.join(', ')}] must be positive integers`);
  return [v[0]!, v[1]!, v[2]!];
}

/**
 * Begin and end pads per axis from `pads` ([d0, h0, w0, d1, h1, w1]) or
 * `auto_pad` (ONNX's SAME_* rule, as 2-D windows: output ceil(n / s), the odd
 * pad after for SAME_UPPER, before for SAME_LOWER).
 */
export function windowPads3d(c: OnnxNodeContext, inSize: Triple, kernel: Triple, stride: Triple, dilation: Triple): Pick<Window3d, 'padBegin' | 'padEnd'> {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = c.attrs.ints('pads') ?? [0, 0, 0, 0, 0, 0];
    if (pads.length !== 6) throw c.format(`pads [${pads.join(', ')}] must have 6 values for a 3-D window`);
    if (pads.some((p) => !Number.isSafeInteger(p) || p < 0)) throw c.unsupported('attribute', `pads [${pads.join(', ')}] must be non-negative integers`);
    return { padBegin: [pads[0]!, pads[1]!, pads[2]!], padEnd: [pads[3]!, pads[4]!, pads[5]!] };
  }
  if (autoPad === 'VALID') return { padBegin: [0, 0, 0], padEnd: [0, 0, 0] };
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw c.format(`unknown auto_pad "${autoPad}"`);
  const begin: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < 3; i++) {
    const n = inSize[i]!;
    const total = Math.max(0, (Math.ceil(n / stride[i]!) - 1) * stride[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - n);
    const small = Math.floor(total / 2);
    begin.push(autoPad === 'SAME_UPPER' ? small : total - small);
    end.push(autoPad === 'SAME_UPPER' ? total - small : small);
  }
  return { padBegin: begin as unknown as Triple, padEnd: end as unknown as Triple };
}

/** ONNX's kernel_shape / strides / dilations / pads attributes of a 3-D window. */
export function window3dAttrs(w: Window3d) {
  return {
    kernel_shape: { ints: [...w.kernel] },
    strides: { ints: [...w.stride] },
    pads: { ints: [...w.padBegin, ...w.padEnd] },
  };
}

/** [N, C, D, H, W] as the [N, C, D·H, W] image with the same row-major data: for ops that act per channel over the whole volume. */
export function volumeAsImage(shape: readonly number[]): [number, number, number, number] {
  const [n, c, d, h, w] = shape as [number, number, number, number, number];
  return [n, c, d * h, w];
}
