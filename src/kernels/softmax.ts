/**
 * Softmax over the last axis (classifier heads): one workgroup per row,
 * the row max and the sum of exponentials reduced in workgroup memory.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import softmaxWgsl from '../../shaders/softmax.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const softmaxShader = defineShader('softmax', nanWgsl, linearIndexWgsl, softmaxWgsl);

export interface SoftmaxParams {
  /** Independent rows (e.g. the batch). */
  rows: number;
  /** Elements per row, normalized together (e.g. the classes). */
  length: number;
  /** Invocations per row: a power of two, at most 256 (default 64). */
  workgroupSize?: number;
  /** Write log-softmax instead (default false). */
  log?: boolean;
}

/**
 * Softmax of each row of a contiguous [rows, length] tensor.
 * @example softmax({ rows: 1, length: 1000 }, logits, probabilities)
 */
export function softmax(p: SoftmaxParams, input: BufferBinding, output: BufferBinding, label = 'softmax'): DispatchSpec {
  for (const k of ['rows', 'length'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${p[k]}`);
  }
  const workgroupSize = p.workgroupSize ?? 64;
  // the shader's tree reduction halves the workgroup at each step
  if (!Number.isInteger(workgroupSize) || workgroupSize < 1 || workgroupSize > 256 || (workgroupSize & (workgroupSize - 1)) !== 0) {
    throw new InvalidParameterError('workgroupSize', `must be a power of two from 1 to 256, got ${workgroupSize}`);
  }
  return {
    label,
    shader: softmaxShader,
    constants: { WORKGROUP_SIZE: workgroupSize, LOG: p.log ? 1 : 0 },
    uniforms: { rows: p.rows, length: p.length },
    bindings: { input, output },
    workgroups: linearWorkgroups(p.rows, 1),
  };
}
