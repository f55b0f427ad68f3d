/**
 * TopK along one axis of a tensor in any layout (shaders/top_k.wgsl): one
 * invocation per input element ranks it within its row and writes it to
 * its slot when the rank is below k. One dispatch writes the values, a
 * second (the same shader, INDICES=1) the indices as float32-exact integers.
 * Each invocation reads its whole row: meant for rows of up to a few
 * thousand elements, as classification heads have.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import topKWgsl from '../../shaders/top_k.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { checkAxisDim, type AxisWalk } from './arg_reduce.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { walkUniforms } from './strided.js';

export const topKShader = defineShader('top_k', nanWgsl, linearIndexWgsl, stridedIndexWgsl, topKWgsl);
const WORKGROUP_SIZE = 64;

export interface TopKParams extends AxisWalk {
  k: number;
  /** The output stride along the axis (k elements). */
  outAxisStride: number;
  smallest: boolean;
  /** Write the indices (else the values). */
  indices: boolean;
}

/**
 * @example
 * // the 2 largest of each row of a row-major [3, 5], values into [3, 2]
 * topK({ keptDims: [3], keptInStrides: [5], keptOutStrides: [2], axisDim: 5, axisStride: 1, k: 2, outAxisStride: 1, smallest: false, indices: false }, x, y)
 */
export function topK(p: TopKParams, input: BufferBinding, output: BufferBinding, label = 'topk'): DispatchSpec {
  checkAxisDim(p.axisDim, label);
  if (!Number.isInteger(p.k) || p.k < 1 || p.k > p.axisDim) throw new InvalidParameterError('k', `${label}: k must be 1 to ${p.axisDim} (the axis), got ${p.k}`);
  const rows = walkUniforms({ dims: p.keptDims, views: [{ strides: p.keptInStrides, offset: 0 }, { strides: p.keptOutStrides, offset: 0 }] }, ['inStrides', 'outStrides'], label);
  const invocations = (rows.total as number) * p.axisDim;
  if (invocations >= 2 ** 32) throw new InvalidParameterError('keptDims', `${label}: ${invocations} elements; at most 2^32 − 1`);
  return {
    label,
    shader: topKShader,
    constants: { WORKGROUP_SIZE, SMALLEST: p.smallest ? 1 : 0, INDICES: p.indices ? 1 : 0 },
    uniforms: { ...rows, axisStride: p.axisStride, outAxisStride: p.outAxisStride, count: p.axisDim, k: p.k },
    bindings: { input, output },
    workgroups: linearWorkgroups(invocations, WORKGROUP_SIZE),
  };
}
