/**
 * The fused epilogue every conv and GEMM kernel shares (shaders/common/
 * epilogue.wgsl): y = act(acc + bias[c] + residual), each part switched by an
 * override constant so an unused part costs nothing.
 */
import { InvalidParameterError } from '../errors.js';

export const ACTIVATIONS = ['none', 'relu', 'relu6', 'sigmoid', 'silu', 'hardswish', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface Epilogue {
  activation?: Activation;
  /** A bias per output channel is added. */
  hasBias?: boolean;
  /** A tensor shaped like the output is added before the activation (ResNet's shortcut). */
  hasResidual?: boolean;
}

/** The override constants for an epilogue, by the names epilogue.wgsl declares. */
export function epilogueConstants(e: Epilogue): Record<string, number> {
  const activation = e.activation ?? 'none';
  const code = ACTIVATIONS.indexOf(activation);
  if (code < 0) throw new InvalidParameterError('activation', `unknown activation "${activation}"; known: ${ACTIVATIONS.join(', ')}`);
  return { ACTIVATION: code, HAS_BIAS: e.hasBias ? 1 : 0, HAS_RESIDUAL: e.hasResidual ? 1 : 0 };
}
