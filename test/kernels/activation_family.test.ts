/**
 * The unary family of activations (elu … scale) through the standalone
 * activation kernel, each against its float64 reference
 * (test/reference/activation.ts) on random data over the op's interesting
 * range: both signs, large magnitudes, and the domain edges (log and sqrt of
 * negatives → NaN, log(0) = −∞, reciprocal of ±0 = ±∞, exact halves for
 * round). NaN and ∞ positions must match exactly; the finite values within
 * a relative error per element sized to what each op measures.
 */
import { describe, expect, it } from 'vitest';
import { activation } from '../../src/kernels/elementwise.js';
import type { Activation, ActivationParams } from '../../src/kernels/epilogue.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { activateRef } from '../reference/activation.js';
import { erfRef } from '../reference/erf.js';

interface Case {
  act: Activation;
  params?: ActivationParams;
  /** Where the random data is drawn (besides the fixed edges). */
  lo: number;
  hi: number;
  /** Max |got − want| / max(|want|, floor). */
  tolerance: number;
  /** The scale below which errors count as absolute (default 1). */
  floor?: number;
  edges?: number[];
}

const [INF, NAN] = [Number.POSITIVE_INFINITY, Number.NaN];
const COMMON_EDGES = [0, -0, 1, -1, 0.5, -0.5, 1e-6, -1e-6, 30, -30, INF, -INF, NAN];

const CASES: Case[] = [
  { act: 'elu', lo: -10, hi: 10, tolerance: 1e-6, floor: 1e-30 },
  { act: 'elu', params: { alpha: 0.4 }, lo: -10, hi: 10, tolerance: 1e-6, floor: 1e-30 },
  { act: 'selu', lo: -10, hi: 10, tolerance: 1e-6, floor: 1e-30 },
  { act: 'selu', params: { alpha: 2, gamma: 0.5 }, lo: -10, hi: 10, tolerance: 1e-6, floor: 1e-30 },
  { act: 'celu', params: { alpha: 2.5 }, lo: -20, hi: 20, tolerance: 1e-6, floor: 1e-30 },
  // the driver's exp is off by 1.2e-6 at −30 (x·log₂e rounds)
  { act: 'softplus', lo: -40, hi: 40, tolerance: 5e-6, floor: 1e-30, edges: [88, 100, -88, -100] },
  { act: 'softsign', lo: -100, hi: 100, tolerance: 1e-6, floor: 1e-30 },
  { act: 'mish', lo: -20, hi: 20, tolerance: 3e-6, floor: 1e-30 },
  { act: 'thresholded_relu', params: { alpha: 0.3 }, lo: -3, hi: 3, tolerance: 0, edges: [0.3, Math.fround(0.3)] },
  // worst in the far left tail (1e-30 at −11.7), where e^(−x²/2) carries the rounding of x²
  { act: 'gelu', lo: -12, hi: 12, tolerance: 3e-5, floor: 1e-30 },
  { act: 'gelu_tanh', lo: -12, hi: 12, tolerance: 1e-5, floor: 1e-30 },
  { act: 'erf', lo: -5, hi: 5, tolerance: 1e-6, floor: 1e-30 },
  { act: 'exp', lo: -100, hi: 100, tolerance: 1e-5, floor: 1e-30, edges: [88.7, 89, -87, -104] },
  { act: 'log', lo: -1, hi: 1e6, tolerance: 1e-6, edges: [1e-30, 3.4e38] },
  { act: 'sqrt', lo: -10, hi: 1e4, tolerance: 1e-6, floor: 1e-30, edges: [1e-30, 3.4e38] },
  { act: 'neg', lo: -1e30, hi: 1e30, tolerance: 0 },
  { act: 'abs', lo: -1e30, hi: 1e30, tolerance: 0 },
  { act: 'reciprocal', lo: -1e3, hi: 1e3, tolerance: 1e-6, floor: 1e-30 },
  { act: 'floor', lo: -1e3, hi: 1e3, tolerance: 0, edges: [2.5, -2.5, 1e9 + 0.5] },
  { act: 'ceil', lo: -1e3, hi: 1e3, tolerance: 0, edges: [2.5, -2.5] },
  { act: 'round', lo: -1e3, hi: 1e3, tolerance: 0, edges: [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 1e6 + 0.5, 0.49999997] },
  { act: 'sin', lo: -1e3, hi: 1e3, tolerance: 1e-5, floor: 1, edges: [Math.PI, -Math.PI, 1e4, -3e4] },
  { act: 'cos', lo: -1e3, hi: 1e3, tolerance: 1e-5, floor: 1, edges: [Math.PI / 2, 1e4, -3e4] },
  { act: 'sign', lo: -2, hi: 2, tolerance: 0 },
  { act: 'pow', params: { exponent: 2 }, lo: -100, hi: 100, tolerance: 1e-6, floor: 1e-30 },
  { act: 'pow', params: { exponent: 3 }, lo: -100, hi: 100, tolerance: 1e-6, floor: 1e-30 },
  { act: 'pow', params: { exponent: 0.5 }, lo: -4, hi: 100, tolerance: 1e-6, floor: 1e-30 },
  { act: 'pow', params: { exponent: -2 }, lo: -10, hi: 10, tolerance: 1e-5, floor: 1e-30 },
  { act: 'pow', params: { exponent: 2.7 }, lo: -5, hi: 30, tolerance: 1e-5, floor: 1e-30 },
  { act: 'pow', params: { exponent: 0 }, lo: -5, hi: 5, tolerance: 0 },
  { act: 'scale', params: { alpha: 0.25 }, lo: -1e30, hi: 1e30, tolerance: 0 },
];

/** The first mismatch, or undefined; the worst relative error goes in `worst`. */
function compare(got: Float32Array, x: Float32Array, want: Float64Array, c: Case, worst: { err: number }): string | undefined {
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(w) && Number.isNaN(g))) return `x=${x[i]}: got ${g}, want ${w}`;
      continue;
    }
    if (!Number.isFinite(g)) return `x=${x[i]}: got ${g}, want ${w}`;
    const err = Math.abs(g - w) / Math.max(Math.abs(w), c.floor ?? 1);
    worst.err = Math.max(worst.err, err);
    if (err > c.tolerance) return `x=${x[i]}: got ${g}, want ${w} (relative error ${err.toExponential(2)})`;
  }
  return undefined;
}

describe('activation family vs float64', () => {
  for (const c of CASES) {
    it(`${c.act} ${c.params ? JSON.stringify(c.params) : ''} on [${c.lo}, ${c.hi}]`, async () => {
      const rng = new Rng(c.act.length * 977 + (c.params?.exponent ?? c.params?.alpha ?? 0) * 13);
      const x = Float32Array.from([...COMMON_EDGES, ...(c.edges ?? []), ...rng.array(4000, c.lo, c.hi), ...rng.array(1000, -1, 1)]);
      const out = await runKernel(await testContext(), { x }, x.length, (b, o) => [activation(x.length, c.act, b.x!, o, undefined, c.params)]);
      const want = Float64Array.from(x, (v) => activateRef(v, c.act, c.params));
      const worst = { err: 0 };
      const problem = compare(out, x, want, c, worst);
      console.log(`${c.act} ${JSON.stringify(c.params ?? {})}: max relative error ${worst.err.toExponential(2)}`);
      expect(problem).toBeUndefined();
    });
  }

  it('erf is within 1e-6 of float64 erf everywhere (dense grid on [-6, 6])', async () => {
    const x = Float32Array.from({ length: 24001 }, (_, i) => -6 + i * 0.0005);
    const out = await runKernel(await testContext(), { x }, x.length, (b, o) => [activation(x.length, 'erf', b.x!, o)]);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(out[i]! - erfRef(x[i]!)));
    console.log(`erf max absolute error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('spelled out: log, sqrt, reciprocal, round, pow at their edges', async () => {
    const ctx = await testContext();
    const run = async (act: Activation, xs: number[], params?: ActivationParams): Promise<number[]> => {
      const x = Float32Array.from(xs);
      return Array.from(await runKernel(ctx, { x }, x.length, (b, o) => [activation(x.length, act, b.x!, o, undefined, params)]));
    };
    expect(await run('log', [-1, 0, 1, INF, NAN])).toEqual([NAN, -INF, 0, INF, NAN]);
    expect(await run('sqrt', [-4, 0, 4, INF])).toEqual([NAN, 0, 2, INF]);
    expect(await run('reciprocal', [0, -0, 4, INF])).toEqual([INF, -INF, 0.25, 0]);
    expect(await run('round', [0.5, 1.5, 2.5, -0.5, -2.5, 2.4])).toEqual([0, 2, 2, -0, -2, 2]);
    expect(await run('pow', [NAN, 0, -2, INF], { exponent: 0 })).toEqual([1, 1, 1, 1]);
    expect(await run('pow', [-2, 0, -0, INF, -INF], { exponent: 3 })).toEqual([-8, 0, -0, INF, -INF]);
    expect(await run('pow', [-2, 0, 4], { exponent: -0.5 })).toEqual([NAN, INF, 0.5]);
  });
});
