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

/**
 * How a kernel walks an output of `shape` so that it writes contiguously:
 * the logical axes in storage order, their extents, and the output's own
 * strides along them.
 */
export function storageWalk(shape: Shape): { order: number[]; dims: number[]; strides: number[] } {
  const order = storageOrder(shape.length);
  const strides = storageStrides(shape);
  return { order, dims: order.map((a) => shape[a]!), strides: order.map((a) => strides[a]!) };
}

/**
 * The strides of an operand of `shape`, broadcast numpy-style against an
 * output of rank `outRank`, along the output axes `order`: its own storage
 * stride where it has the axis, 0 where it lacks it or has extent 1.
 */
export function broadcastStridesAlong(shape: Shape, outRank: number, order: readonly number[]): number[] {
  const own = storageStrides(shape);
  const lead = outRank - shape.length;
  return order.map((axis) => (axis < lead || shape[axis - lead] === 1 ? 0 : own[axis - lead]!));
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
