/**
 * The direct 3-D convolution kernel against the float64 reference
 * (test/reference/conv3d.ts) on random NCDHW shapes: batch 2, odd sizes,
 * groups, strides, dilations, asymmetric pads, with and without bias, with a
 * fused activation; the NaN rule for a non-finite weight over padding; and
 * the typed errors for impossible shapes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { conv3d, conv3dShape, layoutConv3dWeights, type Conv3dParams } from '../../src/kernels/conv3d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { conv3dOutSize, conv3dRef } from '../reference/conv3d.js';
import { activationRef } from '../reference/elementwise.js';

// measured worst relative L2 on SwiftShader: 1.35e-7 (printed below); a few times above it
const TOLERANCE = 5e-7;
let worst = 0;
afterAll(() => console.log(`[conv3d] worst relative L2 ${worst.toExponential(2)}`));

function randomParams(rng: Rng): Conv3dParams {
  const groups = rng.pick([1, 1, 2, 3]);
  const kernel = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 3)] as const;
  const dilation = [rng.int(1, 2), rng.int(1, 2), rng.int(1, 2)] as const;
  const padBegin = [rng.int(0, 2), rng.int(0, 2), rng.int(0, 2)] as const;
  const padEnd = [rng.int(0, 2), rng.int(0, 2), rng.int(0, 2)] as const;
  // odd sizes at least as large as the dilated kernel, so every axis has an output
  const inSize = [0, 1, 2].map((i) => (kernel[i]! - 1) * dilation[i]! + rng.pick([1, 3, 5])) as unknown as [number, number, number];
  return {
    batch: 2,
    inChannels: groups * rng.int(1, 3),
    outChannels: groups * rng.int(1, 3),
    groups,
    inSize,
    kernel,
    stride: [rng.int(1, 2), rng.int(1, 3), rng.int(1, 2)],
    dilation,
    padBegin,
    padEnd,
  };
}

const show = (p: Conv3dParams): string =>
  `x=[${p.batch},${p.inChannels},${p.inSize.join(',')}] o=${p.outChannels} g=${p.groups} f=[${p.kernel.join(',')}] s=[${p.stride.join(',')}] d=[${p.dilation.join(',')}] p=[${p.padBegin.join(',')}|${p.padEnd.join(',')}]`;

async function run(p: Conv3dParams, x: Float32Array, w: Float32Array, b: Float32Array | undefined, activation: 'none' | 'relu' = 'none'): Promise<Float32Array> {
  const s = conv3dShape(p);
  const outLength = p.batch * p.outChannels * s.outSize[0] * s.outSize[1] * s.outSize[2];
  const inputs: Record<string, Float32Array> = { x, w: layoutConv3dWeights(s, w), unused: new Float32Array(4) };
  if (b) inputs.b = b;
  return runKernel(await testContext(), inputs, outLength, (buf, output) => [conv3d(s, { input: { buffer: buf.x! }, weight: { buffer: buf.w! }, bias: b ? { buffer: buf.b! } : undefined, output: { buffer: output }, unused: { buffer: buf.unused! } }, { activation })]);
}

describe('conv3d_direct vs the float64 reference', () => {
  const rng = new Rng(1301);
  for (let i = 0; i < 12; i++) {
    const p = randomParams(rng);
    const withBias = i % 3 !== 0;
    const activation = i % 4 === 1 ? 'relu' : 'none';
    it(`${show(p)} bias=${withBias} act=${activation}`, async () => {
      const data = new Rng(7000 + i);
      const x = data.array(p.batch * p.inChannels * p.inSize[0] * p.inSize[1] * p.inSize[2]);
      const w = data.array(p.outChannels * (p.inChannels / p.groups) * p.kernel[0] * p.kernel[1] * p.kernel[2]);
      const b = withBias ? data.array(p.outChannels) : undefined;
      const cfg = { shape: [p.batch, p.inChannels, ...p.inSize], ...p };
      expect(conv3dShape(p).outSize).toEqual(conv3dOutSize(cfg));
      let want = conv3dRef(cfg, x, w, b);
      if (activation === 'relu') want = activationRef(want, 'relu');
      const got = await run(p, x, w, b, activation);
      const err = relativeL2(got, want);
      worst = Math.max(worst, err);
      expect(err).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('a non-finite weight over the zero padding gives NaN there, as PyTorch (0·∞)', async () => {
    const p: Conv3dParams = { batch: 1, inChannels: 1, outChannels: 2, groups: 1, inSize: [2, 2, 2], kernel: [1, 1, 1], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [1, 0, 0], padEnd: [0, 0, 0] };
    const x = new Rng(5).array(8);
    const w = Float32Array.from([Infinity, 0.5]);
    const want = conv3dRef({ shape: [1, 1, 2, 2, 2], ...p }, x, w);
    const got = await run(p, x, w, undefined);
    // channel 0: the padded depth slice is NaN, the rest ±∞; channel 1 is finite everywhere
    expect(Array.from(got.slice(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(want.slice(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(got.slice(4, 12))).toEqual(Array.from(want.slice(4, 12)).map((v) => Math.fround(v)));
    expect(relativeL2(got.slice(12), want.slice(12))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('conv3d shape errors', () => {
  const base: Conv3dParams = { batch: 1, inChannels: 4, outChannels: 6, groups: 2, inSize: [3, 3, 3], kernel: [3, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0] };
  it('names the field', () => {
    expect(() => conv3dShape({ ...base, groups: 3 })).toThrow(InvalidParameterError);
    expect(() => conv3dShape({ ...base, groups: 3 })).toThrow(/3 groups must divide 4 input and 6 output/);
    expect(() => conv3dShape({ ...base, stride: [1, 0, 1] })).toThrow(/strideH/);
    expect(() => conv3dShape({ ...base, padEnd: [0, 0, -1] })).toThrow(/padEndW/);
    expect(() => conv3dShape({ ...base, kernel: [4, 3, 3] })).toThrow(/does not fit the 3×3×3 input/);
  });
});
