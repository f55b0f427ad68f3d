/**
 * ArgMax / ArgMin along one axis of a tensor in any layout, one invocation
 * per output element (shaders/arg_reduce.wgsl). The caller describes the
 * output elements as a walk over the input's other axes, with the input's
 * and the output's storage strides along each, and the reduced axis by its
 * extent and input stride. The indices are written as float32-exact
 * integers (the run path hands them to the caller as int64).
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import argReduceWgsl from '../../shaders/arg_reduce.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { walkUniforms } from './strided.js';

export const argReduceShader = defineShader('arg_reduce', nanWgsl, linearIndexWgsl, stridedIndexWgsl, argReduceWgsl);
const WORKGROUP_SIZE = 64;

/** Indices are float32 on the GPU: exact below 2^24. */
export const MAX_ARG_AXIS = 2 ** 24;

/** One axis walked per output element, and the output elements as a walk over the other axes. */
export interface AxisWalk {
  /** The input's other axes (any order), the input stride and the output stride along each. */
  keptDims: readonly number[];
  keptInStrides: readonly number[];
  keptOutStrides: readonly number[];
  /** The extent of the walked axis and the input stride along it. */
  axisDim: number;
  axisStride: number;
}

export interface ArgReduceParams extends AxisWalk {
  argmin: boolean;
  /** Among equal values the last index wins (ONNX select_last_index), else the first. */
  selectLast: boolean;
}

/** Refuses an axis whose indices float32 cannot hold exactly. */
export function checkAxisDim(axisDim: number, what: string): void {
  if (!Number.isInteger(axisDim) || axisDim < 1 || axisDim >= MAX_ARG_AXIS) {
    throw new InvalidParameterError('axisDim', `${what}: the axis has ${axisDim} elements; indices are exact up to 2^24`);
  }
}

/**
 * @example
 * // argmax over the last axis of a row-major [3, 5] into [3]
 * argReduce({ keptDims: [3], keptInStrides: [5], keptOutStrides: [1], axisDim: 5, axisStride: 1, argmin: false, selectLast: false }, x, y)
 */
export function argReduce(p: ArgReduceParams, input: BufferBinding, output: BufferBinding, label = p.argmin ? 'argmin' : 'argmax'): DispatchSpec {
  checkAxisDim(p.axisDim, label);
  const kept = walkUniforms({ dims: p.keptDims, views: [{ strides: p.keptInStrides, offset: 0 }, { strides: p.keptOutStrides, offset: 0 }] }, ['inStrides', 'outStrides'], label);
  return {
    label,
    shader: argReduceShader,
    constants: { WORKGROUP_SIZE, ARGMIN: p.argmin ? 1 : 0, SELECT_LAST: p.selectLast ? 1 : 0 },
    uniforms: { ...kept, axisStride: p.axisStride, count: p.axisDim },
    bindings: { input, output },
    workgroups: linearWorkgroups(kept.total as number, WORKGROUP_SIZE),
  };
}
