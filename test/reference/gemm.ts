/** Float64 matrix product with the epilogue, row-major, written plainly. */
import type { Activation } from '../../src/kernels/epilogue.js';
import { activateRef } from './activation.js';

/** C[m][n] = act(Σ_k A[m][k]·B[k][n] + bias[n] + residual[m][n]). */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  bias?: ArrayLike<number>,
  residual?: ArrayLike<number>,
  activation: Activation = 'none',
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      if (bias) s += bias[j]!;
      if (residual) s += residual[i * n + j]!;
      c[i * n + j] = activateRef(s, activation);
    }
  }
  return c;
}
