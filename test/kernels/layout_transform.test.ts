import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { permute4d } from '../../src/kernels/layout_transform.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';

describe('layout transforms', () => {
  const rng = new Rng(7);
  const shapes = Array.from({ length: 12 }, () => ({ batch: rng.int(1, 3), channels: rng.pick([1, 3, 5, 64, 67]), height: rng.int(1, 13), width: rng.int(1, 11) }));

  for (const s of shapes) {
    const name = `n=${s.batch} c=${s.channels} h=${s.height} w=${s.width}`;
    it(`NCHW→NHWC→NCHW ${name}`, async () => {
      const ctx = await testContext();
      const x = rng.array(s.batch * s.channels * s.height * s.width);
      // the executor's boundary conversions: graph input NCHW → NHWC, output NHWC → NCHW
      const nhwc = await runKernel(ctx, { x }, x.length, (b, out) => [permute4d([s.batch, s.channels, s.height, s.width], [0, 2, 3, 1], b.x!, out)]);
      expect(Array.from(nhwc)).toEqual(Array.from(nchwToNhwcRef(x, s.batch, s.channels, s.height, s.width)));
      const back = await runKernel(ctx, { nhwc }, x.length, (b, out) => [permute4d([s.batch, s.height, s.width, s.channels], [0, 3, 1, 2], b.nhwc!, out)]);
      expect(Array.from(back)).toEqual(Array.from(nhwcToNchwRef(nhwc, s.batch, s.channels, s.height, s.width)));
      expect(Array.from(back)).toEqual(Array.from(x));
    });
  }

  it('rejects a non-permutation', () => {
    const fake = {} as GPUBuffer;
    expect(() => permute4d([1, 2, 3, 4], [0, 1, 1, 3], fake, fake)).toThrow(InvalidParameterError);
  });
});
