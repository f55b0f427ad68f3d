/**
 * The GEMV (fully connected layers at batch ≤ 4) against the float64 GEMM
 * reference: m = 1…4, K and N odd and multiples of 4, K as long as VGG's fc6
 * (25088), bias, residual and activations, a column block written into a
 * wider output (how linear splits a weight over one binding), and the grid
 * sizing. Tolerance: relative L2 ≤ 1e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { GEMV_TARGET_WORKGROUPS, GEMV_WORKGROUP_SIZE, gemv, gemvColumnsPerWorkgroup, gemvRowLength, gemvWeight } from '../../src/kernels/gemv.js';
import { gemvCaseLabel, runGemvCase, type GemvCase } from '../helpers/gemv_case.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng } from '../helpers/random.js';

function cases(): GemvCase[] {
  const rng = new Rng(5150);
  const out: GemvCase[] = [];
  const sizes = [1, 3, 4, 5, 7, 8, 12, 13, 33, 64, 100, 127, 256, 301];
  // three epilogues keep the pipelines few (one per WG_COLS × epilogue, seconds each on SwiftShader)
  const epilogues = [
    { bias: false, residual: false, activation: 'none' },
    { bias: true, residual: false, activation: 'relu' },
    { bias: true, residual: true, activation: 'tanh' },
  ] as const;
  for (let i = 0; i < 24; i++) {
    out.push({ m: 1 + (i % 4), n: rng.pick(sizes), k: rng.pick([...sizes, 513, 1000, 2048]), ...rng.pick(epilogues) });
  }
  // K as long as VGG's fc6 at a smaller N, each batch size
  for (const m of [1, 2, 3, 4]) out.push({ m, n: m % 2 ? 36 : 37, k: 25088, bias: true, residual: false, activation: 'relu' });
  // wide N, short K: the widest workgroups
  out.push({ m: 1, n: 1000, k: 20, bias: true, residual: false, activation: 'none' });
  // column blocks into a wider output, as linear does for a weight over one binding
  out.push({ m: 2, n: 200, k: 77, bias: true, residual: false, activation: 'relu', block: [64, 128] });
  out.push({ m: 3, n: 203, k: 65, bias: true, residual: true, activation: 'tanh', block: [192, 203] });
  out.push({ m: 1, n: 130, k: 40, bias: false, residual: false, activation: 'none', block: [0, 64] });
  return out;
}

describe('GEMV (batch ≤ 4)', () => {
  const rng = new Rng(99);
  let worst = 0;
  let count = 0;
  afterAll(() => console.log(`[gemv] ${count} cases, worst relative L2 ${worst.toExponential(2)}`));

  for (const c of cases()) {
    it(gemvCaseLabel(c), async () => {
      const { got, initial, error } = await runGemvCase(await testContext(), c, rng);
      worst = Math.max(worst, error);
      count++;
      expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
      // the columns either side of a block are untouched
      const [begin, end] = c.block ?? [0, c.n];
      if (c.block) for (let r = 0; r < c.m; r++) for (const j of [begin - 1, end]) if (j >= 0 && j < c.n) expect(got[r * c.n + j]).toBe(initial[r * c.n + j]);
    });
  }

  it('sizes the grid to fill a GPU: ≥ 256 workgroups where N allows, 2…32 vec4 columns each, K split 128 / columns ways', () => {
    // VGG fc6 / fc7 / fc8, AlexNet's, LeNet's
    expect(gemvColumnsPerWorkgroup(4096, 25088)).toBe(4);
    expect(gemvColumnsPerWorkgroup(4096, 4096)).toBe(4);
    expect(gemvColumnsPerWorkgroup(1000, 4096)).toBe(2);
    expect(gemvColumnsPerWorkgroup(10, 84)).toBe(4);
    const f = {} as GPUBuffer;
    const r = new Rng(3);
    for (let t = 0; t < 200; t++) {
      const [n, k] = [r.int(1, 20000), r.int(1, 30000)];
      const spec = gemv({ m: r.int(1, 4), n, k }, { x: f, weight: f, output: f, unused: f });
      const cols = spec.constants.WG_COLS!;
      expect([2, 4, 8, 16, 32]).toContain(cols);
      expect(cols * spec.constants.WG_SPLIT!).toBe(GEMV_WORKGROUP_SIZE);
      expect(spec.workgroups).toEqual([Math.ceil(n / (4 * cols)), 1, 1]);
      const cols4 = Math.ceil(n / 4);
      const groups = spec.workgroups[0];
      if (k >= 512) {
        // K long enough for any split: the widest block that still reaches the target (or the narrowest, 2)
        expect(groups >= GEMV_TARGET_WORKGROUPS || cols === 2).toBe(true);
        if (cols < 16) expect(Math.ceil(cols4 / (2 * cols))).toBeLessThan(GEMV_TARGET_WORKGROUPS);
      } else {
        // short K: each invocation gets ≥ 8 rows of W, unless the block is already 32 wide or as wide as N
        expect((k * cols) / GEMV_WORKGROUP_SIZE >= 8 || cols === 32 || cols >= cols4).toBe(true);
      }
      expect(spec.uniforms.ldw).toBe(gemvRowLength(n));
    }
  });

  it('lays PyTorch [out][in] weights out as [in][n rounded to vec4s], zero-padded', () => {
    const w = Float32Array.from({ length: 6 * 2 }, (_, i) => i + 1); // 6 outputs × 2 inputs
    expect([...gemvWeight(w, 6, 2)]).toEqual([1, 3, 5, 7, 9, 11, 0, 0, 2, 4, 6, 8, 10, 12, 0, 0]);
    expect([...gemvWeight(w, 6, 2, 1, 3)]).toEqual([3, 5, 0, 0, 4, 6, 0, 0]);
    expect(() => gemvWeight(w, 5, 2)).toThrow(InvalidParameterError);
    expect(() => gemvWeight(w, 6, 2, 4, 4)).toThrow(/column range/);
  });

  it('names a bad parameter', () => {
    const f = {} as GPUBuffer;
    const io = { x: f, weight: f, output: f, unused: f };
    expect(() => gemv({ m: 5, n: 8, k: 8 }, io)).toThrow(/at most 4 rows/);
    expect(() => gemv({ m: 0, n: 8, k: 8 }, io)).toThrow(InvalidParameterError);
    expect(() => gemv({ m: 1, n: 8, k: 8, ldc: 8, colOffset: 4 }, io)).toThrow(/ldc/);
  });
});
