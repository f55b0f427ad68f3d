/**
 * Batch augmentation (shaders/augment/augment_batch.wgsl, src/kernels/augment.ts,
 * src/train/augment*.ts) against the float64 references of
 * test/reference/augment.ts: random shapes and data, crops with fractional
 * corners, mirror on and off, colour shift and PCA on RGB batches; the draws
 * against a replay of their documented order; bit-for-bit reproducibility;
 * the 3×3 eigen-decomposition against a known SPD matrix; bad input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InputError, InvalidParameterError } from '../../src/errors.js';
import { createTensorBuffer, readTensor } from '../../src/gpu/buffers.js';
import { augmentBatchDispatch, packAugmentSamples, type AugmentGeometry, type AugmentSample } from '../../src/kernels/augment.js';
import { Augmenter, augmentBatch, type AugmentOptions } from '../../src/train/augment.js';
import { pcaColourBasis, symmetricEigen3, type Matrix3 } from '../../src/train/augment_pca.js';
import { checkAugmentOptions, drawAugmentSamples } from '../../src/train/augment_draw.js';
import { SeededRandom } from '../../src/train/random.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { augmentRef, drawSamplesRef, matMul3, randomOrthogonal3, rgbCovarianceRef, transpose3, type Mat3 } from '../reference/augment.js';

// measured worst |GPU − float64| over the configs below: 5.9e-6 on SwiftShader (f32 source coordinates up to ~40 px, data in [-1, 1])
const TOLERANCE = 1.5e-5;
let worst = 0;
let configs = 0;
afterAll(() => console.log(`[augment] ${configs} configs, worst max |d| ${worst.toExponential(2)}`));

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A crop with fractional corners somewhere inside a width × height image. */
function randomCrop(rng: Rng, width: number, height: number): [number, number, number, number] {
  const w = Math.max(0.5, width * (0.2 + 0.8 * rng.next()));
  const h = Math.max(0.5, height * (0.2 + 0.8 * rng.next()));
  return [rng.next() * (width - w), rng.next() * (height - h), w, h];
}

/** Runs the kernel on explicit samples and checks it against the reference. */
async function check(rng: Rng, g: AugmentGeometry, samples: AugmentSample[]): Promise<void> {
  const shape = [g.batch, g.channels, g.inHeight, g.inWidth] as const;
  const x = rng.array(g.batch * g.channels * g.inHeight * g.inWidth);
  const records = new Float32Array(packAugmentSamples(g, samples));
  const y = await runKernel(await testContext(), { x, records }, g.batch * g.channels * g.outHeight * g.outWidth, (b, output) => [
    augmentBatchDispatch(g, { input: b.x!, samples: b.records!, output }),
  ]);
  const d = maxAbsDiff(y, augmentRef(x, shape, [g.outHeight, g.outWidth], samples));
  worst = Math.max(worst, d);
  configs++;
  const mirrors = samples.map((s) => (s.mirror ? 'm' : '-')).join('');
  expect(d, `x=[${shape.join(',')}] out=${g.outHeight}x${g.outWidth} mirrors=${mirrors}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('augment_batch kernel vs the float64 reference', () => {
  it('random shapes, fractional crops, mirror on and off, offsets, C = 1 and 3', async () => {
    const rng = new Rng(1601);
    for (let i = 0; i < 10; i++) {
      const g: AugmentGeometry = { batch: rng.int(1, 5), channels: i % 2 ? 3 : 1, inHeight: rng.int(5, 40), inWidth: rng.int(5, 40), outHeight: rng.int(5, 40), outWidth: rng.int(5, 40) };
      const samples = Array.from({ length: g.batch }, (_, n) => ({
        crop: randomCrop(rng, g.inWidth, g.inHeight),
        // both settings in every batch of 2 or more
        mirror: g.batch > 1 ? n % 2 === 0 : rng.bool(),
        offset: Array.from({ length: g.channels }, () => rng.next() - 0.5),
      }));
      await check(rng, g, samples);
    }
  });

  it('the whole image at its own size is the identity, and its mirror flips exactly', async () => {
    const rng = new Rng(1602);
    const g: AugmentGeometry = { batch: 2, channels: 3, inHeight: 7, inWidth: 9, outHeight: 7, outWidth: 9 };
    const x = rng.array(2 * 3 * 7 * 9);
    const samples = [
      { crop: [0, 0, 9, 7] as const, mirror: false, offset: [0, 0, 0] },
      { crop: [0, 0, 9, 7] as const, mirror: true, offset: [0, 0, 0] },
    ];
    const records = new Float32Array(packAugmentSamples(g, samples));
    const y = await runKernel(await testContext(), { x, records }, x.length, (b, output) => [augmentBatchDispatch(g, { input: b.x!, samples: b.records!, output })]);
    const plane = 7 * 9;
    for (let c = 0; c < 3; c++)
      for (let r = 0; r < 7; r++)
        for (let col = 0; col < 9; col++) {
          expect(y[c * plane + r * 9 + col]).toBe(x[c * plane + r * 9 + col]);
          expect(y[(3 + c) * plane + r * 9 + col]).toBe(x[(3 + c) * plane + r * 9 + 8 - col]);
        }
  });
});

describe('Augmenter: draws, colour, PCA, reproducibility', () => {
  /** RGB data with correlated channels, so the covariance has off-diagonal terms. */
  function correlatedRgb(rng: Rng, n: number, h: number, w: number): Float32Array {
    const data = new Float32Array(n * 3 * h * w);
    const plane = h * w;
    for (let k = 0; k < n; k++)
      for (let i = 0; i < plane; i++) {
        const a = rng.next();
        const b = rng.next();
        const c = rng.next();
        data[(k * 3) * plane + i] = 0.6 * a + 0.3 * b;
        data[(k * 3 + 1) * plane + i] = 0.5 * a + 0.2 * c;
        data[(k * 3 + 2) * plane + i] = 0.1 * a + 0.4 * b + 0.3 * c;
      }
    return data;
  }

  it('crop + mirror + colour shift + PCA on RGB: draws replay the documented order, the GPU matches float64', async () => {
    const ctx = await testContext();
    const rng = new Rng(1603);
    for (const [n, h, w, oh, ow] of [
      [4, 23, 31, 16, 16],
      [3, 12, 9, 20, 14],
    ] as const) {
      const data = correlatedRgb(rng, n, h, w);
      const basis = pcaColourBasis(data, [n, 3, h, w]);
      const options: AugmentOptions = { mirror: 0.5, crop: { scale: [0.3, 1], aspect: [3 / 4, 4 / 3] }, colourShift: 0.1, pca: { sigma: 2, basis }, seed: 77 + n };
      const { output, samples } = await augmentBatch(ctx, { data, shape: [n, 3, h, w], outSize: [oh, ow] }, options);
      const replay = new Rng(options.seed!);
      expect(samples).toEqual(drawSamplesRef(() => replay.next(), n, 3, h, w, options));
      const d = maxAbsDiff(output, augmentRef(data, [n, 3, h, w], [oh, ow], samples));
      worst = Math.max(worst, d);
      configs++;
      expect(d).toBeLessThanOrEqual(TOLERANCE);
      for (const s of samples) {
        const [x, y, cw, ch] = s.crop;
        expect(x).toBeGreaterThanOrEqual(0);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(x + cw).toBeLessThanOrEqual(w);
        expect(y + ch).toBeLessThanOrEqual(h);
        expect(s.offset.some((v) => v !== 0)).toBe(true);
      }
    }
  });

  it('draws stay in their ranges, and the mirror rate follows its probability', () => {
    const g: AugmentGeometry = { batch: 400, channels: 3, inHeight: 40, inWidth: 30, outHeight: 8, outWidth: 8 };
    const options: AugmentOptions = { mirror: 0.3, crop: { scale: [0.25, 0.5], aspect: [0.5, 2] }, colourShift: 0.2 };
    const drawn = drawAugmentSamples(new SeededRandom(5), g, options);
    const replay = new Rng(5);
    expect(drawn).toEqual(drawSamplesRef(() => replay.next(), g.batch, 3, 40, 30, options));
    let mirrored = 0;
    for (const s of drawn) {
      const [, , w, h] = s.crop;
      const scale = (w * h) / (30 * 40);
      expect(scale).toBeGreaterThanOrEqual(0.25 - 1e-12);
      expect(scale).toBeLessThanOrEqual(0.5 + 1e-12);
      expect(w / h).toBeGreaterThanOrEqual(0.5 - 1e-12);
      expect(w / h).toBeLessThanOrEqual(2 + 1e-12);
      for (const v of s.offset) expect(Math.abs(v)).toBeLessThanOrEqual(0.2);
      if (s.mirror) mirrored++;
    }
    console.log(`[augment] mirror rate ${(mirrored / g.batch).toFixed(3)} (p = 0.3, 400 samples)`);
    // 0.3 ± 4.5σ of a binomial(400, 0.3): σ ≈ 0.023
    expect(Math.abs(mirrored / g.batch - 0.3)).toBeLessThan(0.1);
  });

  it('same seed → identical bytes, batch after batch; a different seed → different bytes', async () => {
    const ctx = await testContext();
    const rng = new Rng(1604);
    const shape = [3, 3, 17, 19] as const;
    const data = rng.array(3 * 3 * 17 * 19);
    const options: AugmentOptions = { mirror: 0.5, crop: { scale: [0.2, 1], aspect: [0.75, 1.33] }, colourShift: 0.3, seed: 9 };
    const a = await augmentBatch(ctx, { data, shape, outSize: [11, 13] }, options);
    const b = await augmentBatch(ctx, { data, shape, outSize: [11, 13] }, options);
    expect(bytesOf(a.output)).toEqual(bytesOf(b.output));
    const c = await augmentBatch(ctx, { data, shape, outSize: [11, 13] }, { ...options, seed: 10 });
    expect(bytesOf(c.output)).not.toEqual(bytesOf(a.output));

    // an Augmenter's k-th batch is the same for the same seed, and batches differ from each other
    const g = { batch: 3, channels: 3, inHeight: 17, inWidth: 19, outHeight: 11, outWidth: 13 };
    const input = createTensorBuffer(ctx.device, data, 'input');
    const output = createTensorBuffer(ctx.device, 3 * 3 * 11 * 13 * 4, 'output');
    const runs: Float32Array[][] = [];
    for (let r = 0; r < 2; r++) {
      const augmenter = new Augmenter(ctx, g, options);
      const batches: Float32Array[] = [];
      for (let k = 0; k < 2; k++) {
        await augmenter.run(input, output);
        batches.push(await readTensor(ctx.device, output, 3 * 3 * 11 * 13));
      }
      await augmenter.destroy();
      runs.push(batches);
    }
    expect(bytesOf(runs[0]![0]!)).toEqual(bytesOf(a.output));
    expect(bytesOf(runs[1]![1]!)).toEqual(bytesOf(runs[0]![1]!));
    expect(bytesOf(runs[0]![1]!)).not.toEqual(bytesOf(runs[0]![0]!));
    input.destroy();
    output.destroy();
  });

  it('encodes into the caller\'s encoder, ahead of other work on its output', async () => {
    const ctx = await testContext();
    const { device } = ctx;
    const rng = new Rng(1605);
    const g = { batch: 2, channels: 1, inHeight: 10, inWidth: 12, outHeight: 8, outWidth: 8 };
    const data = rng.array(2 * 10 * 12);
    const input = createTensorBuffer(device, data, 'input');
    const output = createTensorBuffer(device, 2 * 64 * 4, 'output');
    const copy = createTensorBuffer(device, 2 * 64 * 4, 'copy');
    const augmenter = new Augmenter(ctx, g, { mirror: 0.5, crop: { scale: [0.4, 0.9], aspect: [0.8, 1.25] }, seed: 4 });
    const encoder = device.createCommandEncoder();
    const samples = await augmenter.encode(encoder, input, output);
    // work the training step would do on the batch, in the same command buffer
    encoder.copyBufferToBuffer(output, 0, copy, 0, 2 * 64 * 4);
    device.queue.submit([encoder.finish()]);
    const y = await readTensor(device, copy, 2 * 64);
    const d = maxAbsDiff(y, augmentRef(data, [2, 1, 10, 12], [8, 8], samples));
    worst = Math.max(worst, d);
    configs++;
    expect(d).toBeLessThanOrEqual(TOLERANCE);
    await augmenter.destroy();
    for (const b of [input, output, copy]) b.destroy();
  });
});

describe('PCA colour basis', () => {
  it('symmetricEigen3 recovers a known random SPD matrix: V Λ Vᵀ = M, VᵀV = I', () => {
    const rng = new Rng(1606);
    let worstRecon = 0;
    let worstValue = 0;
    for (let t = 0; t < 20; t++) {
      const q = randomOrthogonal3(() => rng.next());
      const lambdas = [0.05 + rng.next() * 3, 0.05 + rng.next() * 3, 0.05 + rng.next() * 3];
      const m = matMul3(matMul3(q, [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? lambdas[i]! : 0)))), transpose3(q));
      const sym = m.map((row, i) => row.map((_, j) => (m[i]![j]! + m[j]![i]!) / 2));
      const { values, vectors } = symmetricEigen3(sym as unknown as Matrix3);
      const sorted = [...lambdas].sort((a, b) => b - a);
      values.forEach((v, i) => (worstValue = Math.max(worstValue, Math.abs(v - sorted[i]!))));
      const v: Mat3 = transpose3(vectors.map((p) => [...p]));
      const recon = matMul3(matMul3(v, [0, 1, 2].map((i) => [0, 1, 2].map((j) => (i === j ? values[i]! : 0)))), transpose3(v));
      const gram = matMul3(transpose3(v), v);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          worstRecon = Math.max(worstRecon, Math.abs(recon[i]![j]! - sym[i]![j]!), Math.abs(gram[i]![j]! - (i === j ? 1 : 0)));
        }
    }
    console.log(`[augment] eigen: worst |VΛVᵀ − M|, |VᵀV − I| ${worstRecon.toExponential(2)}, worst |λ − λ_true| ${worstValue.toExponential(2)}`);
    expect(worstRecon).toBeLessThan(1e-12);
    expect(worstValue).toBeLessThan(1e-12);
  });

  it('pcaColourBasis: covariance of the pixels and its eigenpairs (C p = λ p)', () => {
    const rng = new Rng(1607);
    const data = new Float32Array(3 * 3 * 11 * 13);
    for (let i = 0; i < data.length; i++) data[i] = rng.next() * 255;
    // correlate G and B with R
    const plane = 11 * 13;
    for (let n = 0; n < 3; n++)
      for (let i = 0; i < plane; i++) {
        data[(n * 3 + 1) * plane + i] = 0.5 * data[n * 3 * plane + i]! + 0.5 * data[(n * 3 + 1) * plane + i]!;
        data[(n * 3 + 2) * plane + i] = 0.3 * data[n * 3 * plane + i]! + 0.7 * data[(n * 3 + 2) * plane + i]!;
      }
    const basis = pcaColourBasis(data, [3, 3, 11, 13]);
    const ref = rgbCovarianceRef(data, [3, 3, 11, 13]);
    let covErr = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) covErr = Math.max(covErr, Math.abs(basis.covariance[i]![j]! - ref[i]![j]!) / 1000);
    let pairErr = 0;
    basis.eigenvectors.forEach((p, i) => {
      const cp = matMul3(ref, [[p[0]], [p[1]], [p[2]]] as Mat3);
      for (let k = 0; k < 3; k++) pairErr = Math.max(pairErr, Math.abs(cp[k]![0]! - basis.eigenvalues[i]! * p[k]!) / basis.eigenvalues[0]);
    });
    console.log(`[augment] pca basis: covariance |d|/1000 ${covErr.toExponential(2)}, eigenpair residual / λ1 ${pairErr.toExponential(2)}, λ = [${basis.eigenvalues.map((l) => l.toFixed(1)).join(', ')}]`);
    expect(covErr).toBeLessThan(1e-9);
    expect(pairErr).toBeLessThan(1e-9);
    expect(basis.eigenvalues[0]).toBeGreaterThan(basis.eigenvalues[1]);
    expect(basis.eigenvalues[1]).toBeGreaterThan(basis.eigenvalues[2]);
  });
});

describe('bad input gets a typed error that names the problem', () => {
  const g: AugmentGeometry = { batch: 2, channels: 3, inHeight: 10, inWidth: 12, outHeight: 8, outWidth: 8 };
  const ok: AugmentSample = { crop: [1, 1, 8, 8], mirror: false, offset: [0, 0, 0] };

  it('shapes', async () => {
    const ctx = await testContext();
    await expect(augmentBatch(ctx, { data: new Float32Array(10), shape: [1, 3, 4, 4] })).rejects.toThrow(InputError);
    await expect(augmentBatch(ctx, { data: new Float32Array(48), shape: [1, 3, 4, 4] as unknown as [number, number, number, number] }, {})).resolves.toBeDefined();
    await expect(augmentBatch(ctx, { data: new Float32Array(48), shape: [3, 4, 4] as unknown as [number, number, number, number] })).rejects.toThrow(/NCHW/);
    await expect(augmentBatch(ctx, { data: new Float32Array(32), shape: [1, 2, 4, 4] })).rejects.toThrow(/invalid channels.*1 \(grayscale\) or 3 \(RGB\)/);
    expect(() => augmentBatchDispatch({ ...g, outWidth: 0 }, { input: {} as GPUBuffer, samples: {} as GPUBuffer, output: {} as GPUBuffer })).toThrow(/invalid outWidth/);
    expect(() => packAugmentSamples(g, [ok])).toThrow(/one entry per batch sample \(2\), got 1/);
    const augmenter = new Augmenter(ctx, g, {});
    const small = createTensorBuffer(ctx.device, 16 * 4, 'small');
    const big = createTensorBuffer(ctx.device, 2 * 3 * 10 * 12 * 4, 'big');
    const err = await augmenter.encode(ctx.device.createCommandEncoder(), small, big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/input "input": an NCHW \[2, 3, 10, 12\] float32 batch needs 2880 bytes/);
    await augmenter.destroy();
    small.destroy();
    big.destroy();
  });

  it('crops outside the image, offsets of the wrong length', () => {
    for (const crop of [
      [-0.5, 0, 8, 8],
      [5, 0, 8, 8],
      [0, 2.5, 4, 8],
      [0, 0, 0, 8],
      [0, 0, NaN, 8],
    ] as const) {
      const e = thrown(() => packAugmentSamples(g, [ok, { ...ok, crop }]));
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect((e as InvalidParameterError).parameter).toBe('samples[1].crop');
    }
    expect(() => packAugmentSamples(g, [ok, { ...ok, offset: [1] }])).toThrow(/samples\[1\]\.offset: needs 3 finite/);
  });

  it('colour options on grayscale, out-of-range options', async () => {
    const e = thrown(() => checkAugmentOptions({ colourShift: 0.1 }, 1));
    expect(e).toBeInstanceOf(InvalidParameterError);
    expect(e.message).toMatch(/colourShift: colour shifting needs RGB input \(3 channels\), the batch has 1/);
    const basis = { mean: [0, 0, 0], covariance: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], eigenvalues: [1, 1, 1], eigenvectors: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] } as never;
    expect(() => checkAugmentOptions({ pca: { sigma: 0.1, basis } }, 1)).toThrow(/invalid pca: PCA colour augmentation needs RGB/);
    expect(() => checkAugmentOptions({ colourShift: 0 }, 1)).not.toThrow();
    // the same refusals from the public entry points
    const gray = { batch: 1, channels: 1, inHeight: 6, inWidth: 6, outHeight: 6, outWidth: 6 };
    expect(() => new Augmenter({ device: {} as GPUDevice }, gray, { pca: { sigma: 0.1, basis } })).toThrow(InvalidParameterError);
    await expect(augmentBatch({ device: {} as GPUDevice }, { data: new Float32Array(36), shape: [1, 1, 6, 6] }, { colourShift: 0.2 })).rejects.toThrow(/colourShift/);
    expect(() => checkAugmentOptions({ mirror: 1.5 }, 3)).toThrow(/invalid mirror/);
    expect(() => checkAugmentOptions({ crop: { scale: [0, 1], aspect: [1, 1] } }, 3)).toThrow(/invalid crop.scale/);
    expect(() => checkAugmentOptions({ crop: { scale: [0.5, 1], aspect: [2, 1] } }, 3)).toThrow(/invalid crop.aspect/);
    expect(() => checkAugmentOptions({ pca: { sigma: -1, basis } }, 3)).toThrow(/invalid pca.sigma/);
    expect(() => checkAugmentOptions({ pca: { sigma: 0.1 } as never }, 3)).toThrow(/invalid pca.basis.*pcaColourBasis/);
    expect(() => pcaColourBasis(new Float32Array(16), [1, 1, 4, 4])).toThrow(/invalid channels: PCA colour augmentation needs RGB/);
    expect(() => pcaColourBasis(new Float32Array(10), [1, 3, 4, 4])).toThrow(InputError);
    expect(() => symmetricEigen3([[1, 2, 0], [0, 1, 0], [0, 0, 1]])).toThrow(/must be symmetric/);
  });
});
