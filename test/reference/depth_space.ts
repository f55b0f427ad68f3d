/**
 * Float64 DepthToSpace / SpaceToDepth on NCHW, written as the ONNX operator
 * specification writes them: a reshape to rank 6, a transpose, a reshape back.
 */
import { transposeRef } from './tensor_ops.js';

export type DepthSpaceRefMode = 'DCR' | 'CRD' | 'S2D';

export function depthSpaceRef(x: ArrayLike<number>, shape: readonly number[], block: number, mode: DepthSpaceRefMode): { out: Float64Array; shape: number[] } {
  const [n, c, h, w] = shape as [number, number, number, number];
  const b = block;
  if (mode === 'S2D') {
    // [N, C, H/b, b, W/b, b] → [N, b, b, C, H/b, W/b]
    return { out: transposeRef(x, [n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4]), shape: [n, c * b * b, h / b, w / b] };
  }
  const oc = c / (b * b);
  const out =
    mode === 'DCR'
      ? // [N, b, b, C/b², H, W] → [N, C/b², H, b, W, b]
        transposeRef(x, [n, b, b, oc, h, w], [0, 3, 4, 1, 5, 2])
      : // [N, C/b², b, b, H, W] → [N, C/b², H, b, W, b]
        transposeRef(x, [n, oc, b, b, h, w], [0, 1, 4, 2, 5, 3]);
  return { out, shape: [n, oc, h * b, w * b] };
}
