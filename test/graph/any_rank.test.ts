/**
 * Tensors of rank 0–6 through the builder, the executor and SwiftShader,
 * against the float64 interpreter (test/reference/graph.ts): every any-rank
 * op (transpose, slice with negative steps, concat along any axis, expand,
 * tile, gather with negative indices, every reduction with keepdims 0 and 1,
 * batched matmul, broadcasting binary ops, softmax / log-softmax on any axis
 * through transposes, reshape) on random shapes of every rank it accepts,
 * rank-4 tensors in their NHWC storage among them; a chain mixing ranks
 * 3–5 between two convolutions; log-sum-exp and softmax on large values and
 * NaN through max/min/sum. Ops that only move elements must match exactly;
 * arithmetic within tolerances a few times the worst error measured here.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Tensor } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { batchMatmul } from '../../src/ops/batch_matmul.js';
import { expand, tile } from '../../src/ops/repeat.js';
import { gather } from '../../src/ops/gather.js';
import { REDUCE_OPS, type ReduceOp } from '../../src/ops/reduce.js';
import type { SliceWindow } from '../../src/ops/slice.js';
import { softmax } from '../../src/ops/softmax.js';
import { broadcastShapes } from '../../src/ops/shape_math.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst relative L2 on SwiftShader (printed by the tests below): 8.3e-7 over the rank cases
// 2.2e-7 over the chains, 6.8e-8 for log-sum-exp and softmax of ±300
const ARITHMETIC_TOLERANCE = 2e-6;
const CHAIN_TOLERANCE = 1e-6;
const LARGE_VALUE_TOLERANCE = 3e-7;

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

interface Outcome {
  got: Record<string, Float32Array>;
  expected: Map<string, Float64Array>;
}

/** Seeded weights and inputs (adjusted in place if asked), the graph on the GPU and on the interpreter. */
async function runBoth(graph: Graph, seed: number, adjust?: (inputs: Map<string, Float32Array>, rng: Rng) => void): Promise<Outcome> {
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  adjust?.(inputs, rng);
  const expected = runGraphRef(graph, weights, inputs);
  const model = await compile(await testContext(), graph, weights);
  try {
    const { outputs } = await model.run(Object.fromEntries(inputs));
    return { got: outputs as Record<string, Float32Array>, expected };
  } finally {
    model.dispose();
  }
}

/** Relative L2 of one output, NaN positions required to agree exactly and left out of the norm. */
function errorOf(o: Outcome, name: string): number {
  const got = o.got[name]!;
  const want = o.expected.get(name)!;
  expect(got.length, `${name} length`).toBe(want.length);
  const keep = [...want.keys()].filter((i) => !Number.isNaN(want[i]!));
  expect([...got.keys()].filter((i) => Number.isNaN(got[i]!)), `${name}: NaN positions`).toEqual([...want.keys()].filter((i) => Number.isNaN(want[i]!)));
  return relativeL2(
    keep.map((i) => got[i]!),
    keep.map((i) => want[i]!),
  );
}

const randomShape = (rng: Rng, rank: number): number[] => Array.from({ length: rank }, () => rng.int(1, rank <= 4 ? 4 : 3));

/** A window per axis on some axes: steps ±1, ±2, each start and count inside the axis. */
function randomWindows(rng: Rng, shape: readonly number[]): SliceWindow[] {
  const windows: SliceWindow[] = [];
  shape.forEach((len, axis) => {
    if (!rng.bool(0.7)) return;
    const step = rng.pick([1, 2, -1, -2]);
    const start = rng.int(0, len - 1);
    const most = step > 0 ? Math.ceil((len - start) / step) : Math.floor(start / -step) + 1;
    windows.push({ axis, start, step, count: rng.int(1, most) });
  });
  return windows;
}

/** `shape` aligned from the right against a random shape that broadcasts with it both ways (each side has 1s where the other does not). */
function broadcastPartner(rng: Rng, shape: readonly number[], rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => {
    const d = shape[shape.length - rank + i];
    if (d === undefined || d === 1) return rng.int(1, 3);
    return rng.pick([1, d]);
  });
}

/** A random shape of rank `rank` (0–6) holding `total` elements, or undefined when none does (rank 0 needs 1). */
function randomFactorization(rng: Rng, total: number, rank: number): number[] | undefined {
  if (rank === 0) return total === 1 ? [] : undefined;
  const out: number[] = [];
  let rest = total;
  for (let i = 0; i < rank - 1; i++) {
    const divisors = [...Array(rest).keys()].map((k) => k + 1).filter((k) => rest % k === 0);
    const d = rng.pick(divisors);
    out.push(d);
    rest /= d;
  }
  return [...out, rest];
}

/** Softmax (or log-softmax) of `x` over `axis`: moved last by a transpose, normalized as rows, moved back — as the importer does. */
function softmaxOnAxis(g: GraphBuilder, x: Tensor, axis: number, log: boolean, name: string): Tensor {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const moved = g.transpose(x, perm, `${name}.to_last`);
  const len = x.shape[axis]!;
  const rows = g.reshape(moved, [count(x.shape) / len, len], `${name}.rows`);
  const s = g.apply(softmax, rows, name, { log });
  return g.transpose(g.reshape(s, moved.shape, `${name}.unrows`), inverse, `${name}.from_last`);
}

interface RankCase {
  graph: Graph;
  /** Outputs that only move elements: must match bit for bit. */
  exact: string[];
  /** Outputs with arithmetic. */
  arithmetic: string[];
  describe: string[];
}

/** One graph with every any-rank op applied to a rank-`rank` input (and partners of broadcast shapes). */
function rankCase(rank: number, rng: Rng): RankCase {
  const g = new GraphBuilder();
  // rank-4 images with C > 1 and H·W > 1, so their NHWC storage differs from row-major
  const shape = rank === 4 ? [rng.int(1, 2), rng.int(2, 4), rng.int(2, 3), rng.int(1, 3)] : randomShape(rng, rank);
  const x = g.input('x', shape);
  const exact: string[] = [];
  const arithmetic: string[] = [];
  const notes: string[] = [`x [${shape}]`];
  const out = (t: Tensor, name: string, list: string[], note: string): void => {
    g.output(t, name);
    list.push(name);
    notes.push(`${name}: ${note} → [${t.shape}]`);
  };

  if (rank >= 1) {
    const perm = [...Array(rank).keys()].sort(() => rng.next() - 0.5);
    out(g.transpose(x, perm), 'transpose', exact, `perm [${perm}]`);
    const windows = randomWindows(rng, shape);
    out(g.sliceWindows(x, windows), 'slice', exact, windows.map((w) => `axis ${w.axis} ${w.start}+${w.step}×${w.count}`).join(', ') || 'none');
    const axis = rng.int(0, rank - 1);
    const len = shape[axis]!;
    const reversed = g.sliceWindows(x, [{ axis, start: len - 1, step: -1, count: len }]);
    out(g.concatAxis([x, reversed, x], axis), 'concat', exact, `[x, x reversed, x] along ${axis}`);
    const gAxis = rng.int(0, rank - 1);
    const indices = Array.from({ length: rng.int(1, 4) }, () => rng.int(-shape[gAxis]!, shape[gAxis]! - 1));
    out(g.apply(gather, x, gAxis, indices), 'gather', exact, `axis ${gAxis} indices [${indices}]`);
    const sAxis = rng.int(0, rank - 1);
    for (const log of [false, true]) out(softmaxOnAxis(g, x, sAxis, log, log ? 'logsoftmax' : 'softmax'), log ? 'logsoftmax' : 'softmax', arithmetic, `axis ${sAxis}`);
  }
  const repeats = shape.map(() => rng.int(1, 3));
  out(g.apply(tile, x, repeats), 'tile', exact, `repeats [${repeats}]`);
  const target = broadcastPartner(rng, shape, rng.int(rank, 6));
  out(g.apply(expand, x, target), 'expand', exact, `to [${target}]`);
  const reshaped = randomFactorization(rng, count(shape), rng.int(count(shape) === 1 ? 0 : 1, 6));
  if (reshaped) out(g.reshape(x, reshaped), 'reshape', exact, 'row-major');

  for (const reduction of REDUCE_OPS) {
    // log-sum of a sum that may be negative is NaN: it reads the positive input
    const source = reduction === 'logsum' ? g.input('positive', shape) : x;
    const axes = [...Array(rank).keys()].filter(() => rng.bool(0.5));
    const keepdims = rng.bool();
    out(g.reduce(source, reduction, { axes: axes.length ? axes : undefined, keepdims }), `reduce_${reduction}`, arithmetic, `axes [${axes.length ? axes : 'all'}] keepdims ${keepdims}`);
  }

  const yShape = broadcastPartner(rng, shape, rng.int(0, 6));
  const y = g.input('y', yShape);
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    const [a, b] = rng.bool() ? [x, y] : [y, x];
    out(g[op](a, b), op, arithmetic, `[${a.shape}] ${op} [${b.shape}]`);
  }
  // a rank-3 constant operand, as ONNX initializers come
  const k = g.constant('k', broadcastPartner(rng, shape, 3));
  out(g.mul(x, k), 'mul_constant', arithmetic, `× constant [${k.shape}]`);

  if (rank >= 2) {
    const [m, kk, n] = [rng.int(1, 4), rng.int(1, 5), rng.int(1, 4)];
    const batchA = randomShape(rng, rank - 2);
    const batchB = broadcastPartner(rng, batchA, rng.int(0, rank - 2));
    const a = g.input('a', [...batchA, m, kk]);
    const b = g.input('b', [...batchB, kk, n]);
    const [p, q] = rng.bool() ? [a, b] : [g.input('a2', [...batchB, m, kk]), g.input('b2', [...batchA, kk, n])];
    out(g.apply(batchMatmul, p, q), 'matmul', arithmetic, `[${p.shape}] × [${q.shape}]`);
  }
  return { graph: g.build(), exact, arithmetic, describe: notes };
}

/** Inputs that keep the arithmetic well defined: `positive` in [0.5, 1.5), divisors y away from zero. */
function tameInputs(inputs: Map<string, Float32Array>, rng: Rng): void {
  const positive = inputs.get('positive');
  if (positive) positive.forEach((_, i) => (positive[i] = 0.5 + rng.next()));
  const y = inputs.get('y')!;
  y.forEach((_, i) => (y[i] = (rng.bool() ? 1 : -1) * (0.5 + 1.5 * rng.next())));
}

describe('every any-rank op at every rank, random shapes, vs the float64 interpreter', () => {
  let worst = 0;
  for (let rank = 0; rank <= 6; rank++) {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rng = new Rng(7000 + 10 * rank + seed);
      const c = rankCase(rank, rng);
      it(`rank ${rank}, seed ${seed}: ${c.describe[0]}`, async () => {
        const o = await runBoth(c.graph, rng.int(1, 1e6), tameInputs);
        for (const name of c.exact) expect(Array.from(o.got[name]!), c.describe.find((d) => d.startsWith(`${name}:`))).toEqual(Array.from(o.expected.get(name)!, Math.fround));
        for (const name of c.arithmetic) {
          const e = errorOf(o, name);
          worst = Math.max(worst, e);
          expect(e, c.describe.find((d) => d.startsWith(`${name}:`))).toBeLessThanOrEqual(ARITHMETIC_TOLERANCE);
        }
      });
    }
  }
  it('(worst arithmetic error measured)', () => {
    console.log(`[any rank] worst relative L2 of the arithmetic ops: ${worst.toExponential(2)}`);
  });
});

describe('a chain mixing ranks and layouts between two convolutions', () => {
  for (const seed of [11, 12, 13, 14, 15]) {
    const rng = new Rng(seed);
    const [n, cin, h, w2, c] = [rng.int(1, 2), rng.int(2, 4), rng.int(2, 5), rng.int(1, 3), rng.int(2, 5)];
    it(`seed ${seed}: conv [${n}, ${cin}, ${h}, ${2 * w2}] → rank 5 → transpose → reduce → × rank-3 constant → reversed slices → concat → rank 4 → conv`, async () => {
      const g = new GraphBuilder();
      const conv = g.conv2d(g.input('x', [n, cin, h, 2 * w2]), { name: 'conv1', outChannels: c, kernel: 3, pad: 1 });
      const r5 = g.reshape(conv, [n, c, h, 2, w2], 'to_rank5');
      const t5 = g.transpose(r5, [0, 3, 1, 4, 2], 't5'); // [n, 2, c, w2, h]
      const summed = g.reduce(t5, 'sum', { axes: [3], keepdims: true, name: 'sum_w' }); // [n, 2, c, 1, h]
      const scaled = g.mul(summed, g.constant('k3', [c, 1, h]), 'scale');
      const flipped = g.sliceWindows(scaled, [{ axis: 4, start: h - 1, step: -1, count: h }, { axis: 2, start: c - 1, step: -2, count: Math.ceil(c / 2) }], 'flip');
      const joined = g.concatAxis([flipped, summed], 2, 'join'); // [n, 2, c + ⌈c/2⌉, 1, h]
      const c2 = 2 * (c + Math.ceil(c / 2));
      const image = g.reshape(joined, [n, c2, 1, h], 'to_image');
      g.output(g.conv2d(image, { name: 'conv2', outChannels: 3, kernel: [1, 2] }), 'y');
      // the keepdims-0 branch: a rank-4 result of a rank-5 reduction, stored NHWC, with a rank-3 operand
      const maxed = g.reduce(t5, 'max', { axes: [3], keepdims: false, name: 'max_w' }); // [n, 2, c, h]
      const shifted = g.sub(maxed, g.constant('k3b', [1, c, h]), 'shift');
      g.output(g.conv2d(g.transpose(shifted, [0, 2, 1, 3], 'swap'), { name: 'conv3', outChannels: 2, kernel: 1 }), 'z');
      const o = await runBoth(g.build(), seed);
      const errors = ['y', 'z'].map((name) => errorOf(o, name));
      console.log(`[any rank] chain seed ${seed}: relative L2 y ${errors[0]!.toExponential(2)}, z ${errors[1]!.toExponential(2)}`);
      for (const e of errors) expect(e).toBeLessThanOrEqual(CHAIN_TOLERANCE);
    });
  }
});

describe('large values and NaN', () => {
  it('log-sum-exp and softmax of values up to ±300 (no overflow), NaN through max, min and sum', async () => {
    const rng = new Rng(21);
    const shape = [2, 3, 4, 5, 2];
    const g = new GraphBuilder();
    const big = g.input('big', shape);
    const nan = g.input('nan', shape);
    for (const axes of [[4], [1, 3], [0, 2, 4]]) g.output(g.reduce(big, 'logsumexp', { axes, keepdims: false }), `lse_${axes.join('')}`);
    g.output(softmaxOnAxis(g, big, 2, false, 'softmax'), 'softmax');
    g.output(softmaxOnAxis(g, big, 4, true, 'logsoftmax'), 'logsoftmax');
    for (const r of ['max', 'min', 'sum', 'logsumexp'] as ReduceOp[]) g.output(g.reduce(nan, r, { axes: [1, 4] }), `nan_${r}`);
    const graph = g.build();
    const o = await runBoth(graph, 22, (inputs) => {
      inputs.get('big')!.forEach((_, i, a) => (a[i] = 300 * (2 * rng.next() - 1)));
      // a few NaNs: some reduced groups hold one, most do not
      const x = inputs.get('nan')!;
      for (let k = 0; k < 4; k++) x[rng.int(0, x.length - 1)] = Number.NaN;
    });
    const nanGroups = o.expected.get('nan_max')!.filter(Number.isNaN).length;
    expect(nanGroups).toBeGreaterThan(0);
    expect(nanGroups).toBeLessThan(o.expected.get('nan_max')!.length);
    let worst = 0;
    for (const { name } of graph.outputs) {
      const e = errorOf(o, name);
      worst = Math.max(worst, e);
      expect(e, name).toBeLessThanOrEqual(LARGE_VALUE_TOLERANCE);
    }
    console.log(`[any rank] large values and NaN: worst relative L2 ${worst.toExponential(2)}`);
  });
});

// l1, l2, logsum and sumsquare of one element are |x|, |x|, log x and x²: a keepdims reduction over unit axes is no identity for them
it('reductions over unit axes with keepdims: l1, l2, logsum and sumsquare still apply', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [3, 1, 2]);
  for (const r of ['l1', 'l2', 'logsum', 'sumsquare', 'max'] as ReduceOp[]) g.output(g.reduce(x, r, { axes: [1] }), r);
  const o = await runBoth(g.build(), 1, (inputs) => inputs.set('x', Float32Array.from([0.5, 2, 3, 0.25, 1.5, 4])));
  const x64 = [0.5, 2, 3, 0.25, 1.5, 4];
  const want = { l1: x64, l2: x64, logsum: x64.map(Math.log), sumsquare: x64.map((v) => v * v), max: x64 };
  for (const [r, values] of Object.entries(want)) {
    expect(Array.from(o.expected.get(r)!), `reference ${r}`).toEqual(values);
    expect(relativeL2(o.got[r]!, values), r).toBeLessThanOrEqual(1e-7);
  }
});

// sanity of the generators themselves: the broadcast partners really broadcast both ways
it('broadcast partners broadcast both ways and stay within rank 6', () => {
  const rng = new Rng(5);
  let bothWays = 0;
  for (let i = 0; i < 200; i++) {
    const shape = randomShape(rng, rng.int(0, 6));
    const other = broadcastPartner(rng, shape, rng.int(0, 6));
    const out = broadcastShapes(shape, other)!;
    expect(out.length).toBeLessThanOrEqual(6);
    const r = out.length;
    const pad = (s: number[]) => [...Array(r - s.length).fill(1), ...s];
    if (pad(shape).some((d, k) => d < out[k]!) && pad(other).some((d, k) => d < out[k]!)) bothWays++;
  }
  expect(bothWays).toBeGreaterThan(50);
});
