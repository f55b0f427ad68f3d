/**
 * How logical shapes sit in GPU memory: rank-4 tensors ([N, C, H, W]) NHWC,
 * tensors of every other rank (0–6) row-major, as their logical order. A
 * kernel that handles any rank reads a tensor through storageStrides: one
 * element stride per logical axis, whatever the layout.
 */
import type { Shape4 } from '../kernels/elementwise.js';
import type { Shape } from './types.js';

/** A 4-D permutation in permute4d's convention: output axis i is input axis perm[i]. */
export type Permutation4 = readonly [number, number, number, number];

/** NCHW data → NHWC: how rank-4 tensors enter the GPU layout. */
export const NCHW_TO_NHWC: Permutation4 = [0, 2, 3, 1];
/** NHWC data → NCHW: how they leave it. */
export const NHWC_TO_NCHW: Permutation4 = [0, 3, 1, 2];

/** A layout conversion: the source's dims as they are stored, and the permute4d permutation that converts it. */
export interface LayoutConversion {
  readonly dims: readonly [number, number, number, number];
  readonly perm: Permutation4;
}

/** NHWC storage of `shape` → its row-major (NCHW-order) bytes; undefined when its storage already is row-major. */
export function toRowMajor(shape: Shape): LayoutConversion | undefined {
  if (isRowMajorStorage(shape)) return undefined;
  return { dims: nhwcDims(shape), perm: NHWC_TO_NCHW };
}

/** Row-major (NCHW-order) bytes → the NHWC storage of `shape`; undefined when its storage is row-major. */
export function fromRowMajor(shape: Shape): LayoutConversion | undefined {
  if (isRowMajorStorage(shape)) return undefined;
  const [n, c, h, w] = shape as [number, number, number, number];
  return { dims: [n, c, h, w], perm: NCHW_TO_NHWC };
}

/** Logical [N, C, H, W] → NHWC dims; [N, F] → [N, 1, 1, F]. */
export function nhwcDims(shape: Shape): Shape4 {
  return shape.length === 4 ? [shape[0]!, shape[2]!, shape[3]!, shape[1]!] : [shape[0]!, 1, 1, shape[1]!];
}

/** Element strides of each logical axis in GPU storage: NHWC's for rank 4, row-major's otherwise. */
export function storageStrides(shape: Shape): number[] {
  if (shape.length === 4) {
    const [, c, h, w] = shape as [number, number, number, number];
    return [h * w * c, 1, w * c, c];
  }
  const strides = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) strides[k] = strides[k + 1]! * shape[k + 1]!;
  return strides;
}

/** The logical axes from outermost to innermost in storage: [0, 2, 3, 1] for rank 4, in order otherwise. */
export function storageOrder(rank: number): number[] {
  return rank === 4 ? [0, 2, 3, 1] : [...Array(rank).keys()];
}

const pad = (shape: Shape, rank: number): number[] => [...Array<number>(Math.max(0, rank - shape.length)).fill(1), ...shape];

/**
 * The NHWC kernel dims of `shape` read as an operand of a rank-`outRank`
 * result: [N, F] → [N, 1, 1, F] in a rank-2 result, [1, 1, N, F] → NHWC
 * [1, N, F, 1] in a rank-4 one (the same memory: with one channel NHWC is
 * row-major).
 */
export function operandDims(shape: Shape, outRank: number): Shape4 {
  if (outRank <= 2) {
    const [n, f] = pad(shape, 2) as [number, number];
    return [n, 1, 1, f];
  }
  const [n, c, h, w] = pad(shape, 4) as [number, number, number, number];
  return [n, h, w, c];
}

/** Whether the GPU layout of `shape` is its row-major (NCHW) order: any rank but 4, or one channel, or one pixel. */
export function isRowMajorStorage(shape: Shape): boolean {
  if (shape.length !== 4) return true;
  const [, c, h, w] = shape as [number, number, number, number];
  return c === 1 || h * w === 1;
}

/** A constant's row-major (NCHW) data in GPU layout (NHWC for rank 4, as is otherwise). */
export function toStorageLayout(shape: Shape, data: Float32Array): Float32Array {
  if (isRowMajorStorage(shape)) return data;
  const [n, c, h, w] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x]!;
  return out;
}

/** The NHWC storage axis of a logical axis of a rank-4 ([N, C, H, W] → 0, 3, 1, 2) or rank-2 ([N, F] → 0, 3) tensor. */
export function storageAxis(rank: number, axis: number): number {
  return rank === 4 ? [0, 3, 1, 2][axis]! : [0, 3][axis]!;
}
