/**
 * The resize kernel (shaders/resize.wgsl + the sampling tables of
 * src/kernels/resize.ts) against the float64 ONNX Resize reference, on
 * random shapes, up- and downsampling, integer and non-integer scales and
 * sizes, every mode × coordinate transform × nearest mode, cubic's A and
 * exclude_outside, tf_crop_and_resize's region and extrapolation.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import {
  COORDINATE_TRANSFORMS,
  NEAREST_MODES,
  RESIZE_MODES,
  resize2d,
  resizeTable,
  type CoordinateTransform,
  type ResizeMode,
} from '../../src/kernels/resize.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { resizeRef, resizedSize, type ResizeRefConfig } from '../reference/resize.js';

// measured worst |GPU − float64| over every config below: 2.6e-7 (f32 weights and sums of inputs in [-1, 1])
const TOLERANCE = 1e-6;
const SENTINEL = 1234.5;
let worst = 0;
let configs = 0;

afterAll(() => console.log(`[resize] ${configs} configs, worst max |d| ${worst.toExponential(2)}`));

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

function describeConfig(dims: readonly number[], c: ResizeRefConfig): string {
  const size = c.scales ? `scales=[${c.scales.join(',')}]` : `sizes=[${c.sizes!.join(',')}]`;
  const cubic = c.mode === 'cubic' ? ` A=${c.cubicCoeffA} exclude=${c.excludeOutside}` : '';
  const roi = c.roi ? ` roi=[${c.roi.map((r) => r.toFixed(2)).join(',')}] extrapolation=${c.extrapolationValue}` : '';
  return `x=[${dims.join(',')}] ${size} ${c.mode} ${c.coordinateTransform}${c.mode === 'nearest' ? ` ${c.nearestMode}` : ''}${cubic}${roi}`;
}

/** Runs one config on the GPU, in a channel slice of a wider output when `slice` is set, and checks it against the reference. */
async function check(rng: Rng, dims: readonly [number, number, number, number], c: ResizeRefConfig, slice?: { channelStride: number; channelOffset: number }): Promise<void> {
  const [batch, channels, inHeight, inWidth] = dims;
  const [outHeight, outWidth] = resizedSize(inHeight, inWidth, c);
  const x = rng.array(batch * channels * inHeight * inWidth);
  const sampling = { mode: c.mode, coordinateTransform: c.coordinateTransform, nearestMode: c.nearestMode, cubicCoeffA: c.cubicCoeffA, excludeOutside: c.excludeOutside };
  const roi = c.roi ?? [0, 0, 1, 1];
  const rows = resizeTable({ inLength: inHeight, outLength: outHeight, scale: c.scales?.[0], roiStart: roi[0], roiEnd: roi[2] }, sampling);
  const cols = resizeTable({ inLength: inWidth, outLength: outWidth, scale: c.scales?.[1], roiStart: roi[1], roiEnd: roi[3] }, sampling);
  const pixels = batch * outHeight * outWidth;
  const stride = slice?.channelStride ?? channels;
  const initial = slice ? new Float32Array(pixels * stride).fill(SENTINEL) : undefined;
  const y = await runKernel(
    await testContext(),
    { x: Float32Array.from(nchwToNhwcRef(x, batch, channels, inHeight, inWidth)), rows, cols },
    pixels * stride,
    (b, output) => [resize2d({ batch, channels, inHeight, inWidth, outHeight, outWidth, mode: c.mode, extrapolationValue: c.extrapolationValue }, { input: b.x!, rows: b.rows!, cols: b.cols!, output }, slice)],
    initial,
  );
  let nhwc = y;
  if (slice) {
    nhwc = new Float32Array(pixels * channels);
    for (let p = 0; p < pixels; p++)
      for (let k = 0; k < stride; k++) {
        const v = y[p * stride + k]!;
        if (k >= slice.channelOffset && k < slice.channelOffset + channels) nhwc[p * channels + k - slice.channelOffset] = v;
        else expect(v, 'a channel outside the slice was written').toBe(SENTINEL);
      }
  }
  const actual = nhwcToNchwRef(nhwc, batch, channels, outHeight, outWidth);
  const { y: expected } = resizeRef(x, dims, c);
  const d = maxAbsDiff(actual, expected);
  worst = Math.max(worst, d);
  configs++;
  expect(d, describeConfig(dims, c)).toBeLessThanOrEqual(TOLERANCE);
}

const SCALES = [0.5, 0.6, 0.75, 0.8, 1, 1.5, 1.7, 2, 2.5, 3];

function randomConfig(rng: Rng, mode: ResizeMode, transform: CoordinateTransform): { dims: [number, number, number, number]; c: ResizeRefConfig } {
  for (;;) {
    const dims: [number, number, number, number] = [rng.int(1, 2), rng.pick([1, 3, 4, 5]), rng.int(1, 9), rng.int(1, 9)];
    const useScales = rng.bool();
    const crop = transform === 'tf_crop_and_resize';
    const c: ResizeRefConfig = {
      mode,
      coordinateTransform: transform,
      nearestMode: rng.pick(NEAREST_MODES),
      cubicCoeffA: rng.pick([-0.75, -0.5, -0.6]),
      excludeOutside: rng.bool(),
      extrapolationValue: crop ? rng.pick([0, 10, -2.5]) : 0,
      // a region that may leave the input on either side
      ...(crop ? { roi: [rng.next() * 0.6 - 0.2, rng.next() * 0.6 - 0.2, 0.5 + rng.next() * 0.8, 0.5 + rng.next() * 0.8] as const } : {}),
      // float32 scales, as ONNX holds them
      ...(useScales ? { scales: [Math.fround(rng.pick(SCALES)), Math.fround(rng.pick(SCALES))] as const } : { sizes: [rng.int(1, 13), rng.int(1, 13)] as const }),
    };
    const [oh, ow] = resizedSize(dims[2], dims[3], c);
    if (oh >= 1 && ow >= 1) return { dims, c };
  }
}

describe('resize kernel vs the float64 ONNX reference', () => {
  for (const mode of RESIZE_MODES) {
    for (const transform of COORDINATE_TRANSFORMS) {
      it(`${mode} ${transform}: random shapes, scales and sizes`, async () => {
        const rng = new Rng(1000 + RESIZE_MODES.indexOf(mode) * 10 + COORDINATE_TRANSFORMS.indexOf(transform));
        for (let i = 0; i < 4; i++) {
          const { dims, c } = randomConfig(rng, mode, transform);
          await check(rng, dims, c);
        }
      });
    }
  }

  it('every nearest mode under half_pixel and asymmetric, where rounding ties occur (scales 2 and 4)', async () => {
    const rng = new Rng(7);
    for (const nearestMode of NEAREST_MODES) {
      for (const coordinateTransform of ['half_pixel', 'asymmetric', 'align_corners'] as const) {
        const c: ResizeRefConfig = { mode: 'nearest', coordinateTransform, nearestMode, cubicCoeffA: -0.75, excludeOutside: false, extrapolationValue: 0, scales: [2, 4] };
        await check(rng, [1, 2, 5, 3], c);
      }
    }
  });

  it('writes a concat channel slice and nothing else', async () => {
    const c: ResizeRefConfig = { mode: 'cubic', coordinateTransform: 'half_pixel', nearestMode: 'round_prefer_floor', cubicCoeffA: -0.75, excludeOutside: false, extrapolationValue: 0, scales: [Math.fround(1.7), 2] };
    await check(new Rng(8), [2, 3, 5, 4], c, { channelStride: 8, channelOffset: 4 });
  });

  it('refuses bad parameters by name', () => {
    const sampling = { mode: 'linear', coordinateTransform: 'half_pixel', nearestMode: 'floor', cubicCoeffA: -0.75, excludeOutside: false } as const;
    expect(() => resizeTable({ inLength: 0, outLength: 3 }, sampling)).toThrow(InvalidParameterError);
    expect(() => resizeTable({ inLength: 4, outLength: 3, scale: -1 }, sampling)).toThrow(/invalid scale/);
    const fake = {} as GPUBuffer;
    expect(() => resize2d({ batch: 1, channels: 3, inHeight: 4, inWidth: 4, outHeight: 0, outWidth: 2, mode: 'linear' }, { input: fake, rows: fake, cols: fake, output: fake })).toThrow(/invalid outHeight/);
    expect(() => resize2d({ batch: 1, channels: 3, inHeight: 4, inWidth: 4, outHeight: 2, outWidth: 2, mode: 'area' as ResizeMode }, { input: fake, rows: fake, cols: fake, output: fake })).toThrow(/invalid mode/);
  });
});
