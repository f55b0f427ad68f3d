/**
 * NaN and ±∞ propagate through every kernel as PyTorch propagates them
 * (issue #11): random inputs seeded with NaN, +∞ and −∞ at random positions,
 * each kernel compared with its float64 reference by NaN-aware equality
 * (same NaN positions, same infinities, the finite rest within 1e-4).
 * The references follow PyTorch's semantics; the cases below whose results
 * are spelled out were checked with torch 1.13 on the CPU.
 */
import { describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import { adaptiveAvgPool } from '../../src/kernels/adaptive_avg_pool.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { conv2dShape, type Conv2dParams } from '../../src/kernels/conv2d_shape.js';
import type { ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import { activation, BINARY_OPS, elementwiseBinary, type Shape4 } from '../../src/kernels/elementwise.js';
import { ACTIVATIONS, type Activation, type ActivationParams, type Epilogue } from '../../src/kernels/epilogue.js';
import { gemm, gemmUsesVec4 } from '../../src/kernels/gemm.js';
import { globalAvgPool } from '../../src/kernels/global_avg_pool.js';
import { lrn } from '../../src/kernels/lrn.js';
import { pool2d, type PoolOp } from '../../src/kernels/pool2d.js';
import { softmax } from '../../src/kernels/softmax.js';
import { runConvNchw } from '../helpers/conv.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng } from '../helpers/random.js';
import { activationRef, elementwiseBinaryRef } from '../reference/elementwise.js';
import { conv2dRef } from '../reference/conv2d.js';
import { matmulRef } from '../reference/gemm.js';
import { adaptiveAvgPoolRef } from '../reference/graph.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { lrnNchwRef } from '../reference/lrn.js';
import { nonFiniteMismatch, seedNonFinite } from '../reference/non_finite.js';
import { avgPool2dRef, globalAvgPoolRef, maxPool2dRef, pooledSize, type PoolRefConfig } from '../reference/pool2d.js';
import { softmaxRef } from '../reference/softmax.js';

const [NAN, INF] = [Number.NaN, Number.POSITIVE_INFINITY];

function expectMatch(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(nonFiniteMismatch(actual, expected, F32_TOLERANCE), what).toBeUndefined();
}

/** Seeds ~3% of the elements (at least 3: one of each kind). */
const seeded = (rng: Rng, length: number, lo = -1, hi = 1): Float32Array => seedNonFinite(rng.array(length, lo, hi), rng, Math.max(3, Math.round(length * 0.03)));

describe('activations keep NaN and map ±∞ as PyTorch does', () => {
  const PARAMS: Partial<Record<Activation, ActivationParams[]>> = {
    leaky_relu: [{ alpha: 0.1 }],
    hardsigmoid: [{}],
    clip: [{ min: -0.5, max: 0.5 }, { min: -0.5 }, {}],
    pow: [{ exponent: 2 }, { exponent: 0.5 }, { exponent: -1 }, { exponent: 3 }],
    scale: [{ alpha: -2 }],
  };
  // the edges of every activation, then random seeded values
  const edges = [NAN, INF, -INF, 0, 1, -1, 3, -3, 2.5, 6, 7, -7, 100, -100, 1e30, -1e30];
  // an f32 near 1e30 keeps none of its phase (its ulp is 7.6e22): sin and cos there are the driver's
  const edgesOf = (act: Activation): number[] => (act === 'sin' || act === 'cos' ? edges.filter((v) => Math.abs(v) !== 1e30) : edges);
  for (const act of ACTIVATIONS) {
    for (const params of PARAMS[act] ?? [undefined]) {
      it(`${act} ${params ? JSON.stringify(params) : ''}`, async () => {
        const rng = new Rng(act.length * 7 + 1);
        const x = Float32Array.from([...edgesOf(act), ...seeded(rng, 300, -8, 8)]);
        const out = await runKernel(await testContext(), { x }, x.length, (b, o) => [activation(x.length, act, b.x!, o, undefined, params)]);
        expectMatch(out, activationRef(x, act, params), act);
      });
    }
  }

  it('spelled out: relu, relu6, silu, hardswish, clip on [NaN, ∞, −∞, 1, −1] (torch 1.13)', async () => {
    const ctx = await testContext();
    const x = Float32Array.from([NAN, INF, -INF, 1, -1]);
    const run = (act: Activation, params?: ActivationParams) => runKernel(ctx, { x }, 5, (b, o) => [activation(5, act, b.x!, o, undefined, params)]);
    expect(Array.from(await run('relu'))).toEqual([NAN, INF, 0, 1, 0]);
    expect(Array.from(await run('relu6'))).toEqual([NAN, 6, 0, 1, 0]);
    expect(Array.from(await run('hardswish')).map((v) => +v.toFixed(6))).toEqual([NAN, INF, NAN, 0.666667, -0.333333]);
    expect(Array.from(await run('silu')).slice(0, 3)).toEqual([NAN, INF, NAN]);
    expect(Array.from(await run('clip', { min: -0.5 }))).toEqual([NAN, INF, -0.5, 1, -0.5]);
  });
});

describe('elementwise binary ops propagate NaN and ±∞', () => {
  const shapes: [Shape4, Shape4][] = [
    [[2, 3, 4, 5], [2, 3, 4, 5]],
    [[1, 4, 4, 8], [1, 1, 1, 8]],
    [[2, 5, 3, 7], [1, 1, 1, 1]],
  ];
  for (const op of BINARY_OPS) {
    it(`${op} with broadcasting, then relu`, async () => {
      const rng = new Rng(op.charCodeAt(0) * 31);
      for (const [aShape, bShape] of op === 'prelu' ? [shapes[1]!] : shapes) {
        const a = seeded(rng, aShape.reduce((x, y) => x * y, 1));
        const b = seeded(rng, bShape.reduce((x, y) => x * y, 1));
        const { out: ref } = elementwiseBinaryRef(op, a, aShape, b, bShape, 'relu');
        const out = await runKernel(await testContext(), { a, b }, ref.length, (buf, o) => [elementwiseBinary({ op, aShape, bShape, activation: 'relu' }, buf.a!, buf.b!, o)]);
        expectMatch(out, ref, `${op} [${aShape}] [${bShape}]`);
      }
    });
  }
});

function poolConfig(c: Partial<PoolRefConfig> & Pick<PoolRefConfig, 'channels' | 'height' | 'width' | 'kernelH' | 'kernelW' | 'strideH' | 'strideW'>): PoolRefConfig {
  return { batch: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: false, ...c };
}

/** Runs pool2d on NCHW data through NHWC, as the executor does; returns NCHW. */
async function runPool(op: PoolOp, c: PoolRefConfig, x: Float32Array): Promise<Float64Array> {
  const { outH, outW } = pooledSize(c);
  const params = {
    batch: c.batch, inHeight: c.height, inWidth: c.width, channels: c.channels, kernelHeight: c.kernelH, kernelWidth: c.kernelW,
    strideH: c.strideH, strideW: c.strideW, dilationH: c.dilationH, dilationW: c.dilationW,
    padTop: c.padTop, padBottom: c.padBottom, padLeft: c.padLeft, padRight: c.padRight, ceilMode: c.ceilMode, countIncludePad: c.countIncludePad,
  };
  const nhwc = Float32Array.from(nchwToNhwcRef(x, c.batch, c.channels, c.height, c.width));
  const y = await runKernel(await testContext(), { x: nhwc }, c.batch * outH * outW * c.channels, (b, o) => [pool2d(op, params, b.x!, o)]);
  return nhwcToNchwRef(y, c.batch, c.channels, outH, outW);
}

describe('pooling: a NaN in the window gives NaN, ∞ and −∞ average to NaN', () => {
  const configs: PoolRefConfig[] = [
    poolConfig({ channels: 3, height: 8, width: 8, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 }),
    poolConfig({ channels: 5, height: 9, width: 7, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1, ceilMode: true }),
    poolConfig({ channels: 4, height: 11, width: 11, kernelH: 3, kernelW: 2, strideH: 1, strideW: 2, padTop: 1, padLeft: 1, countIncludePad: true }),
    poolConfig({ channels: 2, height: 12, width: 12, kernelH: 3, kernelW: 3, strideH: 2, strideW: 1, dilationH: 2, dilationW: 2 }),
  ];
  for (const op of ['max', 'average'] as PoolOp[]) {
    // average pooling has no dilation
    const geometries = op === 'max' ? configs : configs.filter((c) => c.dilationH === 1);
    it(`${op}: ${geometries.length} geometries`, async () => {
      const rng = new Rng(op === 'max' ? 51 : 52);
      for (const c of geometries) {
        const x = seeded(rng, c.batch * c.channels * c.height * c.width);
        const ref = op === 'max' ? maxPool2dRef(x, c) : avgPool2dRef(x, c);
        expectMatch(await runPool(op, c, x), ref, `${op} ${JSON.stringify(c)}`);
      }
    });
  }

  it('spelled out: max [[1, NaN, 2, 3], [∞, −∞, 0, 0]] / 2 = [NaN, 3]; average = [NaN, 1.25] (torch 1.13)', async () => {
    const x = Float32Array.from([1, NAN, 2, 3, INF, -INF, 0, 0]);
    const c = poolConfig({ batch: 1, channels: 1, height: 2, width: 4, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2 });
    expect(Array.from(await runPool('max', c, x))).toEqual([NAN, 3]);
    expect(Array.from(await runPool('average', c, x))).toEqual([NAN, 1.25]);
  });

  it('global average and adaptive average pooling', async () => {
    const rng = new Rng(53);
    const [n, c, h, w] = [2, 6, 7, 7];
    const x = seeded(rng, n * c * h * w);
    const nhwc = Float32Array.from(nchwToNhwcRef(x, n, c, h, w));
    const ctx = await testContext();
    const global = await runKernel(ctx, { x: nhwc }, n * c, (b, o) => [globalAvgPool({ batch: n, height: h, width: w, channels: c }, b.x!, o)]);
    expectMatch(global, globalAvgPoolRef(x, n, c, h, w), 'global average');
    const [oh, ow] = [3, 4];
    const adaptive = await runKernel(ctx, { x: nhwc }, n * c * oh * ow, (b, o) => [adaptiveAvgPool({ batch: n, inHeight: h, inWidth: w, channels: c, outHeight: oh, outWidth: ow }, b.x!, o)]);
    expectMatch(nhwcToNchwRef(adaptive, n, c, oh, ow), adaptiveAvgPoolRef(Float64Array.from(x), n, c, h, w, oh, ow), 'adaptive average');
  });
});

describe('softmax: a row with NaN, +∞ or only −∞ is all NaN; −∞ elsewhere gives 0', () => {
  it('spelled out rows (torch 1.13)', async () => {
    const rows = [
      [1, NAN, 2],
      [1, INF, 2],
      [1, -INF, 2],
      [-INF, -INF, -INF],
      [INF, INF, 2],
      [0, 0, 0],
    ];
    const x = Float32Array.from(rows.flat());
    const out = await runKernel(await testContext(), { x }, x.length, (b, o) => [softmax({ rows: rows.length, length: 3 }, b.x!, o)]);
    const got = Array.from(out).map((v) => +v.toFixed(6));
    expect(got).toEqual([NAN, NAN, NAN, NAN, NAN, NAN, 0.268941, 0, 0.731059, NAN, NAN, NAN, NAN, NAN, NAN, 0.333333, 0.333333, 0.333333]);
  });

  for (const workgroupSize of [1, 64, 256]) {
    it(`seeded rows, workgroup ${workgroupSize}`, async () => {
      const rng = new Rng(60 + workgroupSize);
      for (const length of [10, 300, 1000]) {
        const rows = 12;
        // most rows keep one special value or none, so finite rows are checked too
        const x = rng.array(rows * length, -5, 5);
        for (let r = 0; r < rows; r++) {
          const kind = r % 4;
          if (kind < 3) x[r * length + rng.int(0, length - 1)] = [NAN, INF, -INF][kind]!;
        }
        const out = await runKernel(await testContext(), { x }, x.length, (b, o) => [softmax({ rows, length, workgroupSize }, b.x!, o)]);
        expectMatch(out, softmaxRef(x, rows, length), `length ${length}`);
      }
    });
  }
});

describe('local response normalization propagates NaN; ∞ gives NaN at itself, 0 around it', () => {
  it('pytorch convention, size 5, 7 channels', async () => {
    const rng = new Rng(70);
    const [n, c, h, w] = [2, 7, 3, 4];
    const x = seeded(rng, n * c * h * w, -2, 2);
    const p = { size: 5, alpha: 1e-2, beta: 0.75, k: 2, convention: 'pytorch' as const };
    const nhwc = Float32Array.from(nchwToNhwcRef(x, n, c, h, w));
    const out = await runKernel(await testContext(), { x: nhwc }, nhwc.length, (b, o) => [lrn({ batch: n, height: h, width: w, channels: c, ...p }, b.x!, o)]);
    expectMatch(nhwcToNchwRef(out, n, c, h, w), lrnNchwRef(x, n, c, h, w, p), 'lrn');
  });
});

describe('GEMM with its epilogue: NaN·0 stays NaN, nothing is skipped', () => {
  for (const [m, n, k] of [[7, 9, 13], [16, 32, 20]] as const) {
    it(`m=${m} n=${n} k=${k} ${gemmUsesVec4({ m, n, k, batch: 1, aBatchStride: m * k, bBatchStride: k * n, ldc: n, colOffset: 0, residualStride: n }) ? 'vec4' : 'scalar'} + bias + residual, relu`, async () => {
      const rng = new Rng(80 + m);
      // sparse seeds in A and B (each spreads over a row or column) and zeros beside them
      const a = seedNonFinite(rng.array(m * k), rng, 3);
      const b = seedNonFinite(rng.array(k * n), rng, 3);
      a.fill(0, 0, 3);
      const bias = seedNonFinite(rng.array(n), rng, 1);
      const residual = seedNonFinite(rng.array(m * n), rng, 3);
      const ctx = await testContext();
      const out = await runKernel(ctx, { a, b, bias, residual }, m * n, (buf, output) => [
        gemm({ m, n, k }, { a: buf.a!, b: buf.b!, bias: buf.bias, residual: buf.residual, output, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }),
      ]);
      expectMatch(out, matmulRef(a, b, m, n, k, bias, residual, 'relu'), 'gemm');
    });
  }
});

describe('conv2d, every strategy: NaN and ±∞ in input, weights, bias and residual', () => {
  const layers: Record<ConvStrategyName, Conv2dParams> = {
    direct: { batch: 1, inHeight: 9, inWidth: 8, inChannels: 3, outChannels: 6, kernelHeight: 3, kernelWidth: 3, pad: 1 },
    im2col: { batch: 2, inHeight: 7, inWidth: 7, inChannels: 5, outChannels: 8, kernelHeight: 3, kernelWidth: 3, pad: 1, strideH: 2, strideW: 2 },
    pointwise: { batch: 1, inHeight: 6, inWidth: 5, inChannels: 8, outChannels: 12, kernelHeight: 1, kernelWidth: 1 },
    depthwise: { batch: 1, inHeight: 8, inWidth: 8, inChannels: 6, outChannels: 6, kernelHeight: 3, kernelWidth: 3, pad: 1, groups: 6 },
    // the vec4 file; padded taps are 0 in its A tile, so 0·NaN weights give NaN there too
    implicit_gemm: { batch: 2, inHeight: 6, inWidth: 7, inChannels: 8, outChannels: 12, kernelHeight: 3, kernelWidth: 3, pad: 1, dilationW: 2 },
  };
  const epilogue: Epilogue = { activation: 'relu', hasBias: true, hasResidual: true };
  for (const strategy of Object.keys(CONV_STRATEGIES) as ConvStrategyName[]) {
    const s = conv2dShape(layers[strategy]);
    const sizes = {
      x: s.batch * s.inChannels * s.inHeight * s.inWidth,
      w: s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth,
      y: s.batch * s.outChannels * s.outHeight * s.outWidth,
    };
    const run = async (rng: Rng, seeds: { x: number; w: number; bias: number; residual: number }) => {
      const x = seedNonFinite(rng.array(sizes.x), rng, seeds.x);
      const w = seedNonFinite(rng.array(sizes.w), rng, seeds.w);
      const bias = seedNonFinite(rng.array(s.outChannels), rng, seeds.bias);
      const residual = seedNonFinite(rng.array(sizes.y), rng, seeds.residual);
      const expected = conv2dRef(s, x, w, bias, residual, 'relu').y;
      const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias, residual }, epilogue);
      return { got: got.nchw, expected };
    };
    it(`${strategy}: seeded input, bias and residual`, async () => {
      const { got, expected } = await run(new Rng(90 + strategy.length), { x: 3, w: 0, bias: 1, residual: 3 });
      expect(expected.some((v) => Number.isNaN(v)) && expected.some((v) => Number.isFinite(v))).toBe(true);
      expectMatch(got, expected, strategy);
    });
    it(`${strategy}: a NaN or ∞ weight, also where the window meets the zero padding (0·NaN = NaN)`, async () => {
      const rng = new Rng(95 + strategy.length);
      for (let rep = 0; rep < 3; rep++) {
        const { got, expected } = await run(rng, { x: 0, w: 1 + rep, bias: 0, residual: 0 });
        expectMatch(got, expected, `${strategy} rep ${rep}`);
      }
    });
  }
});
