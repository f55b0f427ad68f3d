/**
 * The register-tiled depthwise variant against the float64 conv reference:
 * 3×3 and 5×5, strides 1 and 2 (also mixed), symmetric, none and asymmetric
 * pads, widths not a multiple of its 4 columns, batch > 1, channels in vec4s,
 * channel slices, bias, residual and activations, NaN/±∞ weights at the
 * zero padding — and that the depthwise strategy picks it exactly for the
 * shapes it serves. Tolerance: relative L2 ≤ 1e-4.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { depthwiseTiledUnsupportedReason, DEPTHWISE_TILED_COLUMNS } from '../../src/kernels/conv2d_depthwise.js';
import { conv2dShape, fullSlice, type ChannelSlice, type Conv2dParams, type Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import type { Epilogue } from '../../src/kernels/epilogue.js';
import { runConvNchw } from '../helpers/conv.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';
import { nonFiniteMismatch, seedNonFinite } from '../reference/non_finite.js';

const depthwise = CONV_STRATEGIES.depthwise;
const f = {} as GPUBuffer;
const shaderOf = (s: Conv2dShape, slice: ChannelSlice = fullSlice(s.outChannels)) =>
  depthwise.dispatches(s, { input: f, weight: f, output: f, unused: f }, {}, slice)[0]!.shader.name;

// three epilogues keep the pipelines few (one per kernel size × stride × epilogue)
const EPILOGUES: Epilogue[] = [
  { activation: 'relu6', hasBias: true },
  { activation: 'none', hasBias: false, hasResidual: true },
  { activation: 'silu', hasBias: true, hasResidual: true },
];

function randomLayer(rng: Rng): Conv2dShape {
  for (;;) {
    const k = rng.pick([3, 5]);
    const c = 4 * rng.pick([1, 2, 3, 5, 8, 9]);
    const pads = rng.pick(['same', 'none', 'asymmetric'] as const);
    const half = k >> 1;
    const pad = pads === 'same' ? [half, half, half, half] : pads === 'none' ? [0, 0, 0, 0] : [rng.int(0, half), rng.int(0, half + 1), rng.int(0, half), rng.int(0, half + 1)];
    const p: Conv2dParams = {
      batch: rng.bool(0.3) ? rng.int(2, 3) : 1,
      inHeight: rng.int(1, 14),
      inWidth: rng.int(1, 19),
      inChannels: c,
      outChannels: c,
      kernelHeight: k,
      kernelWidth: k,
      strideH: 1,
      strideW: 1,
      padTop: pad[0], padBottom: pad[1], padLeft: pad[2], padRight: pad[3],
      groups: c,
    };
    // mostly equal strides (as in the networks), sometimes mixed
    p.strideH = rng.int(1, 2);
    p.strideW = rng.bool(0.8) ? p.strideH : rng.int(1, 2);
    try {
      return conv2dShape(p);
    } catch {
      continue;
    }
  }
}

const describeLayer = (s: Conv2dShape, e: Epilogue, slice?: ChannelSlice) =>
  `x=[${s.batch},${s.inHeight},${s.inWidth},${s.inChannels}] k=${s.kernelHeight} s=${s.strideH},${s.strideW} p=${s.padTop},${s.padBottom},${s.padLeft},${s.padRight} ` +
  `out=${s.outHeight}×${s.outWidth} ${e.activation}${e.hasBias ? '+bias' : ''}${e.hasResidual ? '+res' : ''}${slice ? ` slice=${slice.channelOffset}/${slice.channelStride}` : ''}`;

describe('conv2d depthwise, register-tiled variant', () => {
  const rng = new Rng(3131);
  let worst = 0;
  let count = 0;
  afterAll(() => console.log(`[conv2d] depthwise tiled: ${count} configs, worst relative L2 ${worst.toExponential(2)}`));
  for (let i = 0; i < 40; i++) {
    const s = randomLayer(rng);
    const epilogue = rng.pick(EPILOGUES);
    const slice = rng.bool(0.25) ? { channelStride: s.outChannels + 8, channelOffset: 4 } : undefined;
    const seed = rng.int(1, 1 << 30);
    it(describeLayer(s, epilogue, slice), async () => {
      expect(shaderOf(s, slice)).toBe('conv2d_depthwise_tiled');
      const data = new Rng(seed);
      const x = data.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
      const w = data.array(s.outChannels * s.kernelHeight * s.kernelWidth);
      const bias = epilogue.hasBias ? data.array(s.outChannels) : undefined;
      const residual = epilogue.hasResidual ? data.array(s.batch * s.outChannels * s.outHeight * s.outWidth) : undefined;
      const got = await runConvNchw(await testContext(), s, 'depthwise', { x, w, bias, residual }, epilogue, slice);
      const error = relativeL2(got.nchw, conv2dRef(s, x, w, bias, residual, epilogue.activation).y);
      worst = Math.max(worst, error);
      count++;
      expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
      if (slice) {
        // channels outside the slice are never written (they stay NaN)
        for (let px = 0; px < s.batch * s.outHeight * s.outWidth; px++) {
          for (const c of [0, 3, s.outChannels + 4, s.outChannels + 7]) expect(got.nhwcSlice[px * slice.channelStride + c]).toBeNaN();
        }
      }
    });
  }

  it('a NaN or ∞ weight, also where the window meets the zero padding (0·NaN = NaN, as in PyTorch)', async () => {
    const rng = new Rng(3132);
    const s = conv2dShape({ batch: 1, inHeight: 7, inWidth: 9, inChannels: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, pad: 1, groups: 8 });
    expect(shaderOf(s)).toBe('conv2d_depthwise_tiled');
    for (let rep = 0; rep < 3; rep++) {
      const x = rng.array(s.inChannels * s.inHeight * s.inWidth);
      const w = seedNonFinite(rng.array(s.outChannels * 9), rng, 1 + rep);
      const bias = rng.array(s.outChannels);
      const expected = conv2dRef(s, x, w, bias, undefined, 'relu6').y;
      const got = await runConvNchw(await testContext(), s, 'depthwise', { x, w, bias }, EPILOGUES[0]);
      expect(expected.some((v) => Number.isNaN(v))).toBe(true);
      expect(nonFiniteMismatch(got.nchw, expected, F32_TOLERANCE), `rep ${rep}`).toBeUndefined();
    }
  });

  it('is what the depthwise strategy runs for the common shapes, the generic kernel for the rest', () => {
    const base = { batch: 1, inHeight: 14, inWidth: 14, inChannels: 32, outChannels: 32, groups: 32 };
    const layer = (p: Partial<Conv2dParams>) => conv2dShape({ ...base, kernelHeight: 3, kernelWidth: 3, pad: 1, ...p } as Conv2dParams);
    // MobileNetV2 / EfficientNet: 3×3 and 5×5 at strides 1 and 2
    for (const k of [3, 5]) for (const stride of [1, 2]) {
      expect(shaderOf(layer({ kernelHeight: k, kernelWidth: k, pad: k >> 1, strideH: stride, strideW: stride }))).toBe('conv2d_depthwise_tiled');
    }
    expect(shaderOf(layer({}), { channelStride: 96, channelOffset: 32 })).toBe('conv2d_depthwise_tiled');
    const generic: [string, Conv2dShape, ChannelSlice?][] = [
      ['channels not in vec4s', layer({ inChannels: 30, outChannels: 30, groups: 30 })],
      ['channel multiplier 2', layer({ outChannels: 64 })],
      ['7×7', layer({ kernelHeight: 7, kernelWidth: 7, pad: 3 })],
      ['3×5', layer({ kernelWidth: 5, padLeft: 2, padRight: 2 })],
      ['stride 3', layer({ strideH: 3, strideW: 3 })],
      ['dilation 2', layer({ dilationH: 2, dilationW: 2, pad: 2 })],
      ['slice not in vec4s', layer({}), { channelStride: 35, channelOffset: 3 }],
    ];
    for (const [what, s, slice] of generic) {
      expect(depthwiseTiledUnsupportedReason(s, slice ?? fullSlice(s.outChannels)), what).toBeDefined();
      expect(shaderOf(s, slice), what).toBe('conv2d_depthwise');
    }
    expect(DEPTHWISE_TILED_COLUMNS).toBe(4);
  });
});
