/**
 * Convs that read an NCHW input as given (ConvBindings.inputLayout 'nchw':
 * the stem reading the graph's input with no permute before it) against the
 * float64 reference: direct and the implicit GEMM (always its scalar file
 * then, split-K too) on random layers — C_in 1/3/5 and a few wider or
 * grouped ones, stride 1–3, dilation 1–2, asymmetric pads, batch 1–3, with
 * bias / residual / activation and channel slices. Tolerance: relative L2 ≤
 * 1e-4 (F32_TOLERANCE). The strategies that read NHWC only refuse an NCHW
 * input with a typed error instead of reading it wrong.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { UnsupportedConfigurationError } from '../../src/errors.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { conv2dShape, fullSlice, type ChannelSlice, type Conv2dParams, type Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import type { ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import type { Epilogue } from '../../src/kernels/epilogue.js';
import { runConvNchw } from '../helpers/conv.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { conv2dRef } from '../reference/conv2d.js';

/** Bounds the reference's work per case (SwiftShader). */
const MAX_MACS = 400_000;

const EPILOGUES: Epilogue[] = [
  { activation: 'none', hasBias: false },
  { activation: 'relu', hasBias: true },
  { activation: 'relu', hasBias: true, hasResidual: true },
];

function randomLayer(rng: Rng): Conv2dShape {
  for (;;) {
    const groups = rng.bool(0.2) ? rng.int(2, 3) : 1;
    const inPerGroup = groups > 1 ? rng.pick([1, 2, 4]) : rng.pick([1, 3, 3, 5, 4, 8]);
    const p: Conv2dParams = {
      batch: rng.bool(0.5) ? rng.int(2, 3) : 1,
      inHeight: rng.int(2, 17),
      inWidth: rng.int(2, 17),
      inChannels: groups * inPerGroup,
      outChannels: groups * rng.pick([3, 4, 8, 16, 17, 32]),
      kernelHeight: rng.int(1, 7),
      kernelWidth: rng.int(1, 7),
      strideH: rng.int(1, 3),
      strideW: rng.int(1, 3),
      dilationH: rng.int(1, 2),
      dilationW: rng.int(1, 2),
      padTop: rng.int(0, 3),
      padBottom: rng.int(0, 3),
      padLeft: rng.int(0, 3),
      padRight: rng.int(0, 3),
      groups,
    };
    let s: Conv2dShape;
    try {
      s = conv2dShape(p);
    } catch {
      continue;
    }
    if (s.batch * s.outHeight * s.outWidth * s.outChannels * inPerGroup * s.kernelHeight * s.kernelWidth > MAX_MACS) continue;
    return s;
  }
}

function describeLayer(s: Conv2dShape, e: Epilogue, slice?: ChannelSlice, splitK?: number): string {
  return `x=[${s.batch},${s.inChannels},${s.inHeight},${s.inWidth}] f=[${s.outChannels},${s.inChannels / s.groups},${s.kernelHeight},${s.kernelWidth}] ` +
    `s=${s.strideH},${s.strideW} d=${s.dilationH},${s.dilationW} p=${s.padTop},${s.padBottom},${s.padLeft},${s.padRight} g=${s.groups} ` +
    `${e.activation}${e.hasBias ? '+bias' : ''}${e.hasResidual ? '+res' : ''}${slice ? ` slice=${slice.channelOffset}/${slice.channelStride}` : ''}${splitK ? ` splitK=${splitK}` : ''}`;
}

const stats: Record<string, { cases: number; worst: number }> = {};
afterAll(() => {
  for (const [name, s] of Object.entries(stats)) console.log(`[nchw input] ${name}: ${s.cases} layers, worst relative L2 ${s.worst.toExponential(2)}`);
});

async function check(strategy: ConvStrategyName, s: Conv2dShape, epilogue: Epilogue, seed: number, slice?: ChannelSlice, splitK?: number): Promise<void> {
  const data = new Rng(seed);
  const x = data.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
  const w = data.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
  const bias = epilogue.hasBias ? data.array(s.outChannels) : undefined;
  const residual = epilogue.hasResidual ? data.array(s.batch * s.outChannels * s.outHeight * s.outWidth) : undefined;
  const expected = conv2dRef(s, x, w, bias, residual, epilogue.activation);
  const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias, residual }, epilogue, slice, undefined, splitK, 'nchw');
  const error = relativeL2(got.nchw, expected.y);
  const key = `${strategy}${splitK ? ' split-K' : ''}`;
  stats[key] ??= { cases: 0, worst: 0 };
  stats[key].cases++;
  stats[key].worst = Math.max(stats[key].worst, error);
  expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
}

describe('an NCHW input read as given, on random layers', () => {
  const rng = new Rng(1414);
  for (const strategy of ['direct', 'implicit_gemm'] as const) {
    for (let i = 0; i < 16; i++) {
      const s = randomLayer(rng);
      const epilogue = rng.pick(EPILOGUES);
      const slice = rng.bool(0.25) ? { channelStride: s.outChannels + 5, channelOffset: 2 } : undefined;
      const seed = rng.int(1, 1 << 30);
      it(`${strategy}: ${describeLayer(s, epilogue, slice)}`, () => check(strategy, s, epilogue, seed, slice));
    }
  }
  for (let i = 0; i < 4; i++) {
    const s = randomLayer(rng);
    const epilogue = rng.pick(EPILOGUES);
    const splitK = rng.int(2, 3);
    const seed = rng.int(1, 1 << 30);
    it(`implicit_gemm: ${describeLayer(s, epilogue, undefined, splitK)}`, () => check('implicit_gemm', s, epilogue, seed, undefined, splitK));
  }
});

describe('the stems of the zoo, NCHW', () => {
  const stems: [string, ConvStrategyName, Conv2dParams][] = [
    ['resnet 7×7/2 (GPU rules: implicit GEMM)', 'implicit_gemm', { batch: 2, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 64, kernelHeight: 7, kernelWidth: 7, strideH: 2, strideW: 2, pad: 3 }],
    ['mobilenet 3×3/2 (direct)', 'direct', { batch: 2, inChannels: 3, inHeight: 32, inWidth: 32, outChannels: 32, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, pad: 1 }],
  ];
  for (const [name, strategy, p] of stems) {
    it(name, () => check(strategy, conv2dShape(p), { activation: 'relu', hasBias: true }, 77));
  }
});

describe('strategies that read NHWC only', () => {
  const s = conv2dShape({ batch: 1, inChannels: 4, inHeight: 6, inWidth: 6, outChannels: 4, kernelHeight: 1, kernelWidth: 1, groups: 1 });
  const depthwise = conv2dShape({ batch: 1, inChannels: 4, inHeight: 6, inWidth: 6, outChannels: 4, kernelHeight: 3, kernelWidth: 3, groups: 4 });
  const io = { input: {} as GPUBuffer, inputLayout: 'nchw' as const, weight: {} as GPUBuffer, output: {} as GPUBuffer, scratch: {} as GPUBuffer, unused: {} as GPUBuffer };
  for (const [name, shape] of [['im2col', s], ['pointwise', s], ['depthwise', depthwise]] as const) {
    it(`${name} refuses an NCHW input`, () => {
      expect(CONV_STRATEGIES[name].readsNchw).toBeFalsy();
      const e = thrown(() => CONV_STRATEGIES[name].dispatches(shape, io, {}, fullSlice(shape.outChannels)));
      expect(e).toBeInstanceOf(UnsupportedConfigurationError);
      expect(e.message).toContain(`${name} reads NHWC input only`);
    });
  }
  it('direct and implicit_gemm declare readsNchw', () => {
    expect(CONV_STRATEGIES.direct.readsNchw).toBe(true);
    expect(CONV_STRATEGIES.implicit_gemm.readsNchw).toBe(true);
  });
});
