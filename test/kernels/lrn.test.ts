import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { lrn, lrnWindowStart, type LrnConvention, type LrnParams } from '../../src/kernels/lrn.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';
import { lrnNchwRef } from '../reference/lrn.js';

type Case = Required<LrnParams>;

/** Runs the kernel on NHWC data and returns the reference and the GPU result, both NHWC. */
async function runLrn(p: Case, nhwc: Float32Array): Promise<{ out: Float32Array; ref: Float64Array }> {
  const ctx = await testContext();
  const nchw = nhwcToNchwRef(nhwc, p.batch, p.channels, p.height, p.width);
  const refNchw = lrnNchwRef(nchw, p.batch, p.channels, p.height, p.width, p);
  const ref = nchwToNhwcRef(refNchw, p.batch, p.channels, p.height, p.width);
  const out = await runKernel(ctx, { x: nhwc }, nhwc.length, (b, o) => [lrn(p, b.x!, o)]);
  return { out, ref };
}

const name = (p: Case): string =>
  `${p.convention} n=${p.batch} h=${p.height} w=${p.width} c=${p.channels} size=${p.size} alpha=${p.alpha.toFixed(3)} beta=${p.beta.toFixed(2)} k=${p.k.toFixed(2)}`;

describe('local response normalization', () => {
  const rng = new Rng(1989);
  const conventions: LrnConvention[] = ['pytorch', 'onnx'];
  const sizes = [1, 2, 3, 4, 5, 6];
  const cases: Case[] = [];
  for (const convention of conventions)
    for (const size of sizes)
      for (let rep = 0; rep < 4; rep++) {
        cases.push({
          batch: rng.int(1, 3),
          height: rng.pick([1, 2, 5, 7]),
          width: rng.pick([1, 3, 11]),
          channels: rng.pick([1, 3, 5, 64, 67, 96]),
          size,
          // alpha large enough that the window visibly changes the result (AlexNet's 1e-4 barely does on unit data)
          alpha: rng.pick([0.5, 1, 3]) * (0.5 + rng.next()),
          beta: 0.5 + 0.5 * rng.next(),
          k: 0.5 + 1.5 * rng.next(),
          convention,
        });
      }

  for (const p of cases) {
    it(name(p), async () => {
      const x = rng.array(p.batch * p.height * p.width * p.channels, -2, 2);
      const { out, ref } = await runLrn(p, x);
      expect(relativeL2(out, ref)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('AlexNet defaults: size=5 alpha=1e-4 beta=0.75 k=2 on 96 channels', async () => {
    const p: Case = { batch: 2, height: 5, width: 5, channels: 96, size: 5, alpha: 1e-4, beta: 0.75, k: 2, convention: 'pytorch' };
    const x = rng.array(2 * 5 * 5 * 96, -20, 20);
    const { out, ref } = await runLrn(p, x);
    expect(relativeL2(out, ref)).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('even sizes: the two conventions disagree, each kernel matches its own reference', async () => {
    for (const size of [2, 4]) {
      const base = { batch: 1, height: 3, width: 2, channels: 9, size, alpha: 2, beta: 0.75, k: 1 };
      const x = rng.array(3 * 2 * 9, -2, 2);
      const torch = await runLrn({ ...base, convention: 'pytorch' }, x);
      const onnx = await runLrn({ ...base, convention: 'onnx' }, x);
      expect(relativeL2(torch.out, torch.ref)).toBeLessThanOrEqual(F32_TOLERANCE);
      expect(relativeL2(onnx.out, onnx.ref)).toBeLessThanOrEqual(F32_TOLERANCE);
      expect(relativeL2(onnx.ref, torch.ref)).toBeGreaterThan(1e-2);
    }
  });

  it('places the window per convention', () => {
    expect([1, 2, 3, 4, 5].map((s) => lrnWindowStart(s, 'pytorch'))).toEqual([-0, -1, -1, -2, -2]);
    expect([1, 2, 3, 4, 5].map((s) => lrnWindowStart(s, 'onnx'))).toEqual([-0, -0, -1, -1, -2]);
  });

  it('rejects bad parameters, naming them', () => {
    const fake = {} as GPUBuffer;
    const ok: LrnParams = { batch: 1, height: 2, width: 2, channels: 4, size: 3 };
    const rejected = (patch: Partial<LrnParams>, parameter: string): void => {
      expect(() => lrn({ ...ok, ...patch }, fake, fake)).toThrow(InvalidParameterError);
      try {
        lrn({ ...ok, ...patch }, fake, fake);
      } catch (e) {
        expect((e as InvalidParameterError).parameter).toBe(parameter);
      }
    };
    rejected({ size: 0 }, 'size');
    rejected({ channels: 1.5 }, 'channels');
    rejected({ batch: 0 }, 'batch');
    rejected({ k: 0 }, 'k');
    rejected({ alpha: -1 }, 'alpha');
    rejected({ beta: Number.NaN }, 'beta');
    rejected({ convention: 'caffe' as LrnConvention }, 'convention');
  });
});
