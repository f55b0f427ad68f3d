/**
 * The instance_norm kernel on NHWC against the float64 reference (NCHW):
 * plane sizes below, at and above the workgroup's 64 invocations, and data
 * whose mean is large against its spread (where E[x²] − E[x]² would lose
 * every digit).
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { instanceNorm } from '../../src/kernels/instance_norm.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { instanceNormRef } from '../reference/instance_norm.js';
import { nchwToNhwcRef, nhwcToNchwRef } from '../reference/layout.js';

// measured worst on SwiftShader: 9.9e-8 (offset 0), 8.1e-8 at offset 1000 (the kernel's pilot shift;
// without it the f32 mean alone cost 6.5e-6 there)
const TOLERANCE = 3e-7;

describe('instance_norm', () => {
  const rng = new Rng(1301);
  const shapes: [number, number, number, number][] = [
    [2, 1, 1, 3],
    [2, 7, 9, 5],
    [1, 8, 8, 3],
    [2, 13, 11, 6],
    [1, 1, 37, 2],
    [1, 40, 40, 4],
  ];
  for (const [i, [n, h, w, c]] of shapes.entries()) {
    const offset = i === 3 ? 100 : i === 5 ? 1000 : 0;
    const epsilon = rng.pick([1e-5, 1e-3, 0.5]);
    it(`x=[${n},${h},${w},${c}] NHWC eps=${epsilon} mean offset ${offset}`, async () => {
      const x = rng.array(n * h * w * c, offset - 1, offset + 1);
      const scale = rng.array(c, -2, 2);
      const bias = rng.array(c, -1, 1);
      const expected = nchwToNhwcRef(instanceNormRef(nhwcToNchwRef(x, n, c, h, w), [n, c, h, w], scale, bias, epsilon), n, c, h, w);
      const out = await runKernel(await testContext(), { x, scale, bias }, expected.length, (b, o) => [
        instanceNorm({ batch: n, height: h, width: w, channels: c, epsilon }, { input: b.x!, scale: b.scale!, bias: b.bias!, output: o }),
      ]);
      const error = relativeL2(out, expected);
      console.log(`[instance_norm] [${n},${h},${w},${c}] offset ${offset}: relative L2 ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    });
  }
  it('rejects empty shapes and a negative or infinite epsilon', () => {
    const fake = {} as GPUBuffer;
    const b = { input: fake, scale: fake, bias: fake, output: fake };
    const base = { batch: 1, height: 3, width: 3, channels: 2, epsilon: 1e-5 };
    expect(() => instanceNorm({ ...base, channels: 0 }, b)).toThrow(InvalidParameterError);
    expect(() => instanceNorm({ ...base, epsilon: -1 }, b)).toThrow(/epsilon/);
    expect(() => instanceNorm({ ...base, epsilon: Infinity }, b)).toThrow(/epsilon/);
  });
});
