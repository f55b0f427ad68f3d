/**
 * The dense layers of a head being trained (shaders/train/dense_*.wgsl):
 * forward with its activation, and the two halves of backpropagation — the
 * parameters' gradients and the gradient passed to the layer's input.
 * Weights stay in PyTorch's nn.Linear layout ([out][in], then the bias) at an
 * offset of one parameter buffer that holds every layer of the head, so one
 * optimizer dispatch (train_optimizer.ts) steps them all.
 */
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import denseActivationWgsl from '../../shaders/train/dense_activation.wgsl?raw';
import denseForwardWgsl from '../../shaders/train/dense_forward.wgsl?raw';
import denseBackwardParamsWgsl from '../../shaders/train/dense_backward_params.wgsl?raw';
import denseBackwardInputWgsl from '../../shaders/train/dense_backward_input.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const denseForwardShader = defineShader('dense_forward', nanWgsl, floatMathWgsl, linearIndexWgsl, denseActivationWgsl, denseForwardWgsl);
export const denseBackwardParamsShader = defineShader('dense_backward_params', nanWgsl, floatMathWgsl, linearIndexWgsl, denseActivationWgsl, denseBackwardParamsWgsl);
export const denseBackwardInputShader = defineShader('dense_backward_input', nanWgsl, floatMathWgsl, linearIndexWgsl, denseActivationWgsl, denseBackwardInputWgsl);

/** The activations a trained dense layer may apply; the index is DENSE_ACTIVATION. */
export const DENSE_ACTIVATIONS = ['none', 'relu', 'tanh'] as const;
export type DenseActivationName = (typeof DENSE_ACTIVATIONS)[number];

/** Invocations per workgroup of every training kernel but the loss. */
export const TRAIN_WORKGROUP_SIZE = 64;

/** One dense layer's shape and where its parameters lie. */
export interface DenseShape {
  /** Rows of the batch. */
  rows: number;
  inFeatures: number;
  outFeatures: number;
  /** Index of the layer's first weight in the parameter buffer (floats); default 0. */
  paramOffset?: number;
  activation?: DenseActivationName;
}

/** Floats a layer holds in the parameter buffer: its weights, then its bias. */
export function denseParameterCount(inFeatures: number, outFeatures: number): number {
  return outFeatures * (inFeatures + 1);
}

function checked(s: DenseShape): { uniforms: Record<string, number>; constants: Record<string, number> } {
  const uniforms = { rows: s.rows, inFeatures: s.inFeatures, outFeatures: s.outFeatures, paramOffset: s.paramOffset ?? 0 };
  for (const [name, v] of Object.entries(uniforms)) {
    const min = name === 'paramOffset' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new InvalidParameterError(name, `must be an integer ≥ ${min}, got ${v}`);
  }
  const code = DENSE_ACTIVATIONS.indexOf(s.activation ?? 'none');
  if (code < 0) throw new InvalidParameterError('activation', `a trained dense layer applies ${DENSE_ACTIVATIONS.join(', ')}; got "${s.activation}"`);
  return { uniforms, constants: { WORKGROUP_SIZE: TRAIN_WORKGROUP_SIZE, DENSE_ACTIVATION: code } };
}

/**
 * y = act(x·Wᵀ + b) for a batch: x [rows][in], y [rows][out], the layer's
 * W and b at `paramOffset` of `weights`.
 * @example denseForward({ rows: 128, inFeatures: 84, outFeatures: 10 }, { x, weights, y })
 */
export function denseForward(s: DenseShape, io: { x: BufferBinding; weights: BufferBinding; y: BufferBinding }, label = 'dense_forward'): DispatchSpec {
  const { uniforms, constants } = checked(s);
  return { label, shader: denseForwardShader, constants, uniforms, bindings: { x: io.x, weights: io.weights, y: io.y }, workgroups: linearWorkgroups(s.rows * s.outFeatures, TRAIN_WORKGROUP_SIZE) };
}

/**
 * dW = dZᵀ·x and db = Σ_r dZ with dZ = dy ⊙ act'(y), written into `grads`
 * at `paramOffset` (the parameter buffer's layout). `y` is the layer's
 * output; with activation 'none' it is not read (bind any buffer).
 * @example denseBackwardParams({ rows: 128, inFeatures: 84, outFeatures: 10 }, { x, y: logits, dy: dLogits, grads })
 */
export function denseBackwardParams(
  s: DenseShape,
  io: { x: BufferBinding; y: BufferBinding; dy: BufferBinding; grads: BufferBinding },
  label = 'dense_backward_params',
): DispatchSpec {
  const { uniforms, constants } = checked(s);
  return {
    label,
    shader: denseBackwardParamsShader,
    constants,
    uniforms,
    bindings: { x: io.x, y: io.y, dy: io.dy, grads: io.grads },
    workgroups: linearWorkgroups(denseParameterCount(s.inFeatures, s.outFeatures), TRAIN_WORKGROUP_SIZE),
  };
}

/**
 * dx = (dy ⊙ act'(y))·W: the gradient at the layer's input [rows][in], the
 * dy of the layer before it.
 * @example denseBackwardInput({ rows: 128, inFeatures: 120, outFeatures: 84, activation: 'relu' }, { y: fc1Out, dy: dFc1, weights, dx: dFeatures })
 */
export function denseBackwardInput(
  s: DenseShape,
  io: { y: BufferBinding; dy: BufferBinding; weights: BufferBinding; dx: BufferBinding },
  label = 'dense_backward_input',
): DispatchSpec {
  const { uniforms, constants } = checked(s);
  return {
    label,
    shader: denseBackwardInputShader,
    constants,
    uniforms,
    bindings: { y: io.y, dy: io.dy, weights: io.weights, dx: io.dx },
    workgroups: linearWorkgroups(s.rows * s.inFeatures, TRAIN_WORKGROUP_SIZE),
  };
}
