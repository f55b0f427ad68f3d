/**
 * pool2d over every combination of the window options ONNX allows: max and
 * average × dilation (1 or more) × count_include_pad × ceil_mode × three pad
 * classes (within half the kernel, past half but under the kernel, as large
 * as the kernel or more), on random shapes with batch 2 and odd sizes,
 * strides that differ from the kernel and asymmetric pads; against the
 * float64 references of test/reference/pool2d.ts. Windows with no real
 * element (large pads, dilation) must be −inf for max and NaN for an average
 * without count_include_pad, exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { pool2d, pool2dShape, type Pool2dParams, type PoolOp } from '../../src/kernels/pool2d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { avgPool2dRef, dilatedAvgPool2dRef, maxPool2dRef, pooledSize, type PoolRefConfig } from '../reference/pool2d.js';

// measured worst |gpu − float64| on SwiftShader: 8.8e-8 (values in [−1, 1), windows of ≤ 16 taps)
const TOLERANCE = 3e-7;
const CONFIGS_PER_COMBINATION = 3;
const ODD_SIZES = [1, 3, 5, 7, 9, 11, 13];
const CHANNELS = [1, 3, 5, 7, 67];

type PadClass = 'half' | 'past-half' | 'past-kernel';
const PAD_CLASSES: readonly PadClass[] = ['half', 'past-half', 'past-kernel'];

interface Combination {
  op: PoolOp;
  dilated: boolean;
  countIncludePad: boolean;
  ceilMode: boolean;
  pads: PadClass;
}

const COMBINATIONS: Combination[] = (['max', 'average'] as const).flatMap((op) =>
  [false, true].flatMap((dilated) =>
    (op === 'max' ? [false] : [false, true]).flatMap((countIncludePad) =>
      [false, true].flatMap((ceilMode) => PAD_CLASSES.map((pads) => ({ op, dilated, countIncludePad, ceilMode, pads }))),
    ),
  ),
);

const label = (m: Combination) =>
  `${m.op} ${m.dilated ? 'dilated' : 'undilated'}${m.op === 'average' ? ` count_include_pad=${+m.countIncludePad}` : ''} ceil=${+m.ceilMode} pads ${m.pads}`;

/** A pad for one side of a kernel-k axis in the class (past-half needs k ≥ 3, which the caller ensures). */
function sidePad(rng: Rng, k: number, pads: PadClass): number {
  if (pads === 'half') return rng.int(0, k >> 1);
  if (pads === 'past-half') return rng.int((k >> 1) + 1, k - 1);
  return rng.int(k, k + 2);
}

function randomConfig(rng: Rng, m: Combination): PoolRefConfig {
  for (;;) {
    // past-half pads exist only for kernels of 3 or more
    const minKernel = m.pads === 'past-half' ? 3 : 1;
    const kernelH = rng.int(minKernel, 4);
    const kernelW = rng.int(minKernel, 4);
    const c: PoolRefConfig = {
      batch: 2,
      channels: rng.pick(CHANNELS),
      height: rng.pick(ODD_SIZES),
      width: rng.pick(ODD_SIZES),
      kernelH,
      kernelW,
      strideH: rng.int(1, 3),
      strideW: rng.int(1, 3),
      padTop: sidePad(rng, kernelH, m.pads),
      padBottom: sidePad(rng, kernelH, m.pads),
      padLeft: sidePad(rng, kernelW, m.pads),
      padRight: sidePad(rng, kernelW, m.pads),
      dilationH: m.dilated ? rng.int(1, 3) : 1,
      dilationW: m.dilated ? rng.int(2, 3) : 1,
      ceilMode: m.ceilMode,
      countIncludePad: m.countIncludePad,
    };
    if (c.dilationH * (c.kernelH - 1) + 1 > c.height + c.padTop + c.padBottom) continue;
    if (c.dilationW * (c.kernelW - 1) + 1 > c.width + c.padLeft + c.padRight) continue;
    return c;
  }
}

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

const geometry = (c: PoolRefConfig) =>
  `x=[${c.batch},${c.channels},${c.height},${c.width}] f=[${c.kernelH},${c.kernelW}] s=[${c.strideH},${c.strideW}] ` +
  `p=[${c.padTop},${c.padBottom},${c.padLeft},${c.padRight}] d=[${c.dilationH},${c.dilationW}]`;

async function runPool(op: PoolOp, c: PoolRefConfig, x: Float32Array): Promise<Float32Array> {
  const { outH, outW } = pooledSize(c);
  expect([pool2dShape(toParams(c)).outHeight, pool2dShape(toParams(c)).outWidth], `output size ${geometry(c)}`).toEqual([outH, outW]);
  const xNhwc = Float32Array.from(nchwToNhwcRef(x, c.batch, c.channels, c.height, c.width));
  const y = await runKernel(await testContext(), { x: xNhwc }, c.batch * outH * outW * c.channels, (b, out) => [pool2d(op, toParams(c), b.x!, out)]);
  return Float32Array.from(nhwcToNchwRef(y, c.batch, c.channels, outH, outW));
}

/** Max |actual − expected| over finite expectations; non-finite ones (−inf, NaN) must match exactly. */
function compare(actual: Float32Array, expected: Float64Array, what: string): { error: number; nonFinite: number } {
  expect(actual.length, what).toBe(expected.length);
  let error = 0;
  let nonFinite = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (Number.isFinite(e)) error = Math.max(error, Math.abs(actual[i]! - e));
    else {
      nonFinite++;
      expect(Object.is(actual[i], e), `${what}: element ${i} is ${actual[i]}, the reference ${e}`).toBe(true);
    }
  }
  return { error, nonFinite };
}

let worst = 0;
afterAll(() => console.log(`[pool windows] worst |gpu − float64| ${worst.toExponential(2)}`));

describe('pool2d window combinations vs float64 reference', () => {
  for (const [index, m] of COMBINATIONS.entries()) {
    it(label(m), async () => {
      const rng = new Rng(40_000 + index);
      const traits = { emptyWindows: 0, strideNotKernel: 0, asymmetric: 0 };
      for (let i = 0; i < CONFIGS_PER_COMBINATION; i++) {
        const c = randomConfig(rng, m);
        const x = rng.array(c.batch * c.channels * c.height * c.width);
        const expected = m.op === 'max' ? maxPool2dRef(x, c) : avgPool2dRef(x, c);
        const { error, nonFinite } = compare(await runPool(m.op, c, x), expected, `${label(m)} ${geometry(c)}`);
        worst = Math.max(worst, error);
        expect(error, `${label(m)} ${geometry(c)}`).toBeLessThanOrEqual(TOLERANCE);
        if (nonFinite) traits.emptyWindows++;
        if (c.strideH !== c.kernelH || c.strideW !== c.kernelW) traits.strideNotKernel++;
        if (c.padTop !== c.padBottom || c.padLeft !== c.padRight) traits.asymmetric++;
      }
      // pads past the kernel leave windows of padding only (count_include_pad averages them to 0)
      if (m.pads === 'past-kernel' && !(m.op === 'average' && m.countIncludePad)) expect(traits.emptyWindows).toBeGreaterThan(0);
      expect(traits.strideNotKernel + traits.asymmetric).toBeGreaterThan(0);
    });
  }
});

describe('pooling windows on hand-checked cases', () => {
  it('an average of a dilated window divides by its taps in the padded input (ONNX AveragePool-19)', async () => {
    // x = 1..5, k=3, d=2, pads [1, 2]: windows start at −1, 0, 1, 2 (ONNX Runtime 1.30 gives the same)
    const c: PoolRefConfig = {
      batch: 1, channels: 1, height: 1, width: 5, kernelH: 1, kernelW: 3, strideH: 1, strideW: 1,
      padTop: 0, padBottom: 0, padLeft: 1, padRight: 2, dilationH: 1, dilationW: 2, ceilMode: false, countIncludePad: true,
    };
    const x = new Float32Array([1, 2, 3, 4, 5]);
    expect(Array.from(await runPool('average', c, x))).toEqual([2, 3, 2, 8 / 3].map(Math.fround));
    expect(Array.from(await runPool('average', { ...c, countIncludePad: false }, x))).toEqual([3, 3, 3, 4]);
  });

  it('pads past the kernel: max −inf and average NaN on windows of padding only, count_include_pad 0 there', async () => {
    // x = 1..4, k=2, pads [3, 3]: windows start at −3 … 3
    const c: PoolRefConfig = {
      batch: 1, channels: 1, height: 1, width: 4, kernelH: 1, kernelW: 2, strideH: 1, strideW: 1,
      padTop: 0, padBottom: 0, padLeft: 3, padRight: 3, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: false,
    };
    const x = new Float32Array([1, 2, 3, 4]);
    expect(Array.from(await runPool('max', c, x))).toEqual([-Infinity, -Infinity, 1, 2, 3, 4, 4, -Infinity, -Infinity]);
    expect(Array.from(await runPool('average', c, x))).toEqual([NaN, NaN, 1, 1.5, 2.5, 3.5, 4, NaN, NaN]);
    expect(Array.from(await runPool('average', { ...c, countIncludePad: true }, x))).toEqual([0, 0, 0.5, 1.5, 2.5, 3.5, 2, 0, 0]);
  });

  it("a ceil-mode window hanging past the padded edge counts only its part inside (ONNX Runtime's divisor)", async () => {
    // x = 1..6, k=3, s=2, pads [1, 1], ceil: the last window starts at 5 and covers 6 (real), a pad and nothing
    const c: PoolRefConfig = {
      batch: 1, channels: 1, height: 1, width: 6, kernelH: 1, kernelW: 3, strideH: 1, strideW: 2,
      padTop: 0, padBottom: 0, padLeft: 1, padRight: 1, dilationH: 1, dilationW: 1, ceilMode: true, countIncludePad: true,
    };
    expect(Array.from(await runPool('average', c, new Float32Array([1, 2, 3, 4, 5, 6])))).toEqual([1, 3, 5, 3]);
  });

  it("the two average references agree where both apply (PyTorch's clipped window, ONNX's taps)", () => {
    const rng = new Rng(41);
    for (let i = 0; i < 40; i++) {
      const m: Combination = { op: 'average', dilated: false, countIncludePad: rng.bool(), ceilMode: rng.bool(), pads: rng.pick(['half', 'past-half'] as const) };
      const c = randomConfig(rng, m);
      const x = rng.array(c.batch * c.channels * c.height * c.width);
      const a = avgPool2dRef(x, c);
      const b = dilatedAvgPool2dRef(x, c);
      for (let j = 0; j < a.length; j++) expect(Math.abs(a[j]! - b[j]!), geometry(c)).toBeLessThanOrEqual(1e-12);
    }
  });
});
