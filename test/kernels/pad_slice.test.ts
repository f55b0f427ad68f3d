/**
 * The pad2d and slice4d kernels on their own, NHWC, against the float64
 * references (written on NCHW / any-rank row-major data).
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { pad2d } from '../../src/kernels/pad2d.js';
import { slice4d } from '../../src/kernels/slice4d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { padRef, sliceRef } from '../reference/tensor_ops.js';

describe('pad2d', () => {
  const rng = new Rng(601);
  for (let i = 0; i < 3; i++) {
    const [n, h, w, c] = [rng.int(1, 3), rng.int(1, 8), rng.int(1, 8), rng.int(1, 9)];
    const pads = [rng.int(0, 3), rng.int(0, 3), rng.int(0, 3), rng.int(0, 3)] as const;
    const value = i === 0 ? 0 : rng.next() * 4 - 2;
    it(`x=[${n},${h},${w},${c}] NHWC pads=[${pads}] value=${value.toFixed(3)}`, async () => {
      const x = rng.array(n * h * w * c);
      const [oh, ow] = [h + pads[0] + pads[2], w + pads[1] + pads[3]];
      const expected = nchwToNhwcRef(padRef(nhwcToNchwRef(x, n, c, h, w), [n, c, h, w], pads, value), n, c, oh, ow);
      const spec = (b: Record<string, GPUBuffer>, o: GPUBuffer) => [pad2d({ batch: n, height: h, width: w, channels: c, padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3], value }, b.x!, o)];
      const out = await runKernel(await testContext(), { x }, expected.length, spec);
      expect(relativeL2(out, expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
  it('rejects crops that leave nothing and infinite values', () => {
    const fake = {} as GPUBuffer;
    const base = { batch: 1, height: 3, width: 3, channels: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, value: 0 };
    expect(() => pad2d({ ...base, padLeft: -3, padRight: -1 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => pad2d({ ...base, value: -Infinity }, fake, fake)).toThrow(/value/);
  });
});

describe('slice4d', () => {
  const rng = new Rng(602);
  for (let i = 0; i < 3; i++) {
    const dims = [rng.int(1, 3), rng.int(2, 7), rng.int(2, 7), rng.int(2, 9)] as const;
    const start = dims.map((d) => rng.int(0, d - 1)) as unknown as [number, number, number, number];
    const end = dims.map((d, k) => rng.int(start[k]! + 1, d)) as unknown as [number, number, number, number];
    const step = dims.map(() => rng.int(1, 3)) as unknown as [number, number, number, number];
    it(`x=[${dims}] start=[${start}] end=[${end}] step=[${step}]`, async () => {
      const x = rng.array(dims.reduce((a, b) => a * b, 1));
      let expected: Float64Array = Float64Array.from(x);
      let shape = [...dims];
      for (let axis = 0; axis < 4; axis++) {
        expected = sliceRef(expected, shape, axis, start[axis]!, end[axis]!, step[axis]!);
        shape = shape.map((d, k) => (k === axis ? Math.ceil((end[axis]! - start[axis]!) / step[axis]!) : d));
      }
      const out = await runKernel(await testContext(), { x }, expected.length, (b, o) => [slice4d(dims, start, end, step, b.x!, o)]);
      expect(relativeL2(out, expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
  it('rejects empty and out-of-range slices', () => {
    const fake = {} as GPUBuffer;
    expect(() => slice4d([1, 4, 4, 4], [0, 2, 0, 0], [1, 2, 4, 4], [1, 1, 1, 1], fake, fake)).toThrow(InvalidParameterError);
    expect(() => slice4d([1, 4, 4, 4], [0, 0, 0, 0], [1, 4, 5, 4], [1, 1, 1, 1], fake, fake)).toThrow(/slice\[2\]/);
    expect(() => slice4d([1, 4, 4, 4], [0, 0, 0, 0], [1, 4, 4, 4], [1, 0, 1, 1], fake, fake)).toThrow(/step\[1\]/);
  });
});
