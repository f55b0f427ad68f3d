/**
 * Gather along one axis with a table of indices (shaders/gather.wgsl): the
 * output walk is not compacted, so the gathered axis keeps its own place.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import gatherWgsl from '../../shaders/gather.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { MAX_WALK_AXES } from './strided.js';

export const gatherShader = defineShader('gather', linearIndexWgsl, stridedIndexWgsl, gatherWgsl);
const WORKGROUP_SIZE = 64;

export interface GatherParams {
  /** The output's axes in its storage order (outermost first); written contiguously. */
  dims: readonly number[];
  /** The input's stride along each of those axes (the gathered one is ignored). */
  inStrides: readonly number[];
  /** Which of those axes is gathered, and the input's stride along it. */
  axis: number;
  axisStride: number;
}

/** @example gather({ dims: [3, 2], inStrides: [1, 5], axis: 0, axisStride: 1 }, x, indices, y) */
export function gather(p: GatherParams, input: BufferBinding, indices: BufferBinding, output: BufferBinding, label = 'gather'): DispatchSpec {
  if (p.dims.length > MAX_WALK_AXES) throw new InvalidParameterError('dims', `at most ${MAX_WALK_AXES} axes, got ${p.dims.length}`);
  if (!Number.isInteger(p.axis) || p.axis < 0 || p.axis >= p.dims.length) throw new InvalidParameterError('axis', `${p.axis} is not one of the ${p.dims.length} axes`);
  const lead = MAX_WALK_AXES - p.dims.length;
  const dims = [...new Array<number>(lead).fill(1), ...p.dims];
  const strides = [...new Array<number>(lead).fill(0), ...p.inStrides.map((s, k) => (k === p.axis ? 0 : s))];
  const total = p.dims.reduce((a, b) => a * b, 1);
  return {
    label,
    shader: gatherShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { dims0: dims.slice(0, 4), dims1: dims.slice(4), inStrides0: strides.slice(0, 4), inStrides1: strides.slice(4), gatherAxis: lead + p.axis, gatherStride: p.axisStride, total },
    bindings: { input, indices, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
