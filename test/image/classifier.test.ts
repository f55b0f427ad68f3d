/**
 * createClassifier / classify in Node (Dawn on SwiftShader): the shipped
 * LeNet-5 reads real MNIST test digits given as RGBA pixels, PNG and JPEG
 * bytes, a file path and a GPU texture; its scores are the softmax of the
 * low-level model.run on the tensor preprocess() shows; the ImageNet recipe
 * writes what the float64 image_to_tensor reference computes for
 * torchvision's Resize + CenterCrop (worked out here by hand); ONNX bytes
 * and a compiled model work as sources; bad sources, weights and inputs are
 * typed errors.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, InvalidParameterError, WeightError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { ImageFrame } from '../../src/image/frame.js';
import { ImageDecodeError } from '../../src/image/image_error.js';
import { preprocessImage } from '../../src/image/preprocess.js';
import { imagenetRecipe, MNIST_DIGIT_PREPROCESSING } from '../../src/image/recipe.js';
import { lenet5 } from '../../src/models/lenet.js';
import { imagenetLabels } from '../../src/models/pretrained.js';
import { loadPretrainedWeights } from '../../src/models/pretrained_node.js';
import { createClassifier, type Classifier } from '../../src/node.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { mnistTestDigits, paperPhoto } from '../e2e/mnist_images.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { imageToTensorRef } from '../reference/image.js';

const DIGITS = mnistTestDigits(50);

/** An MNIST digit (light ink on black) as RGBA pixels. */
function rgbaOf(pixels: Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(pixels.length * 4);
  pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
  return rgba;
}

function pngOf(rgba: ArrayLike<number>, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data.set(rgba);
  return new Uint8Array(PNG.sync.write(png));
}

/** Float64 softmax, written out here rather than taken from the library. */
function softmax64(logits: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(logits));
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

const best = (scores: readonly { label: string; score: number }[]) => scores[0]!.label;

let lenet: Classifier;
let dir: string;

beforeAll(async () => {
  lenet = await createClassifier('lenet5', { ctx: await testContext() });
  dir = mkdtempSync(join(tmpdir(), 'webgpu-cnn-classify-'));
});

afterAll(() => {
  lenet?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("createClassifier('lenet5') on real MNIST test digits", () => {
  it('reads ≥ 96% of 50 digits given as RGBA pixels; scores = softmax of model.run on preprocess()’s tensor within 1e-6', async () => {
    expect(lenet.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(lenet.preprocessing.fit).toBe('digit');
    let correct = 0;
    let worst = 0;
    const misses: string[] = [];
    for (const [i, digit] of DIGITS.entries()) {
      const image = { width: 28, height: 28, data: rgbaOf(digit.pixels) };
      const scores = await lenet.classify(image, { topK: 10 });
      expect(scores).toHaveLength(10);
      if (Number(best(scores)) === digit.label) correct++;
      else misses.push(`#${i}: ${digit.label} read as ${best(scores)}`);
      // the low-level path on the same tensor, ranked and softmaxed here
      const tensor = await lenet.preprocess(image);
      expect(tensor).toHaveLength(32 * 32);
      const logits = (await lenet.model.run(tensor)).float('logits');
      const reference = softmax64(logits);
      for (const { label, score } of scores) worst = Math.max(worst, Math.abs(score - reference[Number(label)]!));
      expect(scores.map((s) => Number(s.label)), `digit ${i} ranking`).toEqual([...reference.keys()].sort((a, b) => reference[b]! - reference[a]! || a - b));
    }
    console.log(`LeNet-5 via classify(): ${correct}/50 MNIST test digits right${misses.length ? ` (${misses.join(', ')})` : ''}; max |score − softmax(run)| ${worst.toExponential(2)}`);
    expect(correct / DIGITS.length).toBeGreaterThanOrEqual(0.96);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('PNG bytes, JPEG bytes of a paper photo, a file path and a GPU texture', async () => {
    const ctx = await testContext();
    const rng = new Rng(5);
    let correct = 0;
    const cases = DIGITS.slice(0, 8);
    for (const [i, digit] of cases.entries()) {
      const rgba = rgbaOf(digit.pixels);
      // PNG is lossless: the same tensor as the pixels themselves
      const png = pngOf(rgba, 28, 28);
      const fromPng = await lenet.preprocess(png);
      expect(fromPng).toEqual(await lenet.preprocess({ width: 28, height: 28, data: rgba }));
      const path = join(dir, `digit${i}.png`);
      writeFileSync(path, png);
      expect(await lenet.preprocess(path)).toEqual(fromPng);

      // dark ink on light paper, bigger and off centre, as a JPEG: the 'auto' ink polarity inverts it
      const [width, height] = [120, 100];
      const photo = paperPhoto(digit.pixels, { width, height, scale: 3, x: 10 + rng.int(0, 20), y: 5 + rng.int(0, 10), paper: 220, ink: 40, noise: 4, seed: i });
      const jpg = jpeg.encode({ width, height, data: photo }, 92).data;
      if (Number(best(await lenet.classify(jpg, { topK: 1 }))) === digit.label) correct++;

      // an rgba8unorm texture: copied GPU to GPU, the same tensor as its pixels
      const texture = ctx.device.createTexture({ size: [width, height], format: 'rgba8unorm', usage: GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST | GPUTextureUsage.TEXTURE_BINDING });
      ctx.device.queue.writeTexture({ texture }, photo as Uint8Array<ArrayBuffer>, { bytesPerRow: width * 4 }, [width, height]);
      expect(await lenet.preprocess(texture)).toEqual(await lenet.preprocess({ width, height, data: photo }));
      texture.destroy();
    }
    expect(correct, 'JPEG paper photos read right').toBeGreaterThanOrEqual(cases.length - 1);
  });

  it('a blank page gives no classes; its tensor is background everywhere', async () => {
    const blank = { width: 40, height: 40, data: new Uint8ClampedArray(40 * 40 * 4).fill(230) };
    expect(await lenet.classify(blank)).toEqual([]);
    const tensor = await lenet.preprocess(blank);
    const background = (0 - MNIST_DIGIT_PREPROCESSING.mean![0]!) / MNIST_DIGIT_PREPROCESSING.std![0]!;
    expect(Math.max(...tensor.map((v) => Math.abs(v - background)))).toBeLessThan(1e-6);
  });
});

describe('other sources', () => {
  it('ONNX bytes of the same network, and a compiled model (left to its owner by dispose)', async () => {
    const ctx = await testContext();
    const weights = await loadPretrainedWeights('lenet5');
    const digits = DIGITS.slice(0, 3).map((d) => ({ width: 28, height: 28, data: rgbaOf(d.pixels) }));
    const fromOnnx = await createClassifier(exportOnnx(lenet5(), weights), { ctx, preprocessing: MNIST_DIGIT_PREPROCESSING, labels: [...'0123456789'] });
    const model = await compile(ctx, lenet5(), weights);
    const fromModel = await createClassifier(model, { ctx, preprocessing: { fit: 'digit' }, labels: [...'0123456789'] });
    try {
      for (const image of digits) {
        const expected = await lenet.classify(image, { topK: 3 });
        for (const c of [fromOnnx, fromModel]) {
          const got = await c.classify(image, { topK: 3 });
          expect(got.map((s) => s.label)).toEqual(expected.map((s) => s.label));
          got.forEach((s, k) => expect(Math.abs(s.score - expected[k]!.score)).toBeLessThan(1e-5));
        }
      }
    } finally {
      fromOnnx.dispose();
      fromModel.dispose();
    }
    await new Promise((r) => setTimeout(r, 0));
    expect((await model.predict(new Float32Array(1024))).length).toBe(10); // still the caller's
    model.dispose();
  });

  it('an RGB zoo model (random weights) at 64 px: ImageNet labels, and the recipe’s tensor = the float64 reference of Resize(73) + CenterCrop(64)', async () => {
    const ctx = await testContext();
    const c = await createClassifier('mobilenet_v1_0.25', { ctx, weights: 'random', inputSize: 64 });
    try {
      expect(c.preprocessing).toMatchObject({ fit: 'center-crop', width: 64, height: 64, channels: 3, resize: 73 });
      expect(c.labels).toBe(await imagenetLabels());
      const [width, height] = [200, 150];
      const rng = new Rng(9);
      const rgba = new Uint8ClampedArray(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : rng.int(0, 255)));
      // torchvision: short side 150 → 73, long side int(73 · 200 / 150) = 97; CenterCrop offsets round(16.5) = 16, round(4.5) = 4
      const [sx, sy] = [200 / 97, 150 / 73];
      const reference = imageToTensorRef(new Uint8Array(rgba.buffer), width, height, {
        channels: 3, outWidth: 64, outHeight: 64, cropRect: [16 * sx, 4 * sy, 64 * sx, 64 * sy], dstRect: [0, 0, 64, 64],
        mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], grayscale: false, invert: false, levels: [0, 1], fill: [0, 0, 0],
        samples: 2, // 2.06 source pixels per output pixel
      });
      const tensor = await c.preprocess({ width, height, data: rgba });
      // float32 sample positions (~1e-4 px off at these coordinates) on noise (up to a full step between
      // neighbours), over std ≥ 0.224: < 5e-4, a thirtieth of one grey level (1 / 255 / 0.225 ≈ 0.017),
      // which a crop or filter off by a pixel would exceed many times
      expect(Math.max(...tensor.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(5e-4);
      const scores = await c.classify({ width, height, data: rgba }, { topK: 5 });
      const logits = (await c.model.run(tensor)).float(c.model.outputNames[0]!);
      const reference5 = softmax64(logits);
      const order = [...reference5.keys()].sort((a, b) => reference5[b]! - reference5[a]!).slice(0, 5);
      expect(scores.map((s) => s.label)).toEqual(order.map((i) => c.labels[i]));
      scores.forEach((s, k) => expect(Math.abs(s.score - reference5[order[k]!]!)).toBeLessThan(1e-6));
    } finally {
      c.dispose();
    }
  });

  it('preprocessImage writes a GPU buffer or returns a Float32Array, the same values', async () => {
    const ctx = await testContext();
    const frame = new ImageFrame(ctx);
    const rgba = new Uint8Array(50 * 30 * 4).map((_, i) => (i * 37) % 256);
    frame.writePixels(rgba, 50, 30);
    const recipe = imagenetRecipe(16);
    const values = await preprocessImage(ctx, frame, recipe);
    const buffer = ctx.device.createBuffer({ size: (8 + values.length) * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    expect(await preprocessImage(ctx, frame, recipe, { output: buffer, outOffset: 8 })).toBe(buffer);
    const { readTensor } = await import('../../src/gpu/buffers.js');
    expect(await readTensor(ctx.device, buffer, values.length, 32)).toEqual(values);
    await expect(preprocessImage(ctx, frame, recipe, { output: ctx.device.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE }) })).rejects.toThrow(InvalidParameterError);
    buffer.destroy();
    frame.destroy();
  });
});

describe('typed errors', () => {
  it('an unknown zoo id, a zoo model without weights, wrong-size weights, wrong labels', async () => {
    const ctx = await testContext();
    await expect(createClassifier('lenet6', { ctx })).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'model', message: expect.stringContaining('lenet5') });
    await expect(createClassifier('resnet18', { ctx })).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'weights' });
    const weights = await loadPretrainedWeights('lenet5');
    const wrong = new Map(weights);
    wrong.set('conv1.weight', new Float32Array(6 * 5 * 5 - 1)); // [6, 1, 5, 5] needs 150
    await expect(createClassifier('lenet5', { ctx, weights: wrong })).rejects.toThrow(WeightError);
    await expect(createClassifier('lenet5', { ctx, labels: ['a', 'b'] })).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'labels' });
    await expect(createClassifier('lenet5', { ctx, preprocessing: imagenetRecipe(32) })).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'preprocessing' });
    await expect(createClassifier(await compile(ctx, lenet5(), weights))).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'ctx' });
  });

  it('inputs that are not pictures', async () => {
    await expect(lenet.classify(42 as never)).rejects.toThrow(InputError);
    await expect(lenet.classify(new Float32Array(784) as never)).rejects.toThrow(InputError);
    await expect(lenet.classify({ width: 28, height: 28, data: new Uint8ClampedArray(10) })).rejects.toThrow(InputError);
    await expect(lenet.classify(new TextEncoder().encode('not a picture at all'))).rejects.toMatchObject({ name: 'ImageDecodeError', reason: 'not-an-image' });
    await expect(lenet.classify(join(dir, 'missing.png'))).rejects.toMatchObject({ name: 'ImageDecodeError', reason: 'unreadable' });
    await expect(lenet.classify(dir)).rejects.toMatchObject({ name: 'ImageDecodeError', reason: 'not-regular' });
    const png = pngOf(rgbaOf(DIGITS[0]!.pixels), 28, 28);
    const error = await lenet.classify(png.subarray(0, png.length - 20)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).reason).toBe('truncated');
    await expect(lenet.classify(png, { topK: 0 })).rejects.toMatchObject({ name: 'InvalidParameterError', parameter: 'topK' });
    // and the classifier still works after all that
    expect(Number(best(await lenet.classify(png)))).toBe(DIGITS[0]!.label);
  });
});
