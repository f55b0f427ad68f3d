/**
 * Gathering a mini-batch from a training set held on the GPU
 * (shaders/train/gather_batch.wgsl) by the epoch's permutation, so a run of
 * steps needs no batch written by the CPU between them.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import gatherBatchWgsl from '../../shaders/train/gather_batch.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { TRAIN_WORKGROUP_SIZE } from './train_dense.js';

export const gatherBatchShader = defineShader('gather_batch', linearIndexWgsl, gatherBatchWgsl);

/**
 * x[r] = features[order[start + r]], labelsOut[r] = labels[order[start + r]] for r < rows.
 * @example gatherBatch({ rows: 128, width: 84, start: 256 }, { features, labels, order, x, labelsOut })
 */
export function gatherBatch(
  p: { rows: number; width: number; start: number },
  io: { features: BufferBinding; labels: BufferBinding; order: BufferBinding; x: BufferBinding; labelsOut: BufferBinding },
  label = 'gather_batch',
): DispatchSpec {
  for (const [name, v] of Object.entries(p)) {
    const min = name === 'start' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new InvalidParameterError(name, `must be an integer ≥ ${min}, got ${v}`);
  }
  return {
    label,
    shader: gatherBatchShader,
    constants: { WORKGROUP_SIZE: TRAIN_WORKGROUP_SIZE },
    uniforms: { rows: p.rows, width: p.width, start: p.start },
    bindings: { features: io.features, labels: io.labels, order: io.order, x: io.x, labelsOut: io.labelsOut },
    workgroups: linearWorkgroups(p.rows * p.width, TRAIN_WORKGROUP_SIZE),
  };
}
