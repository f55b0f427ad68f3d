/** Float64 activations, written from their definitions. */
import type { Activation, ActivationParams } from '../../src/kernels/epilogue.js';

/** `params` as the builder stores them; ONNX's defaults where absent. */
export function activateRef(x: number, activation: Activation, params: ActivationParams = {}): number {
  switch (activation) {
    case 'none':
      return x;
    case 'relu':
      return Math.max(x, 0);
    case 'relu6':
      return Math.min(Math.max(x, 0), 6);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'silu':
      return x / (1 + Math.exp(-x));
    case 'hardswish':
      return (x * Math.min(Math.max(x + 3, 0), 6)) / 6;
    case 'tanh':
      return Math.tanh(x);
    case 'leaky_relu':
      return x >= 0 ? x : (params.alpha ?? 0.01) * x;
    case 'hardsigmoid':
      return Math.max(0, Math.min(1, (params.alpha ?? 0.2) * x + (params.beta ?? 0.5)));
    case 'clip':
      return Math.min(Math.max(x, params.min ?? -Infinity), params.max ?? Infinity);
  }
}
