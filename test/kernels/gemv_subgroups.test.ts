/**
 * The subgroup GEMV (gemv_subgroups.wgsl) against the float64 GEMM reference,
 * on a device created with the `subgroups` feature (SwiftShader and Dawn's
 * GPUs have it; SwiftShader's subgroups are 4 wide, so a workgroup of 128
 * reduces across 32 of them): m = 1…4, odd N, K not a multiple of the
 * workgroup's split, K as long as VGG's fc6, every WG_COLS (2…32, so a
 * column spans several subgroups and a subgroup several columns), bias,
 * residual, activations, a column block into a wider output. And the
 * fallback: a context made with `subgroups: false` has no feature, and its
 * GEMV (the workgroup-memory tree) gives the same numbers.
 * Tolerance: relative L2 ≤ 1e-4 (F32_TOLERANCE).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { gemv, gemvColumnsPerWorkgroup, gemvWeight } from '../../src/kernels/gemv.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { matmulRef } from '../reference/gemm.js';

interface Case {
  m: number;
  n: number;
  k: number;
  bias: boolean;
  residual: boolean;
  activation: Activation;
  /** Columns [begin, end) of an n-wide weight, written at colOffset = begin of an n-wide output. */
  block?: [number, number];
}

function cases(): Case[] {
  const rng = new Rng(7331);
  const epilogues = [
    { bias: true, residual: false, activation: 'relu' },
    { bias: true, residual: true, activation: 'tanh' },
  ] as const;
  const out: Case[] = [];
  // odd N and K not a multiple of the split, every batch size; K from 1 (most invocations sum nothing) up
  for (let i = 0; i < 12; i++) {
    out.push({ m: 1 + (i % 4), n: rng.pick([1, 3, 7, 13, 37, 101, 255, 301, 1001]), k: rng.pick([1, 5, 33, 127, 129, 515, 1001, 2049]), ...rng.pick(epilogues) });
  }
  // VGG fc6's K at a small N
  out.push({ m: 1, n: 37, k: 25088, bias: true, residual: false, activation: 'relu' });
  out.push({ m: 4, n: 36, k: 25088, bias: true, residual: false, activation: 'relu' });
  // wide N, short K: 32 vec4 columns per workgroup, 4 invocations per column
  out.push({ m: 3, n: 1000, k: 20, bias: true, residual: true, activation: 'tanh' });
  // a column block into a wider output
  out.push({ m: 2, n: 203, k: 77, bias: true, residual: false, activation: 'relu', block: [64, 203] });
  return out;
}

/** Runs one case on ctx with the given GEMV variant; returns the relative L2 error against float64. */
async function runCase(ctx: GpuContext, c: Case, rng: Rng, subgroups: boolean): Promise<number> {
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
  const b = new Float64Array(c.k * c.n);
  for (let o = 0; o < c.n; o++) for (let i = 0; i < c.k; i++) b[i * c.n + o] = w[o * c.k + i]!;
  const full = matmulRef(x, b, c.m, c.n, c.k, c.bias ? bias : undefined, c.residual ? residual : undefined, c.activation);
  // columns outside the block keep their old values
  const expected = Float64Array.from(initial);
  for (let r = 0; r < c.m; r++) for (let j = begin; j < end; j++) expected[r * c.n + j] = full[r * c.n + j]!;
  return relativeL2(got, expected);
}

const label = (c: Case) => `m=${c.m} n=${c.n} k=${c.k}${c.block ? ` columns ${c.block[0]}..${c.block[1]}` : ''} act=${c.activation} res=${c.residual} cols/wg=${gemvColumnsPerWorkgroup((c.block?.[1] ?? c.n) - (c.block?.[0] ?? 0), c.k)}`;

describe('GEMV with subgroups', () => {
  const rng = new Rng(4242);
  let worst = 0;
  let count = 0;
  afterAll(() => console.log(`[gemv subgroups] ${count} cases, worst relative L2 ${worst.toExponential(2)}`));

  it('the test device has the subgroups feature (SwiftShader offers it)', async () => {
    expect((await testContext()).features.subgroups).toBe(true);
  });

  for (const c of cases()) {
    it(label(c), async () => {
      const error = await runCase(await testContext(), c, rng, true);
      worst = Math.max(worst, error);
      count++;
      expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
});

describe('GEMV fallback without subgroups', () => {
  const rng = new Rng(2424);
  let ctx: Promise<GpuContext> | undefined;
  const noSubgroups = () => (ctx ??= createNodeGpuContext({ subgroups: false }));
  afterAll(async () => (await ctx)?.device.destroy());

  it('subgroups: false leaves the feature off', async () => {
    const c = await noSubgroups();
    expect(c.features.subgroups).toBe(false);
    expect(c.device.features.has('subgroups')).toBe(false);
  });

  for (const c of cases().filter((_, i) => i % 4 === 0)) {
    it(label(c), async () => {
      expect(await runCase(await noSubgroups(), c, rng, false)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
});
