/**
 * classify() in Debian's Chromium (WebGPU on SwiftShader), through the
 * public API only (test/e2e/pages/classify_page.ts imports src/index.ts, as
 * an app imports 'webgpu-cnn'), on a page Vite builds here (the library's
 * assets — LeNet-5's weights, ImageNet's labels — emitted as a bundler
 * would): a <video> fed by Chromium's fake camera showing an MNIST test
 * digit on paper, and ImageBitmaps of MNIST digits, read by the shipped
 * LeNet-5; and an ImageNet-recipe model (mobilenet_v1_0.25 at 224, random
 * weights) on an ImageBitmap, whose scores equal the softmax of model.run
 * on the tensor preprocess() gives, a tensor that equals the float64
 * reference of torchvision's Resize(256) + CenterCrop(224).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Rng } from '../helpers/random.js';
import { imageToTensorRef } from '../reference/image.js';
import { ChromiumPool, requireChromium, WEBGPU_ON_SWIFTSHADER } from './chromium.js';
import { mnistTestDigits, paperPhoto, y4m } from './mnist_images.js';
import { serveStatic, type StaticServer } from './static_server.js';

const PAGES = resolve(import.meta.dirname, 'pages');
/** MNIST test image #18, a 3, on the fake camera. */
const CAMERA_DIGIT = 18;

let work: string;
let server: StaticServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const chromium = new ChromiumPool();

beforeAll(async () => {
  requireChromium();
  work = await mkdtemp(join(tmpdir(), 'webgpu-cnn-classify-e2e-'));
  await build({
    configFile: false,
    root: PAGES,
    base: './',
    logLevel: 'warn',
    publicDir: false,
    build: { outDir: join(work, 'site'), emptyOutDir: true, target: 'es2022', modulePreload: { polyfill: false }, rolldownOptions: { input: join(PAGES, 'classify.html') } },
  });
  server = await serveStatic(join(work, 'site'));
  // the fake camera: 320×240, the digit ~6× on slightly uneven paper, wobbling a few pixels between frames
  const digit = mnistTestDigits(CAMERA_DIGIT + 1)[CAMERA_DIGIT]!;
  const frames = [0, 1, 2, 3].map((i) => paperPhoto(digit.pixels, { width: 320, height: 240, scale: 6.2, x: 76 + (i % 3) * 3, y: 34 + (i % 2) * 2, paper: 228, ink: 35, noise: 8, seed: i }));
  await writeFile(join(work, 'digit.y4m'), y4m(frames, 320, 240, 10));
  browser = await chromium.launch([...WEBGPU_ON_SWIFTSHADER, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${join(work, 'digit.y4m')}`]);
  page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${server.url}classify.html`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="yes"]', { timeout: 60_000 });
}, 300_000);

afterAll(async () => {
  await chromium.closeAll();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('classify() in Chromium', () => {
  test('LeNet-5 on a <video> of the fake camera: the digit it shows', async () => {
    const expected = String(mnistTestDigits(CAMERA_DIGIT + 1)[CAMERA_DIGIT]!.label);
    const { answers, size } = await page.evaluate((n) => window.classifyPage.lenetOnCamera(n), 3);
    console.log(`fake camera ${size.join('×')}: ${answers.map((a) => `${a[0]?.label} (${a[0]?.score.toFixed(3)})`).join(', ')}`);
    expect(size).toEqual([320, 240]);
    for (const answer of answers) {
      expect(answer).toHaveLength(3);
      expect(answer[0]!.label).toBe(expected);
    }
    expect(errors).toEqual([]);
  });

  test('LeNet-5 on ImageBitmaps of MNIST test digits, as they are and photographed on paper', async () => {
    const digits = mnistTestDigits(8);
    const raw = digits.map((d) => ({ rgba: Array.from(d.pixels).flatMap((v) => [v, v, v, 255]), width: 28, height: 28 }));
    const photos = digits.map((d, i) => ({ rgba: Array.from(paperPhoto(d.pixels, { width: 150, height: 120, scale: 3.5, x: 20 + 3 * i, y: 8, paper: 225, ink: 40, noise: 5, seed: i })), width: 150, height: 120 }));
    const labels = await page.evaluate((pictures) => window.classifyPage.lenetOnBitmaps(pictures), [...raw, ...photos]);
    const expected = digits.map((d) => String(d.label));
    console.log(`ImageBitmaps: ${labels.join(' ')} (expected ${expected.join(' ')} twice)`);
    expect(labels).toEqual([...expected, ...expected]);
    expect(errors).toEqual([]);
  });

  test('mobilenet_v1_0.25 at 224 (random weights) on an ImageBitmap: scores = softmax(run(preprocess())) within 1e-4, the tensor = the float64 recipe', async () => {
    const [width, height] = [256, 192];
    const rng = new Rng(31);
    const rgba = Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : rng.int(0, 255)));
    const r = await page.evaluate((...args) => window.classifyPage.imagenetOnBitmap(...args), 'mobilenet_v1_0.25', rgba, width, height);
    console.log(`mobilenet_v1_0.25 on an ImageBitmap: top-5 ${r.top5.join(', ')}; |score − softmax(run)| ≤ ${r.maxAbs.toExponential(2)} (relative ${r.maxRel.toExponential(2)})`);
    expect(r.classes).toBe(1000);
    expect(r.preprocessing).toMatchObject({ fit: 'center-crop', width: 224, height: 224, channels: 3, resize: 256 });
    expect(r.top5).toEqual(r.referenceTop5);
    expect(r.maxRel).toBeLessThanOrEqual(1e-4);

    // torchvision: short side 192 → 256, long side int(256 · 256 / 192) = 341; CenterCrop offsets round(58.5) = 58, 16; 0.75 source pixels per output pixel
    const [sx, sy] = [256 / 341, 192 / 256];
    const reference = imageToTensorRef(new Uint8Array(rgba), width, height, {
      channels: 3, outWidth: 224, outHeight: 224, cropRect: [58 * sx, 16 * sy, 224 * sx, 224 * sy], dstRect: [0, 0, 224, 224],
      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], grayscale: false, invert: false, levels: [0, 1], fill: [0, 0, 0], samples: 1,
    });
    const bytes = Buffer.from(r.tensor, 'base64');
    const tensor = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    expect(tensor).toHaveLength(3 * 224 * 224);
    let worst = 0;
    tensor.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference[i]!))));
    console.log(`its preprocessed tensor vs the float64 Resize(256) + CenterCrop(224): max |Δ| ${worst.toExponential(2)}`);
    // float32 sample positions (~1e-4 px off at these coordinates) on noise (up to a full step between
    // neighbours), over std ≥ 0.224: < 5e-4, a thirtieth of one grey level (1 / 255 / 0.225 ≈ 0.017),
    // which a crop or filter off by a pixel would exceed many times
    expect(worst).toBeLessThan(5e-4);
    expect(errors).toEqual([]);
  });
});
