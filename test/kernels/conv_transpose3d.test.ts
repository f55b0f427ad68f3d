/**
 * The gather 3-D transposed convolution kernel against the float64 scatter
 * reference (test/reference/conv_transpose3d.ts) on random NCDHW shapes:
 * batch 2, odd sizes, groups, strides, dilations, asymmetric pads, output
 * padding, negative end pads, bias, a fused activation; and the typed errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { convTranspose3d, convTranspose3dShape, type ConvTranspose3dParams } from '../../src/kernels/conv_transpose3d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { convTranspose3dOutSize, convTranspose3dRef } from '../reference/conv_transpose3d.js';
import { activationRef } from '../reference/elementwise.js';

// measured worst relative L2 on SwiftShader: 7.4e-8 (printed below); a few times above it
const TOLERANCE = 4e-7;
let worst = 0;
afterAll(() => console.log(`[conv_transpose3d] worst relative L2 ${worst.toExponential(2)}`));

function randomParams(rng: Rng, i: number): ConvTranspose3dParams {
  const groups = rng.pick([1, 1, 2, 3]);
  const kernel = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 3)] as const;
  const stride = [rng.int(1, 2), rng.int(1, 3), rng.int(1, 2)] as const;
  const pad = (a: number): number => rng.int(0, kernel[a]! - 1);
  return {
    batch: 2,
    inChannels: groups * rng.int(1, 3),
    outChannels: groups * rng.int(1, 3),
    groups,
    inSize: [rng.pick([1, 3, 4]), rng.pick([2, 3, 5]), rng.pick([3, 5])],
    kernel,
    stride,
    dilation: [rng.int(1, 2), 1, rng.int(1, 2)],
    padBegin: [pad(0), pad(1), pad(2)],
    // every third config asks for one output past the taps at the end of W (a negative end pad)
    padEnd: [pad(0), pad(1), i % 3 === 2 ? -1 : pad(2)],
    outputPadding: [rng.int(0, stride[0] - 1), rng.int(0, stride[1] - 1), 0],
  };
}

const show = (p: ConvTranspose3dParams): string =>
  `x=[${p.batch},${p.inChannels},${p.inSize.join(',')}] o=${p.outChannels} g=${p.groups} f=[${p.kernel.join(',')}] s=[${p.stride.join(',')}] d=[${p.dilation.join(',')}] p=[${p.padBegin.join(',')}|${p.padEnd.join(',')}] op=[${p.outputPadding.join(',')}]`;

describe('conv_transpose3d_direct vs the float64 reference', () => {
  const rng = new Rng(1304);
  for (let i = 0; i < 10; i++) {
    const p = randomParams(rng, i);
    const withBias = i % 2 === 0;
    const activation = i % 4 === 3 ? 'relu' : 'none';
    it(`${show(p)} bias=${withBias} act=${activation}`, async () => {
      const data = new Rng(9000 + i);
      const x = data.array(p.batch * p.inChannels * p.inSize[0] * p.inSize[1] * p.inSize[2]);
      const w = data.array(p.inChannels * (p.outChannels / p.groups) * p.kernel[0] * p.kernel[1] * p.kernel[2]);
      const b = withBias ? data.array(p.outChannels) : undefined;
      const s = convTranspose3dShape(p);
      const cfg = { shape: [p.batch, p.inChannels, ...p.inSize], ...p };
      expect(s.outSize).toEqual(convTranspose3dOutSize(cfg));
      let want = convTranspose3dRef(cfg, x, w, b);
      if (activation === 'relu') want = activationRef(want, 'relu');
      const inputs: Record<string, Float32Array> = { x, w, unused: new Float32Array(4) };
      if (b) inputs.b = b;
      const got = await runKernel(await testContext(), inputs, want.length, (buf, output) => [
        convTranspose3d(s, { input: { buffer: buf.x! }, weight: { buffer: buf.w! }, bias: b ? { buffer: buf.b! } : undefined, output: { buffer: output }, unused: { buffer: buf.unused! } }, { activation }),
      ]);
      const err = relativeL2(got, want);
      worst = Math.max(worst, err);
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }
});

describe('conv_transpose3d shape errors', () => {
  const base: ConvTranspose3dParams = { batch: 1, inChannels: 4, outChannels: 6, groups: 2, inSize: [2, 2, 2], kernel: [2, 2, 2], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0], outputPadding: [0, 0, 0] };
  it('names the field', () => {
    expect(() => convTranspose3dShape({ ...base, groups: 4 })).toThrow(InvalidParameterError);
    expect(() => convTranspose3dShape({ ...base, groups: 4 })).toThrow(/4 groups must divide 4 input and 6 output/);
    expect(() => convTranspose3dShape({ ...base, padBegin: [0, -1, 0] })).toThrow(/padBeginH/);
    expect(() => convTranspose3dShape({ ...base, padBegin: [2, 0, 0], padEnd: [1, 0, 0] })).toThrow(/crop the whole/);
  });
});
