/**
 * The fused epilogue every conv and GEMM kernel shares (shaders/common/
 * epilogue.wgsl): y = act(acc + bias[c] + residual), each part switched by an
 * override constant so an unused part costs nothing.
 */
import { InvalidParameterError } from '../errors.js';
import { ACTIVATIONS, type Activation, type ActivationParams } from '../vocabulary.js';

export { ACTIVATIONS, type Activation, type ActivationParams } from '../vocabulary.js';

export interface Epilogue {
  activation?: Activation;
  /** For the parametric activations (ActivationParams); ignored by the others. */
  activationParams?: ActivationParams;
  /** A bias per output channel is added. */
  hasBias?: boolean;
  /** A tensor shaped like the output is added before the activation (ResNet's shortcut). */
  hasResidual?: boolean;
}

/** The largest finite f32: WGSL has no infinities, so an absent clip bound becomes this. */
export const F32_MAX = 3.4028234663852886e38;
const finiteF32 = (v: number): number => Math.min(F32_MAX, Math.max(-F32_MAX, v));

/** ONNX Selu's defaults (the self-normalizing constants, as f32). */
export const SELU_ALPHA = 1.67326319217681884765625;
export const SELU_GAMMA = 1.05070102214813232421875;

/**
 * ACT_ALPHA / ACT_BETA for the activations that take numbers, none for the
 * others — so the pipelines of parameterless activations keep their cache keys.
 */
export function activationParamConstants(activation: Activation, p: ActivationParams = {}): Record<string, number> {
  switch (activation) {
    case 'leaky_relu':
      return { ACT_ALPHA: p.alpha ?? 0.01 };
    case 'hardsigmoid':
      return { ACT_ALPHA: p.alpha ?? 0.2, ACT_BETA: p.beta ?? 0.5 };
    case 'clip':
      return { ACT_ALPHA: finiteF32(p.min ?? -Infinity), ACT_BETA: finiteF32(p.max ?? Infinity) };
    case 'elu':
    case 'celu':
    case 'thresholded_relu':
      return { ACT_ALPHA: p.alpha ?? 1 };
    case 'selu':
      return { ACT_ALPHA: p.alpha ?? SELU_ALPHA, ACT_BETA: p.gamma ?? SELU_GAMMA };
    case 'pow':
      return { ACT_ALPHA: p.exponent ?? 1 };
    case 'scale':
      return { ACT_ALPHA: p.alpha ?? 1 };
    default:
      return {};
  }
}

/** ACTIVATION and its numbers, for kernels that use activate() without bias or residual. */
export function activationConstants(activation: Activation = 'none', params?: ActivationParams): Record<string, number> {
  const code = ACTIVATIONS.indexOf(activation);
  if (code < 0) throw new InvalidParameterError('activation', `unknown activation "${activation}"; known: ${ACTIVATIONS.join(', ')}`);
  return { ACTIVATION: code, ...activationParamConstants(activation, params) };
}

/** The override constants for an epilogue, by the names epilogue.wgsl declares. */
export function epilogueConstants(e: Epilogue): Record<string, number> {
  return { ...activationConstants(e.activation, e.activationParams), HAS_BIAS: e.hasBias ? 1 : 0, HAS_RESIDUAL: e.hasResidual ? 1 : 0 };
}
