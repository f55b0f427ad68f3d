/**
 * One GEMV case (kernels/gemv.ts, batch ≤ 4) run on the GPU against float64:
 * shared by the plain and the subgroup GEMV tests, which differ only in
 * their cases and the variant they ask for.
 */
import { expect } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { gemv, gemvColumnsPerWorkgroup, gemvWeight } from '../../src/kernels/gemv.js';
import { matmulRef } from '../reference/gemm.js';
import { runKernel } from './gpu.js';
import { relativeL2, type Rng } from './random.js';

export interface GemvCase {
  m: number;
  n: number;
  k: number;
  bias: boolean;
  residual: boolean;
  activation: Activation;
  /** Columns [begin, end) of an n-wide weight, written at colOffset = begin of an n-wide output. */
  block?: [number, number];
}

export const gemvCaseLabel = (c: GemvCase): string =>
  `m=${c.m} n=${c.n} k=${c.k}${c.block ? ` columns ${c.block[0]}..${c.block[1]}` : ''} bias=${c.bias} res=${c.residual} act=${c.activation} cols/wg=${gemvColumnsPerWorkgroup((c.block?.[1] ?? c.n) - (c.block?.[0] ?? 0), c.k)}`;

/**
 * Runs `c` with random data from `rng` (the variant `subgroups` asks for, checked by its shader's name); answers
 * the output, the output's values before the run, and the relative L2 error against float64 (columns outside the block
 * must keep their old values).
 */
export async function runGemvCase(ctx: GpuContext, c: GemvCase, rng: Rng, subgroups = false): Promise<{ got: Float32Array; initial: Float32Array; error: number }> {
  const [begin, end] = c.block ?? [0, c.n];
  const x = rng.array(c.m * c.k);
  const w = rng.array(c.n * c.k); // PyTorch's [out][in]
  const bias = rng.array(c.n);
  const residual = rng.array(c.m * c.n);
  const initial = rng.array(c.m * c.n);
  const got = await runKernel(
    ctx,
    { x, w: gemvWeight(w, c.n, c.k, begin, end), bias: bias.subarray(begin, end), residual: residual.subarray(begin) },
    c.m * c.n,
    (buf, output) => {
      const spec = gemv(
        { m: c.m, n: end - begin, k: c.k, ldc: c.n, colOffset: begin, residualStride: c.n },
        { x: buf.x!, weight: buf.w!, bias: c.bias ? buf.bias : undefined, residual: c.residual ? buf.residual : undefined, output, unused: placeholderBuffer(ctx.device) },
        { activation: c.activation },
        'gemv',
        { subgroups },
      );
      expect(spec.shader.name).toBe(subgroups ? 'gemv_subgroups' : 'gemv');
      return [spec];
    },
    initial,
  );
  // B = Wᵀ as [k][n]
  const b = new Float64Array(c.k * c.n);
  for (let o = 0; o < c.n; o++) for (let i = 0; i < c.k; i++) b[i * c.n + o] = w[o * c.k + i]!;
  const full = matmulRef(x, b, c.m, c.n, c.k, c.bias ? bias : undefined, c.residual ? residual : undefined, c.activation);
  const expected = Float64Array.from(initial);
  for (let r = 0; r < c.m; r++) for (let j = begin; j < end; j++) expected[r * c.n + j] = full[r * c.n + j]!;
  return { got, initial, error: relativeL2(got, expected) };
}
