/**
 * Autotuning can override the grid planner: where the planner would split a
 * GEMM layer for the device, its split is one more candidate, measured (and
 * checked against the plain candidate) like any tile variant, and a stored
 * split is validated like a stored tile.
 */
import { describe, expect, it } from 'vitest';
import { candidateDispatches, candidateName, convCandidates } from '../../src/autotune/candidates.js';
import { measureConvCandidates } from '../../src/autotune/measure.js';
import { storedChoiceProblem } from '../../src/autotune/store.js';
import { conv2dShape } from '../../src/kernels/conv2d_shape.js';
import { planGemmGrid } from '../../src/kernels/gemm_grid.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { testContext } from '../helpers/gpu.js';

// ResNet-50's layer4 3×3 (49×512×4608), and a small stand-in that SwiftShader measures in seconds
const layer4 = conv2dShape({ batch: 1, inChannels: 512, inHeight: 7, inWidth: 7, outChannels: 512, kernelHeight: 3, kernelWidth: 3, pad: 1 });
const small = conv2dShape({ batch: 1, inChannels: 32, inHeight: 5, inWidth: 5, outChannels: 40, kernelHeight: 3, kernelWidth: 3, pad: 1 });

describe('split-K autotune candidates', () => {
  it('one split candidate per GEMM strategy where the planner splits (im2col and the implicit GEMM on ResNet-50 layer4), none without a device or where it would not', () => {
    const withSplit = convCandidates(layer4, true, 132);
    const split = withSplit.filter((c) => c.splitK);
    expect(split).toEqual(
      (['im2col', 'implicit_gemm'] as const).map((strategy) => ({ strategy, splitK: planGemmGrid(CONV_STRATEGIES[strategy].gemmProblem!(layer4), { computeUnits: 132 }).splitK })),
    );
    expect(split.map(candidateName)).toEqual(['im2col/split17', 'implicit_gemm/split17']);
    expect(convCandidates(layer4, true)).toEqual(withSplit.filter((c) => !c.splitK));
    expect(convCandidates(layer4, false, 132).some((c) => c.splitK)).toBe(false);
    expect(convCandidates(layer4, true, 1).some((c) => c.splitK)).toBe(false);
    const big = conv2dShape({ batch: 1, inChannels: 64, inHeight: 56, inWidth: 56, outChannels: 256, kernelHeight: 1, kernelWidth: 1 });
    expect(convCandidates(big, true, 132).some((c) => c.splitK)).toBe(false);
    const fake = {} as GPUBuffer;
    expect(() => candidateDispatches(layer4, { strategy: 'direct', splitK: 4 }, { input: fake, weight: fake, output: fake, unused: fake }, {})).toThrow(/no split-K/);
  });

  it('a stored split is checked: whole slices, on a GEMM strategy only', () => {
    const base = { timings: { im2col: 1 }, measuredAt: 'x' };
    expect(storedChoiceProblem({ strategy: 'im2col', splitK: 17, ...base }, layer4)).toBeUndefined();
    expect(storedChoiceProblem({ strategy: 'im2col', splitK: 0, ...base }, layer4)).toMatch(/split-K 0/);
    expect(storedChoiceProblem({ strategy: 'im2col', splitK: 'x', ...base }, layer4)).toMatch(/split-K "x"/);
    expect(storedChoiceProblem({ strategy: 'direct', splitK: 2, ...base }, layer4)).toMatch(/runs no GEMM/);
  });

  it('the split candidates (im2col, implicit GEMM) are measured and agree with the plain ones on the GPU', async () => {
    const ctx = await testContext();
    const candidates = convCandidates(small, true, 64).filter((c) => (c.strategy === 'im2col' || c.strategy === 'implicit_gemm') && (!c.tile || c.splitK));
    expect(candidates.map((c) => [c.strategy, !!c.splitK])).toEqual([['im2col', false], ['im2col', true], ['implicit_gemm', false], ['implicit_gemm', true]]);
    for (const c of [candidates[1]!, candidates[3]!]) expect(candidateName(c)).toMatch(new RegExp(`^${c.strategy}/(\\w+/)?split${c.splitK}$`));
    const timings = await measureConvCandidates(ctx, small, candidates, { runs: 2, warmup: 0 });
    expect(timings.map((t) => t.correct)).toEqual([true, true, true, true]);
    expect(Math.max(timings[1]!.relL2, timings[3]!.relL2)).toBeLessThan(1e-5);
    console.log(`split candidate ${timings[1]!.name}: relative L2 ${timings[1]!.relL2.toExponential(2)} vs the plain im2col`);
  });
});
