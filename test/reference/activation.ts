/** Float64 activations, written from their definitions. */
import type { Activation, ActivationParams } from '../../src/kernels/epilogue.js';
import { erfcRef, erfRef } from './erf.js';

/** ONNX Selu's default alpha and gamma, from their definitions (Klambauer et al. 2017). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

/** x^y with C99's (and numpy's) special cases where JavaScript's differ: 1^y = 1 and (−1)^±∞ = 1. */
export function powRef(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

/** Round half to even (ONNX Round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

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
    case 'elu':
      return x > 0 ? x : (params.alpha ?? 1) * Math.expm1(x);
    case 'selu':
      return (params.gamma ?? SELU_GAMMA) * (x > 0 ? x : (params.alpha ?? SELU_ALPHA) * Math.expm1(x));
    case 'celu': {
      const a = params.alpha ?? 1;
      return Math.max(0, x) + Math.min(0, a * Math.expm1(x / a));
    }
    case 'softplus':
      return x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    case 'softsign':
      return x / (1 + Math.abs(x));
    case 'mish':
      return x * Math.tanh(activateRef(x, 'softplus'));
    case 'thresholded_relu':
      // torch.threshold's form: NaN is not ≤ alpha, so it stays; alpha is an f32 (ONNX attribute, shader constant)
      return x <= Math.fround(params.alpha ?? 1) ? 0 : x;
    case 'gelu':
      // 1 + erf(x/√2) = erfc(−x/√2), without cancellation in the left tail
      return 0.5 * x * erfcRef(-x / Math.SQRT2);
    case 'gelu_tanh':
      // x·(1 + tanh(u))/2 written as x·σ(2u), which does not cancel for x ≪ 0
      return x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'erf':
      return erfRef(x);
    case 'exp':
      // an f32 result past 3.4e38 is ∞
      return Math.fround(Math.exp(x));
    case 'log':
      return Math.log(x);
    case 'sqrt':
      return Math.sqrt(x);
    case 'neg':
      return -x;
    case 'abs':
      return Math.abs(x);
    case 'reciprocal':
      return Math.fround(1 / x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    case 'round':
      return roundHalfEven(x);
    case 'sin':
      return Math.sin(x);
    case 'cos':
      return Math.cos(x);
    case 'sign':
      return Math.sign(x);
    case 'pow':
      return Math.fround(powRef(x, params.exponent ?? 1));
    case 'scale':
      return Math.fround((params.alpha ?? 1) * x);
  }
}
