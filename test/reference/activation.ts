/** Float64 activations, written from their definitions. */
import type { Activation } from '../../src/kernels/epilogue.js';

export function activateRef(x: number, activation: Activation): number {
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
  }
}
