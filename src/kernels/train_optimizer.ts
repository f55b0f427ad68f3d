/**
 * Optimizer steps over a head's parameter buffer (shaders/train/sgd_step.wgsl,
 * adam_step.wgsl), with torch.optim.SGD's and torch.optim.Adam's semantics:
 * weight decay is L2 added to the gradient, Adam corrects its bias with the
 * step number t kept on the GPU (stats[2], advanced by the loss kernel).
 */
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import adamStepWgsl from '../../shaders/train/adam_step.wgsl?raw';
import sgdStepWgsl from '../../shaders/train/sgd_step.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { TRAIN_WORKGROUP_SIZE } from './train_dense.js';

export const sgdStepShader = defineShader('sgd_step', linearIndexWgsl, sgdStepWgsl);
export const adamStepShader = defineShader('adam_step', nanWgsl, floatMathWgsl, linearIndexWgsl, adamStepWgsl);

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new InvalidParameterError('count', `must be a positive integer, got ${count}`);
}

function checkFinite(values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new InvalidParameterError(name, `must be a finite number, got ${v}`);
  }
}

/**
 * p −= lr · (momentum · v + g), g = grad + weightDecay · p, over `count` floats.
 * @example sgdStep({ count: 850, lr: 0.1, momentum: 0.9, weightDecay: 0 }, { weights, grads, velocity })
 */
export function sgdStep(
  p: { count: number; lr: number; momentum: number; weightDecay: number },
  io: { weights: BufferBinding; grads: BufferBinding; velocity: BufferBinding },
  label = 'sgd_step',
): DispatchSpec {
  checkCount(p.count);
  checkFinite({ lr: p.lr, momentum: p.momentum, weightDecay: p.weightDecay });
  return {
    label,
    shader: sgdStepShader,
    constants: { WORKGROUP_SIZE: TRAIN_WORKGROUP_SIZE },
    uniforms: { count: p.count, lr: p.lr, momentum: p.momentum, weightDecay: p.weightDecay },
    bindings: { weights: io.weights, grads: io.grads, velocity: io.velocity },
    workgroups: linearWorkgroups(p.count, TRAIN_WORKGROUP_SIZE),
  };
}

/**
 * One Adam step over `count` floats; t is stats[2] (≥ 1 when it runs).
 * @example adamStep({ count: 850, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, { weights, grads, m, v, stats })
 */
export function adamStep(
  p: { count: number; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
  io: { weights: BufferBinding; grads: BufferBinding; m: BufferBinding; v: BufferBinding; stats: BufferBinding },
  label = 'adam_step',
): DispatchSpec {
  checkCount(p.count);
  checkFinite({ lr: p.lr, beta1: p.beta1, beta2: p.beta2, eps: p.eps, weightDecay: p.weightDecay });
  for (const [name, beta] of [['beta1', p.beta1], ['beta2', p.beta2]] as const) {
    if (!(beta >= 0 && beta < 1)) throw new InvalidParameterError(name, `must be in [0, 1), got ${beta}`);
  }
  return {
    label,
    shader: adamStepShader,
    constants: { WORKGROUP_SIZE: TRAIN_WORKGROUP_SIZE },
    uniforms: { count: p.count, lr: p.lr, beta1: p.beta1, beta2: p.beta2, oneMinusBeta1: 1 - p.beta1, oneMinusBeta2: 1 - p.beta2, logBeta1: Math.log(p.beta1), logBeta2: Math.log(p.beta2), eps: p.eps, weightDecay: p.weightDecay },
    bindings: { weights: io.weights, grads: io.grads, m: io.m, v: io.v, stats: io.stats },
    workgroups: linearWorkgroups(p.count, TRAIN_WORKGROUP_SIZE),
  };
}
