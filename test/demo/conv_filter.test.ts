/**
 * The filter of the demo's "What a convolution sees" view, compiled on this
 * device: the course's own worked example (P107) to the exact integers, and
 * random kernels on a random picture against the float64 references.
 */
import { describe, expect, it } from 'vitest';
import { COURSE_IMAGE, compileFilter, FILTER_OUTPUTS, KERNELS, STEP_IMAGE, transpose3 } from '../../demo/conv_filter.js';
import { InvalidParameterError } from '../../src/errors.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';
import { avgPool2dRef, maxPool2dRef, type PoolRefConfig } from '../reference/pool2d.js';

const conv3 = (height: number, width: number) => ({
  batch: 1, inChannels: 1, inHeight: height, inWidth: width, outChannels: 1, kernelHeight: 3, kernelWidth: 3,
  strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, groups: 1,
});
const pool2 = (height: number, width: number): PoolRefConfig => ({
  batch: 1, channels: 1, height, width, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2,
  padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: true,
});

describe('the convolution view\'s filter graph (conv2d 3×3 + pooling, compiled)', () => {
  it('gives the course\'s 4×4 for its 6×6 example and the vertical filter, and pools it', async () => {
    const ctx = await testContext();
    const model = await compileFilter(ctx, 6, 6, KERNELS.vertical);
    try {
      const { float } = await model.run(Float32Array.from(COURSE_IMAGE));
      // the numbers printed in the course (P107)
      expect(Array.from(float(FILTER_OUTPUTS.edges))).toEqual([-5, -4, 0, 8, -10, -2, 2, 3, 0, -2, -4, -7, -3, -2, -3, -16]);
      // P114: max pooling keeps each 2×2 block's largest value, average pooling its mean
      expect(Array.from(float(FILTER_OUTPUTS.maxPool))).toEqual([-2, 8, 0, -3]);
      expect(Array.from(float(FILTER_OUTPUTS.avgPool))).toEqual([-21 / 4, 13 / 4, -7 / 4, -30 / 4]);
    } finally {
      model.dispose();
    }
  });

  it('finds the step edge of P107: 30 in the middle columns, 0 at the sides; the horizontal filter sees none', async () => {
    const ctx = await testContext();
    for (const [kernel, row] of [[KERNELS.vertical, [0, 30, 30, 0]], [transpose3(KERNELS.vertical), [0, 0, 0, 0]]] as const) {
      const model = await compileFilter(ctx, 6, 6, kernel);
      try {
        const edges = (await model.run(Float32Array.from(STEP_IMAGE))).float(FILTER_OUTPUTS.edges);
        expect(Array.from(edges)).toEqual([...row, ...row, ...row, ...row]);
      } finally {
        model.dispose();
      }
    }
  });

  it('matches the float64 conv2d and pooling references for random kernels on a random 23×31 picture', async () => {
    const ctx = await testContext();
    const rng = new Rng(15);
    const [height, width] = [23, 31];
    const image = rng.array(height * width, 0, 1);
    for (let trial = 0; trial < 3; trial++) {
      const kernel = Array.from(rng.array(9, -10, 10));
      const model = await compileFilter(ctx, height, width, kernel);
      try {
        const { float } = await model.run(image);
        const ref = conv2dRef(conv3(height, width), image, kernel);
        expect([ref.outHeight, ref.outWidth]).toEqual([21, 29]);
        const close = (got: Float32Array, want: Float64Array) => {
          expect(got.length).toBe(want.length);
          want.forEach((v, i) => expect(Math.abs(got[i]! - v), `kernel [${kernel.map((k) => k.toFixed(3))}] at ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(v))));
        };
        close(float(FILTER_OUTPUTS.edges), ref.y);
        close(float(FILTER_OUTPUTS.maxPool), maxPool2dRef(ref.y, pool2(21, 29)));
        close(float(FILTER_OUTPUTS.avgPool), avgPool2dRef(ref.y, pool2(21, 29)));
      } finally {
        model.dispose();
      }
    }
  });

  it('refuses a kernel that is not 9 finite numbers', async () => {
    const ctx = await testContext();
    expect(() => compileFilter(ctx, 6, 6, [1, 2, 3])).toThrow(InvalidParameterError);
    expect(() => compileFilter(ctx, 6, 6, [1, 0, -1, 1, Number.NaN, -1, 1, 0, -1])).toThrow(/9 finite numbers/);
  });
});
