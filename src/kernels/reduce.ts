/**
 * Reductions over any set of axes of a tensor in any layout, one invocation
 * per output element (shaders/reduce.wgsl). The caller describes the kept
 * axes (in the output's storage order) and the reduced axes as strided
 * walks over the input.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { walkUniforms } from './strided.js';

export const reduceShader = defineShader('reduce', nanWgsl, linearIndexWgsl, stridedIndexWgsl, reduceWgsl);
const WORKGROUP_SIZE = 64;

/** The reductions, in the shader's OP order. */
export const REDUCE_OPS = ['sum', 'mean', 'max', 'min', 'prod', 'l1', 'l2', 'logsum', 'logsumexp', 'sumsquare'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

export interface ReduceParams {
  op: ReduceOp;
  /** The output's axes in its storage order, and the input stride along each (0 for a kept unit axis). */
  keptDims: readonly number[];
  keptStrides: readonly number[];
  /** The reduced axes and the input stride along each. */
  reducedDims: readonly number[];
  reducedStrides: readonly number[];
}

/**
 * @example
 * // sum over the last axis of a row-major [3, 4, 5]
 * reduce({ op: 'sum', keptDims: [3, 4], keptStrides: [20, 5], reducedDims: [5], reducedStrides: [1] }, x, y)
 */
export function reduce(p: ReduceParams, input: BufferBinding, output: BufferBinding, label = `reduce_${p.op}`): DispatchSpec {
  const op = REDUCE_OPS.indexOf(p.op);
  if (op < 0) throw new InvalidParameterError('op', `unknown reduction "${p.op}"; known: ${REDUCE_OPS.join(', ')}`);
  const kept = walkUniforms({ dims: p.keptDims, views: [{ strides: p.keptStrides, offset: 0 }] }, ['inStrides'], label);
  const reduced = walkUniforms({ dims: p.reducedDims, views: [{ strides: p.reducedStrides, offset: 0 }] }, ['rStrides'], label);
  const total = kept.total as number;
  return {
    label,
    shader: reduceShader,
    constants: { WORKGROUP_SIZE, OP: op },
    uniforms: {
      ...kept,
      rdims0: reduced.dims0!,
      rdims1: reduced.dims1!,
      rStrides0: reduced.rStrides0!,
      rStrides1: reduced.rStrides1!,
      count: reduced.total!,
    },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
