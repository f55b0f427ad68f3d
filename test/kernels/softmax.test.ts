import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { softmax } from '../../src/kernels/softmax.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { softmaxRef } from '../reference/softmax.js';

describe('softmax', () => {
  const rng = new Rng(31337);
  // lengths around the workgroup sizes (1, 64, 256) and ImageNet's 1000 classes
  const lengths = [1, 2, 3, 7, 10, 13, 63, 64, 65, 97, 255, 256, 257, 1000, 1001, 4099];
  const workgroupSizes = [64, 256, 1];
  const cases = Array.from({ length: 48 }, (_, i) => ({
    rows: rng.pick([1, 1, 2, 3, 5, 17, 64]),
    length: lengths[i % lengths.length]!,
    workgroupSize: workgroupSizes[Math.floor(i / lengths.length)]!,
    // a wide range exercises the max subtraction; an offset of 500 overflows exp() without it
    scale: rng.pick([1, 10, 40]),
    offset: rng.pick([0, 0, 500, -500]),
  }));

  for (const { rows, length, workgroupSize, scale, offset } of cases) {
    it(`rows=${rows} length=${length} wg=${workgroupSize} x∈${offset}±${scale}`, async () => {
      const ctx = await testContext();
      const x = rng.array(rows * length, offset - scale, offset + scale);
      const ref = softmaxRef(x, rows, length);
      const out = await runKernel(ctx, { x }, x.length, (b, o) => [softmax({ rows, length, workgroupSize }, b.x!, o)]);
      expect(relativeL2(out, ref)).toBeLessThanOrEqual(F32_TOLERANCE);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let i = 0; i < length; i++) sum += out[r * length + i]!;
        expect(Math.abs(sum - 1)).toBeLessThan(1e-4);
      }
    });
  }

  it('folds more than 65,535 rows into a 2-D grid: rows=70001 length=3', async () => {
    const ctx = await testContext();
    const rows = 70001;
    const length = 3;
    const spec = softmax({ rows, length, workgroupSize: 1 }, {} as GPUBuffer, {} as GPUBuffer);
    expect(spec.workgroups[1]).toBeGreaterThan(1);
    const x = rng.array(rows * length, -5, 5);
    const out = await runKernel(ctx, { x }, x.length, (b, o) => [softmax({ rows, length, workgroupSize: 1 }, b.x!, o)]);
    expect(relativeL2(out, softmaxRef(x, rows, length))).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('rejects empty shapes and a workgroup size that is not a power of two', () => {
    const fake = {} as GPUBuffer;
    expect(() => softmax({ rows: 0, length: 10 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => softmax({ rows: 2, length: 2.5 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => softmax({ rows: 2, length: 10, workgroupSize: 48 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => softmax({ rows: 2, length: 10, workgroupSize: 512 }, fake, fake)).toThrow(InvalidParameterError);
  });
});
