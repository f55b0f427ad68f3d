import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import type { ChannelSlice } from '../../src/kernels/conv2d_shape.js';
import { globalAvgPool } from '../../src/kernels/global_avg_pool.js';
import { pool2d, pool2dShape, poolOutputSize, type Pool2dParams, type PoolOp } from '../../src/kernels/pool2d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { avgPool2dRef, globalAvgPoolRef, maxPool2dRef, pooledSize, type PoolRefConfig } from '../reference/pool2d.js';

const SENTINEL = 1234.5;
const worst: Record<string, { l2: number; configs: number }> = {};

function record(kind: string, l2: number): void {
  const w = (worst[kind] ??= { l2: 0, configs: 0 });
  w.l2 = Math.max(w.l2, l2);
  w.configs++;
}

afterAll(() => {
  for (const [kind, w] of Object.entries(worst)) console.log(`[pool2d] ${kind}: ${w.configs} configs, worst relative L2 ${w.l2.toExponential(2)}`);
});

function toParams(c: PoolRefConfig): Pool2dParams {
  return {
    batch: c.batch,
    inHeight: c.height,
    inWidth: c.width,
    channels: c.channels,
    kernelHeight: c.kernelH,
    kernelWidth: c.kernelW,
    strideH: c.strideH,
    strideW: c.strideW,
    dilationH: c.dilationH,
    dilationW: c.dilationW,
    padTop: c.padTop,
    padBottom: c.padBottom,
    padLeft: c.padLeft,
    padRight: c.padRight,
    ceilMode: c.ceilMode,
    countIncludePad: c.countIncludePad,
  };
}

/** Geometry as a test name: x=[n,c,h,w] f=[kh,kw] s=[sh,sw] p=[t,b,l,r] … */
function describeConfig(op: PoolOp, c: PoolRefConfig, slice?: ChannelSlice): string {
  return (
    `${op} x=[${c.batch},${c.channels},${c.height},${c.width}] f=[${c.kernelH},${c.kernelW}] s=[${c.strideH},${c.strideW}] ` +
    `p=[${c.padTop},${c.padBottom},${c.padLeft},${c.padRight}] d=[${c.dilationH},${c.dilationW}] ceil=${c.ceilMode}` +
    (op === 'average' ? ` countIncludePad=${c.countIncludePad}` : '') +
    (slice ? ` slice=${slice.channelOffset}/${slice.channelStride}` : '')
  );
}

/** Takes channels [offset, offset + channels) of every pixel of an NHWC buffer; checks the rest kept the sentinel. */
function extractSlice(y: Float32Array, pixels: number, channels: number, slice: ChannelSlice): Float32Array {
  const out = new Float32Array(pixels * channels);
  let untouched = true;
  for (let p = 0; p < pixels; p++)
    for (let k = 0; k < slice.channelStride; k++) {
      const v = y[p * slice.channelStride + k]!;
      if (k >= slice.channelOffset && k < slice.channelOffset + channels) out[p * channels + k - slice.channelOffset] = v;
      else if (v !== SENTINEL) untouched = false;
    }
  expect(untouched, 'channels outside the slice were written').toBe(true);
  return out;
}

/** Runs one pooling config on the GPU (NHWC) and returns the result in NCHW with the float64 reference. */
async function runPool(op: PoolOp, c: PoolRefConfig, x: Float32Array, slice?: ChannelSlice): Promise<{ actual: Float32Array; expected: Float64Array }> {
  const ctx = await testContext();
  const { outH, outW } = pooledSize(c);
  const shape = pool2dShape(toParams(c));
  expect([shape.outHeight, shape.outWidth]).toEqual([outH, outW]);
  const xNhwc = Float32Array.from(nchwToNhwcRef(x, c.batch, c.channels, c.height, c.width));
  const pixels = c.batch * outH * outW;
  const stride = slice?.channelStride ?? c.channels;
  const initial = slice ? new Float32Array(pixels * stride).fill(SENTINEL) : undefined;
  const y = await runKernel(ctx, { x: xNhwc }, pixels * stride, (b, out) => [pool2d(op, toParams(c), b.x!, out, slice)], initial);
  const yNhwc = slice ? extractSlice(y, pixels, c.channels, slice) : y;
  const actual = Float32Array.from(nhwcToNchwRef(yNhwc, c.batch, c.channels, outH, outW));
  const expected = op === 'max' ? maxPool2dRef(x, c) : avgPool2dRef(x, c);
  return { actual, expected };
}

async function checkPool(op: PoolOp, c: PoolRefConfig, x: Float32Array, slice?: ChannelSlice, note = ''): Promise<void> {
  const { actual, expected } = await runPool(op, c, x, slice);
  const l2 = relativeL2(actual, expected);
  record(op, l2);
  expect(l2, `${describeConfig(op, c, slice)} ${note}`.trim()).toBeLessThanOrEqual(F32_TOLERANCE);
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 19, 20];
const CHANNELS = [1, 2, 3, 4, 5, 7, 64, 67];

/** A valid random config (the window fits the padded input; no max window is all padding). */
function randomConfig(rng: Rng, op: PoolOp): PoolRefConfig {
  for (;;) {
    const kernelH = rng.int(1, 5);
    const kernelW = rng.bool(0.6) ? kernelH : rng.int(1, 5);
    const symmetric = rng.bool(0.4);
    const padH = rng.int(0, kernelH >> 1);
    const padW = rng.int(0, kernelW >> 1);
    const dilated = op === 'max' && rng.bool(0.15);
    const c: PoolRefConfig = {
      batch: rng.int(1, 3),
      channels: rng.pick(CHANNELS),
      height: rng.pick(SIZES),
      width: rng.pick(SIZES),
      kernelH,
      kernelW,
      strideH: rng.int(1, 3),
      strideW: rng.int(1, 3),
      padTop: padH,
      padBottom: symmetric ? padH : rng.int(0, kernelH >> 1),
      padLeft: padW,
      padRight: symmetric ? padW : rng.int(0, kernelW >> 1),
      dilationH: dilated ? rng.int(1, 3) : 1,
      dilationW: dilated ? rng.int(1, 3) : 1,
      ceilMode: rng.bool(),
      countIncludePad: rng.bool(),
    };
    if (c.dilationH * (c.kernelH - 1) + 1 > c.height + c.padTop + c.padBottom) continue;
    if (c.dilationW * (c.kernelW - 1) + 1 > c.width + c.padLeft + c.padRight) continue;
    if (op === 'max' && maxPool2dRef(new Float32Array(c.batch * c.channels * c.height * c.width), c).some((v) => !Number.isFinite(v))) continue;
    return c;
  }
}

const CONFIGS_PER_TEST = 25;
const TESTS_PER_OP = 7;

interface RandomCase {
  seed: number;
  c: PoolRefConfig;
  slice: ChannelSlice | undefined;
  /** The case's own generator, already past the config: it draws the input next. */
  rng: Rng;
}

function randomCases(op: PoolOp): RandomCase[] {
  return Array.from({ length: TESTS_PER_OP * CONFIGS_PER_TEST }, (_, i) => {
    // one seed per config, so a failure names the seed that reproduces it
    const seed = (op === 'max' ? 10_000 : 20_000) + i;
    const rng = new Rng(seed);
    const c = randomConfig(rng, op);
    const offset = rng.bool(0.25) ? rng.int(0, 5) : undefined;
    const slice = offset === undefined ? undefined : { channelOffset: offset, channelStride: c.channels + offset + rng.int(0, 4) };
    return { seed, c, slice, rng };
  });
}

/** What the random configs exercise along one axis (n, k, s, padBefore, padAfter, d). */
function axisTraits(n: number, k: number, s: number, before: number, after: number, d: number, ceilMode: boolean) {
  const floorOut = Math.floor((n + before + after - d * (k - 1) - 1) / s) + 1;
  const rawCeilOut = Math.ceil((n + before + after - d * (k - 1) - 1) / s) + 1;
  const out = poolOutputSize(n, k, s, before, after, d, ceilMode);
  return {
    ceilAddsWindow: ceilMode && out > floorOut,
    ceilDropsWindow: ceilMode && out < rawCeilOut,
    // the last window hangs past the padded input, so count_include_pad's divisor is clipped
    lastWindowClipped: (out - 1) * s - before + d * (k - 1) + 1 > n + after,
  };
}

for (const op of ['max', 'average'] as const) {
  describe(`${op} pool2d vs float64 reference (NCHW)`, () => {
    const cases = randomCases(op);

    it('the random configs cover the edge cases', () => {
      const count = (f: (r: RandomCase) => boolean) => cases.filter(f).length;
      const axes = ({ c }: RandomCase) => [
        axisTraits(c.height, c.kernelH, c.strideH, c.padTop, c.padBottom, c.dilationH, c.ceilMode),
        axisTraits(c.width, c.kernelW, c.strideW, c.padLeft, c.padRight, c.dilationW, c.ceilMode),
      ];
      expect(count((r) => axes(r).some((a) => a.ceilAddsWindow))).toBeGreaterThanOrEqual(10);
      expect(count((r) => axes(r).some((a) => a.ceilDropsWindow))).toBeGreaterThanOrEqual(10);
      expect(count((r) => r.c.countIncludePad && axes(r).some((a) => a.lastWindowClipped))).toBeGreaterThanOrEqual(5);
      expect(count(({ c }) => c.padTop !== c.padBottom || c.padLeft !== c.padRight)).toBeGreaterThanOrEqual(30);
      expect(count(({ c }) => c.kernelH !== c.kernelW)).toBeGreaterThanOrEqual(20);
      expect(count(({ c }) => c.channels >= 64)).toBeGreaterThanOrEqual(20);
      expect(count(({ c }) => c.height === 1 || c.width === 1)).toBeGreaterThanOrEqual(2);
      expect(count(({ c }) => c.batch > 1)).toBeGreaterThanOrEqual(50);
      expect(count(({ slice }) => slice !== undefined)).toBeGreaterThanOrEqual(20);
      if (op === 'max') expect(count(({ c }) => c.dilationH > 1 || c.dilationW > 1)).toBeGreaterThanOrEqual(5);
    });

    for (let t = 0; t < TESTS_PER_OP; t++) {
      const first = t * CONFIGS_PER_TEST;
      it(`random configs ${first}–${first + CONFIGS_PER_TEST - 1}`, async () => {
        for (const { seed, c, slice, rng } of cases.slice(first, first + CONFIGS_PER_TEST)) {
          await checkPool(op, c, rng.array(c.batch * c.channels * c.height * c.width), slice, `seed=${seed}`);
        }
      });
    }
  });
}

function square(batch: number, channels: number, size: number, k: number, s: number, pad: number, ceilMode: boolean, countIncludePad = false): PoolRefConfig {
  return {
    batch,
    channels,
    height: size,
    width: size,
    kernelH: k,
    kernelW: k,
    strideH: s,
    strideW: s,
    padTop: pad,
    padBottom: pad,
    padLeft: pad,
    padRight: pad,
    dilationH: 1,
    dilationW: 1,
    ceilMode,
    countIncludePad,
  };
}

describe('pooling on known shapes', () => {
  // the course's max pool example: f=2, s=2 on a 4×4 keeps each window's maximum
  const course = new Float32Array([1, 3, 2, 1, 2, 9, 1, 1, 1, 3, 2, 3, 5, 6, 1, 2]);

  it('course example: max pool f=2 s=2 on 4×4 → [[9, 2], [6, 3]]', async () => {
    const { actual } = await runPool('max', square(1, 1, 4, 2, 2, 0, false), course);
    expect(Array.from(actual)).toEqual([9, 2, 6, 3]);
  });

  it('course example: average pool f=2 s=2 on 4×4 → window means', async () => {
    const { actual } = await runPool('average', square(1, 1, 4, 2, 2, 0, false), course);
    expect(Array.from(actual)).toEqual([3.75, 1.25, 3.75, 2]);
  });

  it('GoogLeNet max pools, 3×3/s2 ceil mode: 112 → 56 → 28 → 14, then 2×2/s2 ceil: 14 → 7', async () => {
    const rng = new Rng(112);
    const chain: [number, number, number, number, number][] = [
      [64, 112, 3, 2, 56],
      [192, 56, 3, 2, 28],
      [480, 28, 3, 2, 14],
      [832, 14, 2, 2, 7],
    ];
    for (const [channels, size, k, s, expectedOut] of chain) {
      const c = square(1, channels, size, k, s, 0, true);
      expect(pooledSize(c).outH).toBe(expectedOut);
      await checkPool('max', c, rng.array(channels * size * size));
    }
  });

  it("GoogLeNet inception branch 4: max pool 3×3/s1 p1 ceil into the concat's channel slice", async () => {
    const rng = new Rng(3);
    // inception 3a: 192 channels in, the pool branch's 1×1 conv comes after, so pool straight into a slice for the test
    const c = square(1, 192, 28, 3, 1, 1, true);
    await checkPool('max', c, rng.array(192 * 28 * 28), { channelOffset: 64, channelStride: 256 + 64 });
  });

  it('AlexNet max pools, 3×3/s2: 55 → 27 → 13 → 6', async () => {
    const rng = new Rng(55);
    const chain: [number, number, number][] = [
      [64, 55, 27],
      [192, 27, 13],
      [256, 13, 6],
    ];
    for (const [channels, size, expectedOut] of chain) {
      const c = square(1, channels, size, 3, 2, 0, false);
      expect(pooledSize(c).outH).toBe(expectedOut);
      await checkPool('max', c, rng.array(channels * size * size));
    }
  });

  it('Inception-v3 style average pool 3×3/s1 p1, count_include_pad on and off', async () => {
    const rng = new Rng(35);
    for (const countIncludePad of [true, false]) {
      await checkPool('average', square(2, 67, 17, 3, 1, 1, false, countIncludePad), rng.array(2 * 67 * 17 * 17));
    }
  });

  it('ceil mode drops a last window that would start in the right padding', async () => {
    // n=5, k=2, s=3, p=1: windows start at −1, 2, and 5 — the last lies wholly in the padding
    expect(poolOutputSize(5, 2, 3, 1, 1, 1, true)).toBe(2);
    expect(poolOutputSize(5, 2, 3, 1, 1, 1, false)).toBe(2);
    expect(poolOutputSize(5, 2, 2, 0, 0, 1, true)).toBe(3);
    expect(poolOutputSize(5, 2, 2, 0, 0, 1, false)).toBe(2);
    const rng = new Rng(5);
    for (const op of ['max', 'average'] as const) {
      for (const countIncludePad of [true, false]) {
        await checkPool(op, square(1, 3, 5, 2, 3, 1, true, countIncludePad), rng.array(3 * 25));
        await checkPool(op, square(2, 5, 5, 2, 2, 0, true, countIncludePad), rng.array(2 * 5 * 25));
      }
    }
  });

  it('a dilated max window that holds only padding gives −inf, as PyTorch does', async () => {
    // width 2, k=2, d=3, p=1: the only window reads columns −1 and 2
    const c: PoolRefConfig = { ...square(1, 3, 1, 1, 1, 0, false), width: 2, kernelW: 2, dilationW: 3, padLeft: 1, padRight: 1 };
    const { actual, expected } = await runPool('max', c, new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(Array.from(expected)).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(Array.from(actual)).toEqual([-Infinity, -Infinity, -Infinity]);
  });

  it('max pool passes −inf and large values through', async () => {
    const x = new Float32Array([-Infinity, -Infinity, -Infinity, -Infinity, 3e38, -3e38, 1, 0]);
    const { actual } = await runPool('max', { ...square(1, 2, 2, 2, 2, 0, false) }, x);
    expect(Array.from(actual)).toEqual([-Infinity, 3e38].map(Math.fround));
  });
});

describe('pool2d parameter errors', () => {
  const fake = {} as GPUBuffer;
  const base: Pool2dParams = { batch: 1, inHeight: 8, inWidth: 8, channels: 3, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2 };

  function expectParamError(p: Partial<Pool2dParams>, parameter: string, op: PoolOp = 'max'): void {
    let caught: unknown;
    try {
      pool2d(op, { ...base, ...p }, fake, fake);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidParameterError);
    expect((caught as InvalidParameterError).parameter).toBe(parameter);
  }

  it('rejects non-positive kernels and strides', () => {
    expectParamError({ kernelHeight: 0 }, 'kernelHeight');
    expectParamError({ kernelWidth: -1 }, 'kernelWidth');
    expectParamError({ strideH: 0 }, 'strideH');
    expectParamError({ strideW: 1.5 }, 'strideW');
    expectParamError({ batch: 0 }, 'batch');
    expectParamError({ channels: 0 }, 'channels');
    expectParamError({ dilationW: 0 }, 'dilationW');
  });

  it('rejects negative padding, naming the side or the symmetric pad', () => {
    expectParamError({ pad: -1 }, 'pad');
    expectParamError({ padLeft: -1 }, 'padLeft');
    expectParamError({ padBottom: -2 }, 'padBottom');
  });

  it("accepts padding beyond half the kernel (ONNX allows what PyTorch does not)", () => {
    expect(pool2dShape({ ...base, pad: 2 }).outHeight).toBe(5);
    expect(pool2dShape({ ...base, kernelWidth: 2, padRight: 2 }).outWidth).toBe(5);
    expect(pool2dShape({ ...base, kernelHeight: 1, padTop: 1 }).outHeight).toBe(5);
  });

  it('rejects a window larger than the padded input', () => {
    expectParamError({ inHeight: 2, kernelHeight: 3 }, 'kernelHeight');
    expectParamError({ inWidth: 1, kernelWidth: 3, pad: 0 }, 'kernelWidth');
    expectParamError({ inWidth: 4, kernelWidth: 3, dilationW: 2 }, 'kernelWidth');
    expect(() => pool2dShape({ ...base, inWidth: 1, kernelWidth: 3, padLeft: 1, padRight: 1 })).not.toThrow();
  });

  it('accepts dilation for average pooling (ONNX AveragePool-19)', () => {
    expect(() => pool2d('average', { ...base, dilationH: 2 }, fake, fake)).not.toThrow();
    expect(() => pool2d('max', { ...base, dilationW: 2 }, fake, fake)).not.toThrow();
  });

  it('rejects a channel slice that does not fit', () => {
    expect(() => pool2d('max', base, fake, fake, { channelOffset: 2, channelStride: 4 })).toThrow(InvalidParameterError);
    expect(() => pool2d('average', base, fake, fake, { channelOffset: -1, channelStride: 4 })).toThrow(InvalidParameterError);
    expect(() => globalAvgPool({ batch: 1, height: 2, width: 2, channels: 3 }, fake, fake, { channelOffset: 1, channelStride: 3 })).toThrow(InvalidParameterError);
  });

  it('global average pool rejects empty shapes', () => {
    expect(() => globalAvgPool({ batch: 1, height: 0, width: 2, channels: 3 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => globalAvgPool({ batch: 1, height: 2, width: 2, channels: 2.5 }, fake, fake)).toThrow(InvalidParameterError);
  });
});

describe('global average pool vs float64 reference', () => {
  async function checkGlobal(batch: number, channels: number, height: number, width: number, rng: Rng, slice?: ChannelSlice): Promise<void> {
    const ctx = await testContext();
    const x = rng.array(batch * channels * height * width);
    const xNhwc = Float32Array.from(nchwToNhwcRef(x, batch, channels, height, width));
    const stride = slice?.channelStride ?? channels;
    const initial = slice ? new Float32Array(batch * stride).fill(SENTINEL) : undefined;
    const y = await runKernel(ctx, { x: xNhwc }, batch * stride, (b, out) => [globalAvgPool({ batch, height, width, channels }, b.x!, out, slice)], initial);
    const actual = slice ? extractSlice(y, batch, channels, slice) : y;
    const l2 = relativeL2(actual, globalAvgPoolRef(x, batch, channels, height, width));
    record('global average', l2);
    expect(l2, `x=[${batch},${channels},${height},${width}]` + (slice ? ` slice=${slice.channelOffset}/${slice.channelStride}` : '')).toBeLessThanOrEqual(F32_TOLERANCE);
  }

  it('random shapes', async () => {
    for (let i = 0; i < 40; i++) {
      const rng = new Rng(30_000 + i);
      const batch = rng.int(1, 3);
      const channels = rng.pick([1, 3, 5, 64, 67, 130]);
      const slice = rng.bool(0.3) ? { channelOffset: rng.int(0, 7), channelStride: 0 } : undefined;
      if (slice) slice.channelStride = channels + slice.channelOffset + rng.int(0, 5);
      await checkGlobal(batch, channels, rng.pick(SIZES), rng.pick(SIZES), rng, slice);
    }
  });

  it("the zoo's heads: GoogLeNet 7×7×1024, ResNet-50 7×7×2048, MobileNet-v2 7×7×1280", async () => {
    const rng = new Rng(7);
    await checkGlobal(2, 1024, 7, 7, rng);
    await checkGlobal(1, 2048, 7, 7, rng);
    await checkGlobal(1, 1280, 7, 7, rng, { channelOffset: 0, channelStride: 1280 });
  });
});
