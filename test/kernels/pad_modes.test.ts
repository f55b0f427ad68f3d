/**
 * The pad2d kernel's reflect and edge modes and its negative (cropping)
 * pads, NHWC, against the float64 numpy-style reference (NCHW). Padding
 * moves values unchanged, so the comparison is exact.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { pad2d, type PadMode } from '../../src/kernels/pad2d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { padModeRef } from '../reference/pad_modes.js';

describe('pad2d modes', () => {
  const rng = new Rng(1303);
  const cases: { mode: PadMode; crop: boolean }[] = [
    { mode: 'reflect', crop: false },
    { mode: 'reflect', crop: false },
    { mode: 'edge', crop: false },
    { mode: 'edge', crop: false },
    { mode: 'reflect', crop: true },
    { mode: 'edge', crop: true },
    { mode: 'constant', crop: true },
  ];
  for (const { mode, crop } of cases) {
    const [n, h, w, c] = [2, rng.int(2, 7), rng.int(2, 7), rng.int(1, 5)];
    // reflect's pads stay below the axis length; a crop takes at most half of it
    const grow = (len: number) => rng.int(0, mode === 'reflect' ? len - 1 : len + 2);
    const side = (len: number) => (crop && rng.bool() ? -rng.int(1, Math.floor(len / 2)) : grow(len));
    const pads = [side(h), side(w), grow(h), grow(w)] as const;
    if (crop && pads[0] >= 0 && pads[1] >= 0) (pads as unknown as number[])[0] = -1;
    const value = rng.next() * 4 - 2;
    it(`${mode} x=[${n},${h},${w},${c}] NHWC pads=[${pads}]`, async () => {
      const x = rng.array(n * h * w * c);
      const [oh, ow] = [h + pads[0] + pads[2], w + pads[1] + pads[3]];
      const expected = nchwToNhwcRef(padModeRef(nhwcToNchwRef(x, n, c, h, w), [n, c, h, w], pads, mode, value), n, c, oh, ow);
      const out = await runKernel(await testContext(), { x }, expected.length, (b, o) => [
        pad2d({ batch: n, height: h, width: w, channels: c, padTop: pads[0], padLeft: pads[1], padBottom: pads[2], padRight: pads[3], value, mode }, b.x!, o),
      ]);
      expect(Array.from(out)).toEqual(Array.from(expected, Math.fround));
    });
  }
  it('rejects reflect pads as long as the axis and crops that leave nothing', () => {
    const fake = {} as GPUBuffer;
    const base = { batch: 1, height: 3, width: 4, channels: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, value: 0 };
    expect(() => pad2d({ ...base, mode: 'reflect', padBottom: 3 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => pad2d({ ...base, mode: 'reflect', padRight: 4 }, fake, fake)).toThrow(/reflect pad of 4 needs an axis longer than 4, got 4/);
    expect(() => pad2d({ ...base, mode: 'edge', padTop: -3, padBottom: -1 }, fake, fake)).toThrow(/leave nothing/);
    expect(() => pad2d({ ...base, mode: 'wrap' as PadMode }, fake, fake)).toThrow(/mode/);
  });
});
