/**
 * How tensors cross the boundary between the caller's layout and ours (the
 * permutations themselves are ops/layout.ts's, as are the conversions inside
 * the graph that placement inserts). Callers (PyTorch, ONNX) hand us NCHW;
 * rank-4 tensors live NHWC on the GPU. Tensors of other ranks are row-major
 * on both sides and cross as they are, and so does a rank-4 output of one
 * pixel (its NHWC and NCHW bytes agree).
 */
import { NCHW_TO_NHWC, NHWC_TO_NCHW, type LayoutConversion } from '../ops/layout.js';
import type { Shape } from './ir.js';

export { NCHW_TO_NHWC, NHWC_TO_NCHW, type Permutation4 } from '../ops/layout.js';

/** A conversion at the boundary: the source's dims as they are stored, and the permutation to apply. */
export type BoundaryConversion = LayoutConversion;

/** How a graph input of logical shape `shape` enters the GPU layout; undefined: it is read as given. */
export function inputConversion(shape: Shape): BoundaryConversion | undefined {
  if (shape.length !== 4) return undefined;
  const [n, c, h, w] = shape as [number, number, number, number];
  return { dims: [n, c, h, w], perm: NCHW_TO_NHWC };
}

/** How a graph output of logical shape `shape` leaves the GPU layout; undefined: it is read as stored. */
export function outputConversion(shape: Shape): BoundaryConversion | undefined {
  if (shape.length !== 4 || shape[2]! * shape[3]! === 1) return undefined;
  const [n, c, h, w] = shape as [number, number, number, number];
  return { dims: [n, h, w, c], perm: NHWC_TO_NCHW };
}
