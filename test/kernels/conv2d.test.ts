/**
 * Every conv strategy against the float64 reference on ≥ 300 random layers
 * each: sizes 1, odd, prime and not multiples of 4 or of the GEMM tile;
 * channels 1, 3, 5 and ≥ 64; strides 1–3; dilation 1–2; asymmetric pads;
 * groups; bias, residual and every activation. Tolerance: relative L2 ≤ 1e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, UnsupportedConfigurationError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { summary } from '../../src/graph/summary.js';
import { applicableStrategies, chooseConvStrategy, CONV_STRATEGIES, resolveConvStrategy } from '../../src/kernels/conv2d.js';
import type { ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import { conv2dShape, convOutputSize, type Conv2dParams, type Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import type { Epilogue } from '../../src/kernels/epilogue.js';
import { GEMM_TILE_NAMES, GEMM_TILES } from '../../src/kernels/gemm.js';
import { runConvNchw } from '../helpers/conv.js';
import { tileThatRan } from '../helpers/gemm_tile.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';

const CONFIGS_PER_STRATEGY = 300;
/** Bounds the reference's work per case so the suite fits SwiftShader in CI. */
const MAX_MACS = 1_500_000;

// a few epilogues, so pipelines (one per variant, ~0.7 s each on SwiftShader) stay few
const EPILOGUES: Epilogue[] = [
  { activation: 'none', hasBias: false },
  { activation: 'relu', hasBias: true },
  { activation: 'relu6', hasBias: true },
  { activation: 'sigmoid', hasBias: true },
  { activation: 'silu', hasBias: true, hasResidual: true },
  { activation: 'hardswish', hasBias: true },
  { activation: 'tanh', hasBias: false, hasResidual: true },
  { activation: 'relu', hasBias: true, hasResidual: true },
];

const SIZES = [1, 2, 3, 5, 6, 7, 9, 11, 13, 14, 17];
const CHANNELS = [1, 2, 3, 5, 7, 8, 12, 16, 64, 67];

function randomLayer(rng: Rng, strategy: ConvStrategyName): Conv2dShape {
  for (;;) {
    const p: Conv2dParams = {
      batch: rng.bool(0.25) ? rng.int(2, 3) : 1,
      inHeight: rng.pick(SIZES),
      inWidth: rng.pick(SIZES),
      inChannels: rng.pick(CHANNELS),
      outChannels: rng.pick(CHANNELS),
      kernelHeight: rng.int(1, 5),
      kernelWidth: rng.int(1, 5),
      strideH: rng.int(1, 3),
      strideW: rng.int(1, 3),
      dilationH: rng.int(1, 2),
      dilationW: rng.int(1, 2),
      padTop: rng.int(0, 2),
      padBottom: rng.int(0, 2),
      padLeft: rng.int(0, 2),
      padRight: rng.int(0, 2),
      groups: 1,
    };
    if (rng.bool(0.3)) {
      const k = rng.int(1, 3);
      Object.assign(p, { kernelHeight: k, kernelWidth: k, padTop: k >> 1, padBottom: k >> 1, padLeft: k >> 1, padRight: k >> 1 });
    }
    if (strategy === 'pointwise') {
      Object.assign(p, { kernelHeight: 1, kernelWidth: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
      if (rng.bool(0.3)) Object.assign(p, { inHeight: rng.int(8, 20), inWidth: rng.int(8, 20) });
    } else if (strategy === 'depthwise') {
      p.groups = p.inChannels;
      p.outChannels = p.inChannels * (rng.bool(0.2) ? 2 : 1);
    } else if (rng.bool(0.3)) {
      const g = rng.pick([2, 3, 4]);
      p.inChannels = g * rng.pick([1, 2, 3, 5]);
      p.outChannels = g * rng.pick([1, 2, 3, 5, 8]);
      p.groups = g;
    }
    let s: Conv2dShape;
    try {
      s = conv2dShape(p);
    } catch {
      continue;
    }
    const macs = s.batch * s.outHeight * s.outWidth * s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth;
    if (macs > MAX_MACS || CONV_STRATEGIES[strategy].unsupportedReason(s)) continue;
    return s;
  }
}

function describeLayer(s: Conv2dShape, e: Epilogue): string {
  return `x=[${s.batch},${s.inHeight},${s.inWidth},${s.inChannels}] f=[${s.kernelHeight},${s.kernelWidth},${s.inChannels / s.groups},${s.outChannels}] ` +
    `s=${s.strideH},${s.strideW} d=${s.dilationH},${s.dilationW} p=${s.padTop},${s.padBottom},${s.padLeft},${s.padRight} g=${s.groups} ` +
    `${e.activation}${e.hasBias ? '+bias' : ''}${e.hasResidual ? '+res' : ''}`;
}

for (const strategy of Object.keys(CONV_STRATEGIES) as ConvStrategyName[]) {
  describe(`conv2d ${strategy}`, () => {
    const rng = new Rng(1000 + strategy.length * 17 + strategy.charCodeAt(0));
    let worst = 0;
    let count = 0;
    afterAll(() => console.log(`[conv2d] ${strategy}: ${count} configs, worst relative L2 ${worst.toExponential(2)}`));
    for (let i = 0; i < CONFIGS_PER_STRATEGY; i++) {
      const s = randomLayer(rng, strategy);
      const epilogue = rng.pick(EPILOGUES);
      const seed = rng.int(1, 1 << 30);
      it(describeLayer(s, epilogue), async () => {
        const data = new Rng(seed);
        const x = data.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
        const w = data.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
        const bias = epilogue.hasBias ? data.array(s.outChannels) : undefined;
        const residual = epilogue.hasResidual ? data.array(s.batch * s.outChannels * s.outHeight * s.outWidth) : undefined;
        const expected = conv2dRef(s, x, w, bias, residual, epilogue.activation);
        const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias, residual }, epilogue);
        const error = relativeL2(got.nchw, expected.y);
        worst = Math.max(worst, error);
        count++;
        expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
      });
    }
  });
}

describe('conv2d writes into a channel slice (concat without copies)', () => {
  const rng = new Rng(77);
  for (const strategy of Object.keys(CONV_STRATEGIES) as ConvStrategyName[]) {
    it(strategy, async () => {
      const s = randomLayer(rng, strategy);
      const x = rng.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
      const w = rng.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
      const bias = rng.array(s.outChannels);
      const slice = { channelStride: s.outChannels + 8, channelOffset: 4 };
      const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias }, { activation: 'relu', hasBias: true }, slice);
      expect(relativeL2(got.nchw, conv2dRef(s, x, w, bias, undefined, 'relu').y)).toBeLessThanOrEqual(F32_TOLERANCE);
      // channels outside the slice are never written (they stay NaN)
      for (let p = 0; p < s.batch * s.outHeight * s.outWidth; p++) {
        for (const c of [0, 3, s.outChannels + 4, s.outChannels + 7]) expect(got.nhwcSlice[p * slice.channelStride + c]).toBeNaN();
      }
    });
  }
});

describe('every GEMM tile computes the conv (GEMM strategies forced onto each registry tile)', () => {
  const gemmStrategies = (Object.keys(CONV_STRATEGIES) as ConvStrategyName[]).filter((n) => CONV_STRATEGIES[n].defaultTile);
  const rng = new Rng(4242);
  let worst = 0;
  afterAll(() => console.log(`[conv2d] GEMM tiles: worst relative L2 ${worst.toExponential(2)}`));

  it('the GEMM strategies are im2col, pointwise and implicit_gemm; direct and depthwise run no GEMM', () => {
    expect(gemmStrategies).toEqual(['im2col', 'pointwise', 'implicit_gemm']);
  });

  for (const strategy of gemmStrategies) {
    for (const tile of GEMM_TILE_NAMES) {
      for (let i = 0; i < 6; i++) {
        const s = randomLayer(rng, strategy);
        // two epilogues keep the pipelines few (tile × vec4/scalar × epilogue)
        const epilogue = rng.pick([EPILOGUES[1]!, EPILOGUES[4]!]);
        const slice = rng.bool(0.3) ? { channelStride: s.outChannels + 8, channelOffset: 4 } : undefined;
        const seed = rng.int(1, 1 << 30);
        it(`${strategy}/${tile} ${describeLayer(s, epilogue)}${slice ? ' slice=4/+8' : ''}`, async () => {
          const spec = CONV_STRATEGIES[strategy].dispatches(s, { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, scratch: {} as GPUBuffer, unused: {} as GPUBuffer }, epilogue, slice ?? { channelStride: s.outChannels, channelOffset: 0 }, tile).at(-1)!;
          const ran = GEMM_TILES[tileThatRan(tile, spec)];
          expect(spec.constants).toMatchObject({ WG_X: ran.wgX, WG_Y: ran.wgY, TILE_K: ran.tileK });
          const data = new Rng(seed);
          const x = data.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
          const w = data.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
          const bias = data.array(s.outChannels);
          const residual = epilogue.hasResidual ? data.array(s.batch * s.outChannels * s.outHeight * s.outWidth) : undefined;
          const expected = conv2dRef(s, x, w, bias, residual, epilogue.activation);
          const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias, residual }, epilogue, slice, tile);
          const error = relativeL2(got.nchw, expected.y);
          worst = Math.max(worst, error);
          expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
          if (slice) {
            // channels outside the slice are never written (they stay NaN)
            for (let p = 0; p < s.batch * s.outHeight * s.outWidth; p++) {
              for (const c of [0, 3, s.outChannels + 4, s.outChannels + 7]) expect(got.nhwcSlice[p * slice.channelStride + c]).toBeNaN();
            }
          }
        });
      }
    }
  }

  it("without a tile a GEMM strategy runs its defaultTile, the heuristic's pick for its GEMM", () => {
    const f = {} as GPUBuffer;
    for (let i = 0; i < 100; i++) {
      const strategy = rng.pick(gemmStrategies);
      const s = randomLayer(rng, strategy);
      const io = { input: f, weight: f, output: f, scratch: f, unused: f };
      const plain = CONV_STRATEGIES[strategy].dispatches(s, io, {}, { channelStride: s.outChannels, channelOffset: 0 }).at(-1)!;
      const given = CONV_STRATEGIES[strategy].dispatches(s, io, {}, { channelStride: s.outChannels, channelOffset: 0 }, CONV_STRATEGIES[strategy].defaultTile!(s)).at(-1)!;
      expect(plain).toEqual(given);
    }
  });
});

describe("the course's worked examples", () => {
  it('vertical edge detector on a half-bright 6×6 image gives 30 in the middle columns', async () => {
    const s = conv2dShape({ batch: 1, inHeight: 6, inWidth: 6, inChannels: 1, outChannels: 1, kernelHeight: 3, kernelWidth: 3 });
    const x = new Float32Array(36).map((_, i) => (i % 6 < 3 ? 10 : 0));
    const w = Float32Array.from([1, 0, -1, 1, 0, -1, 1, 0, -1]);
    const expected = [0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0];
    for (const strategy of ['direct', 'im2col'] as const) {
      const got = await runConvNchw(await testContext(), s, strategy, { x, w });
      expect([s.outHeight, s.outWidth]).toEqual([4, 4]);
      expect(Array.from(got.nchw)).toEqual(expected);
    }
  });

  it('output size is floor((n + 2p − f) / s) + 1', () => {
    expect(convOutputSize(6, 3, 1, 0, 0)).toBe(4);
    expect(convOutputSize(7, 3, 2, 0, 0)).toBe(3);
    expect(convOutputSize(6, 3, 1, 1, 1)).toBe(6); // same padding p = (f − 1) / 2
    expect(convOutputSize(39, 3, 1, 0, 0)).toBe(37);
    expect(convOutputSize(37, 5, 2, 0, 0)).toBe(17);
    expect(convOutputSize(224, 7, 2, 3, 3)).toBe(112);
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const [n, f, st, p] = [rng.int(1, 300), rng.int(1, 11), rng.int(1, 4), rng.int(0, 5)];
      if (f > n + 2 * p) continue;
      expect(convOutputSize(n, f, st, p, p)).toBe(Math.floor((n + 2 * p - f) / st) + 1);
    }
  });

  it('a layer of two 3×3×3 filters with biases has 56 parameters', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 6, 6]);
    g.output(g.conv2d(x, { name: 'conv', outChannels: 2, kernel: 3, bias: true }), 'y');
    const s = summary(g.build());
    expect(s.layers.find((l) => l.name === 'conv')!.parameters).toBe(56);
    expect(s.totalParameters).toBe(56);
  });
});

describe('invalid conv parameters name the parameter', () => {
  const base: Conv2dParams = { batch: 1, inHeight: 8, inWidth: 8, inChannels: 4, outChannels: 6, kernelHeight: 3, kernelWidth: 3 };
  const cases: [Partial<Conv2dParams>, string][] = [
    [{ pad: -1 }, 'pad'],
    [{ padLeft: -2 }, 'padLeft'],
    [{ kernelHeight: 11 }, 'kernelHeight'],
    [{ kernelWidth: 5, dilationW: 3 }, 'kernelWidth'],
    [{ groups: 3 }, 'groups'],
    [{ groups: 4 }, 'groups'], // divides 4 inputs, not 6 outputs
    [{ strideH: 0 }, 'strideH'],
    [{ inChannels: 0 }, 'inChannels'],
    [{ batch: 1.5 }, 'batch'],
  ];
  for (const [change, parameter] of cases) {
    it(`${JSON.stringify(change)} → ${parameter}`, () => {
      try {
        conv2dShape({ ...base, ...change });
        expect.unreachable('no error thrown');
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect((e as InvalidParameterError).parameter).toBe(parameter);
      }
    });
  }

  it('a channel mismatch between input data and layer is caught by the weight layout', () => {
    const s = conv2dShape(base);
    expect(() => CONV_STRATEGIES.depthwise.unsupportedReason(s)).not.toThrow();
    expect(CONV_STRATEGIES.depthwise.unsupportedReason(s)).toMatch(/groups == inChannels/);
  });

  it('a forced strategy that cannot serve the layer says why', () => {
    const s = conv2dShape(base);
    const f = {} as GPUBuffer;
    expect(() => resolveConvStrategy(s, 'pointwise')).toThrow(UnsupportedConfigurationError);
    expect(() => resolveConvStrategy(s, 'pointwise')).toThrow(/1×1/);
    // the strategies that can serve it resolve and build their dispatches
    for (const name of applicableStrategies(s)) expect(resolveConvStrategy(s, name).dispatches(s, { input: f, weight: f, output: f, scratch: f, unused: f }, {}, { channelStride: 6, channelOffset: 0 }).length).toBeGreaterThan(0);
  });

  it('auto picks by shape', () => {
    const dw = conv2dShape({ ...base, inChannels: 32, outChannels: 32, groups: 32 });
    const pw = conv2dShape({ ...base, inChannels: 32, outChannels: 64, kernelHeight: 1, kernelWidth: 1 });
    const big = conv2dShape({ ...base, inChannels: 64, outChannels: 64 });
    const rgb = conv2dShape({ ...base, inChannels: 3, outChannels: 64 });
    expect(chooseConvStrategy(dw)).toBe('depthwise');
    expect(chooseConvStrategy(pw)).toBe('pointwise');
    expect(chooseConvStrategy(big)).toBe('implicit_gemm');
    expect(chooseConvStrategy(rgb)).toBe('direct');
    // a CPU-emulated adapter keeps depthwise and runs the rest direct (see conv2d_auto.test.ts)
    expect([dw, pw, big, rgb].map((s) => chooseConvStrategy(s, 'cpu'))).toEqual(['depthwise', 'direct', 'direct', 'direct']);
    expect(applicableStrategies(pw)).toEqual(['direct', 'im2col', 'pointwise', 'implicit_gemm']);
  });
});
