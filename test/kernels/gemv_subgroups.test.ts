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
import type { GpuContext } from '../../src/gpu/device.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { gemvCaseLabel, runGemvCase, type GemvCase } from '../helpers/gemv_case.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng } from '../helpers/random.js';

function cases(): GemvCase[] {
  const rng = new Rng(7331);
  const epilogues = [
    { bias: true, residual: false, activation: 'relu' },
    { bias: true, residual: true, activation: 'tanh' },
  ] as const;
  const out: GemvCase[] = [];
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

describe('GEMV with subgroups', () => {
  const rng = new Rng(4242);
  let worst = 0;
  let count = 0;
  afterAll(() => console.log(`[gemv subgroups] ${count} cases, worst relative L2 ${worst.toExponential(2)}`));

  it('the test device has the subgroups feature (SwiftShader offers it)', async () => {
    expect((await testContext()).features.subgroups).toBe(true);
  });

  for (const c of cases()) {
    it(gemvCaseLabel(c), async () => {
      const error = (await runGemvCase(await testContext(), c, rng, true)).error;
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
    it(gemvCaseLabel(c), async () => {
      expect((await runGemvCase(await noSubgroups(), c, rng, false)).error).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
});
