/**
 * The training loss (shaders/train/softmax_cross_entropy.wgsl): mean
 * softmax cross-entropy of a batch, accumulated on the GPU so the host reads
 * it back only every N steps, and its gradient w.r.t. the logits.
 */
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import softmaxCrossEntropyWgsl from '../../shaders/train/softmax_cross_entropy.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';

export const softmaxCrossEntropyShader = defineShader('softmax_cross_entropy', nanWgsl, softmaxCrossEntropyWgsl);

/** One workgroup of this many invocations takes the whole batch (the shader's array holds 256). */
const LOSS_WORKGROUP_SIZE = 64;

/** Floats of the stats buffer: [loss sum since reset, steps since reset, steps in all]. */
export const TRAIN_STATS_LENGTH = 3;

/**
 * grad = (softmax(logits) − onehot(labels)) / rows; stats[0] += the batch's
 * mean loss, stats[1] += 1, stats[2] += 1 (Adam's t). Labels are u32 and
 * must be < classes (the host checks them: the GPU cannot throw).
 * @example softmaxCrossEntropy({ rows: 128, classes: 10 }, { logits, labels, grad, stats })
 */
export function softmaxCrossEntropy(
  p: { rows: number; classes: number },
  io: { logits: BufferBinding; labels: BufferBinding; grad: BufferBinding; stats: BufferBinding },
  label = 'softmax_cross_entropy',
): DispatchSpec {
  for (const [name, v] of Object.entries(p)) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a positive integer, got ${v}`);
  }
  return {
    label,
    shader: softmaxCrossEntropyShader,
    constants: { WORKGROUP_SIZE: LOSS_WORKGROUP_SIZE },
    uniforms: { rows: p.rows, classes: p.classes },
    bindings: { logits: io.logits, labels: io.labels, grad: io.grad, stats: io.stats },
    workgroups: [1, 1, 1],
  };
}
