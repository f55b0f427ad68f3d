import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { readTensor, createTensorBuffer } from '../../src/gpu/buffers.js';
import { runDispatches } from '../../src/kernels/dispatch.js';
import { ImageFrame } from '../../src/image/frame.js';
import { resizeCenterCropRect } from '../../src/image/preprocessing.js';
import { imageToTensor, type Rect } from '../../src/kernels/image_to_tensor.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { imageToTensorRef, type ImageRefParams } from '../reference/image.js';

const f = Math.fround;

function randomCase(rng: Rng) {
  const width = rng.int(1, 150);
  const height = rng.int(1, 90);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = rng.int(0, 255);
  const channels = rng.pick([1, 3] as const);
  const outWidth = rng.int(1, 40);
  const outHeight = rng.int(1, 40);
  // crops that may reach past the edges (clamped sampling) and fractional destinations that may not cover the output
  const cropRect: Rect = [f(rng.next() * width - width * 0.2), f(rng.next() * height - height * 0.2), f(width * (0.2 + rng.next())), f(height * (0.2 + rng.next()))];
  const dstRect: Rect = rng.bool(0.4)
    ? [0, 0, outWidth, outHeight]
    : [f((rng.next() - 0.3) * outWidth), f((rng.next() - 0.3) * outHeight), f(outWidth * (0.3 + rng.next())), f(outHeight * (0.3 + rng.next()))];
  const lo = rng.bool() ? 0 : f(rng.next() * 0.4);
  const p: ImageRefParams = {
    channels,
    outWidth,
    outHeight,
    cropRect,
    dstRect,
    mean: Array.from({ length: channels }, () => f(rng.next())),
    std: Array.from({ length: channels }, () => f(0.1 + rng.next())),
    grayscale: rng.bool(),
    invert: rng.bool(),
    levels: [lo, rng.bool() ? 1 : f(lo + 0.2 + rng.next() * 0.5)],
    fill: [f(rng.next()), f(rng.next()), f(rng.next())],
    samples: rng.int(1, 3),
  };
  return { width, height, rgba, p, outOffset: rng.int(0, 20) };
}

const describeCase = (c: ReturnType<typeof randomCase>) =>
  `src=${c.width}x${c.height} out=${c.p.channels}x${c.p.outHeight}x${c.p.outWidth} samples=${c.p.samples}` +
  `${c.p.grayscale ? ' gray' : ''}${c.p.invert ? ' invert' : ''} levels=[${c.p.levels.map((v) => v.toFixed(2))}]`;

describe('image_to_tensor', () => {
  const rng = new Rng(2024);
  const cases = Array.from({ length: 14 }, () => randomCase(rng));
  let worst = 0;

  for (const c of cases) {
    it(describeCase(c), async () => {
      const ctx = await testContext();
      const frame = new ImageFrame(ctx, 'test frame');
      frame.writePixels(c.rgba, c.width, c.height);
      const elements = c.p.channels * c.p.outWidth * c.p.outHeight;
      // a sentinel before and after the image checks outOffset and that nothing else is written
      const initial = new Float32Array(c.outOffset + elements + 8).fill(-7);
      const output = createTensorBuffer(ctx.device, initial, 'output');
      try {
        await runDispatches(ctx.device, [imageToTensor(frame, { ...c.p, outOffset: c.outOffset }, frame.buffer, output)]);
        const all = await readTensor(ctx.device, output, initial.length);
        const expected = imageToTensorRef(c.rgba, c.width, c.height, c.p);
        const got = all.subarray(c.outOffset, c.outOffset + elements);
        const error = relativeL2(got, expected);
        worst = Math.max(worst, error);
        expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
        expect([...all.subarray(0, c.outOffset), ...all.subarray(c.outOffset + elements)].every((v) => v === -7)).toBe(true);
      } finally {
        output.destroy();
        frame.destroy();
      }
    });
  }

  it('resizes a frame like Resize(256) + CenterCrop(224), on the same frame object reused at two sizes', async () => {
    const ctx = await testContext();
    const frame = new ImageFrame(ctx);
    const local = new Rng(5);
    for (const [width, height] of [[97, 61], [45, 80]] as const) {
      const rgba = new Uint8Array(width * height * 4).map(() => local.int(0, 255));
      frame.writePixels(rgba, width, height);
      const cropRect = resizeCenterCropRect(width, height, 40, 32);
      const p: ImageRefParams = {
        channels: 3, outWidth: 32, outHeight: 32, cropRect, dstRect: [0, 0, 32, 32], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
        grayscale: false, invert: false, levels: [0, 1], fill: [0, 0, 0], samples: 1,
      };
      const output = createTensorBuffer(ctx.device, 3 * 32 * 32 * 4, 'output');
      await runDispatches(ctx.device, [imageToTensor(frame, p, frame.buffer, output)]);
      const got = await readTensor(ctx.device, output, 3 * 32 * 32);
      output.destroy();
      expect(relativeL2(got, imageToTensorRef(rgba, width, height, p))).toBeLessThanOrEqual(F32_TOLERANCE);
    }
    frame.destroy();
    console.log(`image_to_tensor worst relative L2 over random cases: ${worst.toExponential(2)}`);
  });

  it('rejects bad parameters with InvalidParameterError', () => {
    const fake = {} as GPUBuffer;
    const src = { width: 8, height: 8, rowPixels: 64 };
    const base = { channels: 3 as const, outWidth: 4, outHeight: 4 };
    expect(() => imageToTensor(src, { ...base, channels: 2 as 3 }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => imageToTensor(src, { ...base, std: [1, 0, 1] }, fake, fake)).toThrow(/std/);
    expect(() => imageToTensor(src, { ...base, mean: [0.5] }, fake, fake)).toThrow(/mean/);
    expect(() => imageToTensor(src, { ...base, levels: [0.5, 0.5] }, fake, fake)).toThrow(/levels/);
    expect(() => imageToTensor(src, { ...base, cropRect: [0, 0, 0, 4] }, fake, fake)).toThrow(/cropRect/);
    expect(() => imageToTensor(src, { ...base, samples: 9 }, fake, fake)).toThrow(/samples/);
    expect(() => imageToTensor({ ...src, rowPixels: 4 }, base, fake, fake)).toThrow(/rowPixels/);
  });
});
