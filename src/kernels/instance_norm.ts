/**
 * Instance normalization on NHWC activations (ONNX InstanceNormalization,
 * torch.nn.InstanceNorm2d): each image's channel is normalized by its own
 * mean and biased variance over H·W, then scaled and shifted per channel.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import instanceNormWgsl from '../../shaders/instance_norm.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const instanceNormShader = defineShader('instance_norm', linearIndexWgsl, instanceNormWgsl);
/** Invocations per (n, c); a power of two (the shader's reduction tree halves it). */
const WORKGROUP_SIZE = 64;

export interface InstanceNormParams {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Added to the variance; finite and ≥ 0 (ONNX's default 1e-5). */
  epsilon: number;
}

export interface InstanceNormBindings {
  input: BufferBinding;
  /** One value per channel (ones when the norm has no affine parameters). */
  scale: BufferBinding;
  /** One value per channel (zeros when the norm has no affine parameters). */
  bias: BufferBinding;
  output: BufferBinding;
}

/**
 * NHWC [N, H, W, C] → the same shape, one workgroup per (n, c).
 * @example instanceNorm({ batch: 2, height: 16, width: 16, channels: 32, epsilon: 1e-5 }, { input: x, scale: g, bias: b, output: y })
 */
export function instanceNorm(p: InstanceNormParams, b: InstanceNormBindings, label = 'instance_norm'): DispatchSpec {
  for (const k of ['batch', 'height', 'width', 'channels'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${p[k]}`);
  }
  if (!Number.isFinite(p.epsilon) || p.epsilon < 0) throw new InvalidParameterError('epsilon', `must be finite and ≥ 0, got ${p.epsilon}`);
  const groups = p.batch * p.channels;
  return {
    label,
    shader: instanceNormShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { channels: p.channels, pixels: p.height * p.width, groups, epsilon: p.epsilon },
    bindings: { input: b.input, scale: b.scale, bias: b.bias, output: b.output },
    // one workgroup per (n, c): linearWorkgroups folds groups·WORKGROUP_SIZE invocations into a grid of `groups` workgroups
    workgroups: linearWorkgroups(groups * WORKGROUP_SIZE, WORKGROUP_SIZE),
  };
}
