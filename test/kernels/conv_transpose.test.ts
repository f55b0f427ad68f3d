/**
 * Both transposed-convolution strategies against the float64 scatter
 * reference (test/reference/conv_transpose.ts) on random shapes: groups,
 * dilation, strides up to 3, output padding, asymmetric and negative pads,
 * 1×1 to 5×5 kernels, batch 2, bias and activations, channel slices.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, UnsupportedConfigurationError } from '../../src/errors.js';
import { createTensorBuffer, placeholderBuffer, readTensor } from '../../src/gpu/buffers.js';
import type { GpuContext } from '../../src/gpu/device.js';
import {
  convTranspose2d,
  convTranspose2dShape,
  convTransposeScratchLength,
  convTransposeUnsupportedReason,
  layoutConvTransposeWeights,
  type ConvTranspose2dParams,
  type ConvTranspose2dShape,
  type ConvTransposeStrategyName,
} from '../../src/kernels/conv_transpose2d.js';
import { fullSlice, type ChannelSlice } from '../../src/kernels/conv2d_shape.js';
import { runDispatches } from '../../src/kernels/dispatch.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { convTransposeRef } from '../reference/conv_transpose.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';

// measured worst relative L2 on SwiftShader: direct 1.2e-7, gemm 8.8e-8 (the afterAll line prints it)
const TOLERANCE = 5e-7;
const worst: Record<string, { l2: number; configs: number }> = {};

afterAll(() => {
  for (const [k, w] of Object.entries(worst)) console.log(`[conv_transpose] ${k}: ${w.configs} configs, worst relative L2 ${w.l2.toExponential(2)}`);
});

interface Data {
  x: Float32Array; // NCHW
  w: Float32Array; // [C_in][C_out/g][kH][kW]
  bias?: Float32Array;
}

/** Runs the strategy on NCHW data; the output starts NaN so an element left unwritten fails. */
async function run(ctx: GpuContext, strategy: ConvTransposeStrategyName, s: ConvTranspose2dShape, d: Data, activation: Activation, slice: ChannelSlice): Promise<Float64Array> {
  const { device } = ctx;
  const owned: GPUBuffer[] = [];
  const upload = (a: Float32Array, label: string) => {
    const b = createTensorBuffer(device, a, label);
    owned.push(b);
    return b;
  };
  const pixels = s.batch * s.outHeight * s.outWidth;
  const input = upload(Float32Array.from(nchwToNhwcRef(d.x, s.batch, s.inChannels, s.inHeight, s.inWidth)), 'x');
  const weight = upload(layoutConvTransposeWeights(strategy, s, d.w), 'w');
  const bias = d.bias ? upload(d.bias, 'bias') : undefined;
  const scratchLength = convTransposeScratchLength(strategy, s);
  const scratch = scratchLength ? upload(new Float32Array(scratchLength).fill(Number.NaN), 'scratch') : undefined;
  const output = upload(new Float32Array(pixels * slice.channelStride).fill(Number.NaN), 'y');
  try {
    await runDispatches(device, convTranspose2d(strategy, s, { input, weight, bias, output, scratch, unused: placeholderBuffer(device) }, { activation }, slice));
    const y = await readTensor(device, output, pixels * slice.channelStride);
    const packed = new Float32Array(pixels * s.outChannels);
    for (let p = 0; p < pixels; p++)
      for (let k = 0; k < slice.channelStride; k++) {
        const v = y[p * slice.channelStride + k]!;
        if (k >= slice.channelOffset && k < slice.channelOffset + s.outChannels) packed[p * s.outChannels + k - slice.channelOffset] = v;
        else expect(Number.isNaN(v), `channel ${k} outside the slice was written`).toBe(true);
      }
    return nhwcToNchwRef(packed, s.batch, s.outChannels, s.outHeight, s.outWidth);
  } finally {
    owned.forEach((b) => b.destroy());
  }
}

function describeShape(s: ConvTranspose2dShape): string {
  return (
    `x=[${s.batch},${s.inChannels},${s.inHeight},${s.inWidth}] oc=${s.outChannels} k=[${s.kernelHeight},${s.kernelWidth}] s=[${s.strideH},${s.strideW}] ` +
    `d=[${s.dilationH},${s.dilationW}] p=[${s.padTop},${s.padLeft},${s.padBottom},${s.padRight}] op=[${s.outputPaddingH},${s.outputPaddingW}] g=${s.groups} → ${s.outHeight}×${s.outWidth}`
  );
}

async function check(strategy: ConvTransposeStrategyName, p: ConvTranspose2dParams, rng: Rng, activation: Activation = 'none', withBias = true, slice?: ChannelSlice): Promise<void> {
  const s = convTranspose2dShape(p);
  const d: Data = {
    x: rng.array(s.batch * s.inChannels * s.inHeight * s.inWidth),
    w: rng.array(s.inChannels * (s.outChannels / s.groups) * s.kernelHeight * s.kernelWidth),
    bias: withBias ? rng.array(s.outChannels) : undefined,
  };
  const { y: expected, outHeight, outWidth } = convTransposeRef(s, d.x, d.w, d.bias, activation);
  expect([outHeight, outWidth]).toEqual([s.outHeight, s.outWidth]);
  const actual = await run(await testContext(), strategy, s, d, activation, slice ?? fullSlice(s.outChannels));
  const l2 = relativeL2(actual, expected);
  const w = (worst[strategy] ??= { l2: 0, configs: 0 });
  w.l2 = Math.max(w.l2, l2);
  w.configs++;
  expect(l2, `${strategy} ${describeShape(s)} ${activation}`).toBeLessThanOrEqual(TOLERANCE);
}

function randomParams(rng: Rng, groupsAllowed: boolean): ConvTranspose2dParams {
  const groups = groupsAllowed ? rng.pick([1, 1, 2, 3]) : 1;
  const kernelHeight = rng.pick([1, 2, 3, 4, 5]);
  const kernelWidth = rng.bool(0.6) ? kernelHeight : rng.pick([1, 2, 3, 5]);
  const strideH = rng.int(1, 3);
  const strideW = rng.bool(0.7) ? strideH : rng.int(1, 3);
  const dilationH = rng.bool(0.25) ? rng.int(2, 3) : 1;
  const dilationW = rng.bool(0.7) ? dilationH : rng.int(1, 2);
  const pad = (k: number, d: number) => rng.int(0, Math.floor((d * (k - 1)) / 2) + (rng.bool(0.1) ? 1 : 0));
  return {
    batch: rng.int(1, 2),
    inChannels: groups * rng.pick([1, 2, 3, 4, 5, 8]),
    inHeight: rng.int(1, 9),
    inWidth: rng.int(1, 9),
    outChannels: groups * rng.pick([1, 2, 3, 4, 5, 7, 9]),
    kernelHeight,
    kernelWidth,
    strideH,
    strideW,
    dilationH,
    dilationW,
    padTop: pad(kernelHeight, dilationH),
    padLeft: pad(kernelWidth, dilationW),
    padBottom: pad(kernelHeight, dilationH),
    padRight: pad(kernelWidth, dilationW),
    outputPaddingH: rng.int(0, Math.max(strideH, dilationH) - 1),
    outputPaddingW: rng.int(0, Math.max(strideW, dilationW) - 1),
    groups,
  };
}

/** The named cases the random ones may miss. */
const BASE: ConvTranspose2dParams = {
  batch: 1, inChannels: 4, inHeight: 5, inWidth: 6, outChannels: 6, kernelHeight: 3, kernelWidth: 3,
  strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, outputPaddingH: 0, outputPaddingW: 0, groups: 1,
};
const NAMED: [string, Partial<ConvTranspose2dParams>][] = [
  ['U-Net 2×2 stride-2 upsampling, batch 2', { batch: 2, inChannels: 16, outChannels: 8, kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2 }],
  ['1×1 kernel, stride 1', { kernelHeight: 1, kernelWidth: 1 }],
  ['1×1 kernel, stride 3 (output holes)', { kernelHeight: 1, kernelWidth: 1, strideH: 3, strideW: 3 }],
  ['5×5 kernel, stride 3, pads 2, output padding 2', { kernelHeight: 5, kernelWidth: 5, strideH: 3, strideW: 3, padTop: 2, padLeft: 2, padBottom: 2, padRight: 2, outputPaddingH: 2, outputPaddingW: 1 }],
  ['asymmetric pads', { strideH: 2, strideW: 2, padTop: 0, padLeft: 2, padBottom: 1, padRight: 0 }],
  ['dilation 2 and 3', { dilationH: 2, dilationW: 3, strideH: 2, padTop: 1, padRight: 2 }],
  ['negative pads (an ONNX output_shape larger than the taps reach)', { strideH: 2, strideW: 3, padTop: -1, padLeft: 0, padBottom: -2, padRight: -1 }],
];
const GROUPED: [string, Partial<ConvTranspose2dParams>][] = [
  ['groups 2', { inChannels: 6, outChannels: 10, groups: 2, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
  ['depthwise (groups = channels)', { inChannels: 5, outChannels: 5, groups: 5, strideH: 2, strideW: 2, kernelHeight: 4, kernelWidth: 4, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }],
];

describe('conv_transpose2d vs the float64 reference', () => {
  for (const strategy of ['direct', 'gemm'] as const) {
    const cases = strategy === 'direct' ? [...NAMED, ...GROUPED] : NAMED;
    for (const [name, o] of cases) {
      it(`${strategy}: ${name}`, async () => {
        await check(strategy, { ...BASE, ...o }, new Rng(name.length * 7919));
      });
    }

    it(`${strategy}: 40 random shapes`, async () => {
      const rng = new Rng(strategy === 'direct' ? 101 : 202);
      for (let i = 0; i < 40; i++) await check(strategy, randomParams(rng, strategy === 'direct'), rng, 'none', rng.bool(0.7));
    });

    it(`${strategy}: fused relu and leaky relu, written into a channel slice`, async () => {
      const rng = new Rng(7);
      await check(strategy, { ...BASE, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 0, padRight: 0, outputPaddingH: 1 }, rng, 'relu', true, { channelStride: 11, channelOffset: 3 });
      await check(strategy, { ...BASE, batch: 2, kernelHeight: 4, kernelWidth: 4, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 }, rng, 'leaky_relu', false);
    });
  }
});

describe('conv_transpose2d refuses bad parameters', () => {
  it('names the parameter', () => {
    expect(() => convTranspose2dShape({ ...BASE, strideH: 0 })).toThrow(InvalidParameterError);
    expect(() => convTranspose2dShape({ ...BASE, strideH: 0 })).toThrow('strideH');
    expect(() => convTranspose2dShape({ ...BASE, groups: 4, outChannels: 6 })).toThrow('4 groups do not divide 6 output channels');
    expect(() => convTranspose2dShape({ ...BASE, outputPaddingW: -1 })).toThrow('outputPaddingW');
    expect(() => convTranspose2dShape({ ...BASE, inHeight: 1, kernelHeight: 1, padTop: 1 })).toThrow('leave a 0×8 output');
  });

  it('the GEMM strategy refuses groups and a column buffer past one binding', () => {
    const grouped = convTranspose2dShape({ ...BASE, inChannels: 6, outChannels: 6, groups: 2 });
    expect(convTransposeUnsupportedReason('gemm', grouped)).toMatch('groups = 1 only');
    const f = {} as GPUBuffer;
    expect(() => convTranspose2d('gemm', grouped, { input: f, weight: f, output: f, scratch: f, unused: f })).toThrow(UnsupportedConfigurationError);
    const s = convTranspose2dShape(BASE);
    expect(convTransposeUnsupportedReason('gemm', s, 1000)).toMatch('exceeds one storage binding');
    expect(convTransposeUnsupportedReason('direct', s, 1000)).toBeUndefined();
  });
});
