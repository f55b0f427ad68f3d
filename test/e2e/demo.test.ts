/**
 * The demo page in Debian's Chromium (WebGPU on SwiftShader), against the
 * built site: a digit drawn on the pad with the mouse, MNIST test digits on
 * "paper" through Chromium's fake camera (a y4m this test writes), the
 * camera-denied fallback with a photo upload, the webcam classifier, and the
 * no-WebGPU screen. Screenshots land in test-results/e2e/; measured frame
 * rates and GPU times are printed.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'puppeteer';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportOnnx } from '../../src/onnx/export.js';
import { lenet5 } from '../../src/models/lenet.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { mnistTestDigits, paperPhoto, y4m } from './mnist_images.js';
import { ChromiumPool, requireChromium, WEBGPU_ON_SWIFTSHADER } from './chromium.js';
import { serveStatic, type StaticServer } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/e2e');
/** MNIST test images #18 (a 3) and #4 (a 4): the camera and the photo upload show these. */
const CAMERA_DIGIT = 18;
const PHOTO_DIGIT = 4;

let work: string;
let server: StaticServer;
const chromium = new ChromiumPool();
const launch = (extraArgs: string[]): Promise<Browser> => chromium.launch(extraArgs, { defaultViewport: { width: 1200, height: 900 } });

/** Opens the demo and waits until it is ready (LeNet-5 compiled) or has shown a failure screen. */
async function openDemo(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('body:not([data-state="starting"])', { timeout: 180_000 });
  return { page, errors };
}

const data = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }));
interface Prediction {
  digit?: string;
  count?: string;
  confidence?: string;
  source?: string;
  text?: string | null;
}
const prediction = (page: Page): Promise<Prediction> => page.$eval('#prediction', (e) => ({ ...(e as HTMLElement).dataset, text: e.textContent }));
const visible = (page: Page, selector: string) => page.$eval(selector, (e) => (e as HTMLElement).offsetParent !== null);

/** Waits for the n-th prediction (from a given source) after `after`, then for the queue to drain. */
async function nextPrediction(page: Page, after: number, source: string, timeout = 120_000): Promise<Prediction> {
  await page.waitForFunction(
    (a, s) => {
      const p = document.getElementById('prediction')!;
      return Number(p.dataset.count) > a && p.dataset.source === s;
    },
    { timeout, polling: 100 },
    after,
    source,
  );
  // the pad queues its latest stroke: wait until no new prediction arrived for a second
  let last = -1;
  for (;;) {
    const count = Number((await prediction(page)).count);
    if (count === last) break;
    last = count;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return prediction(page);
}

async function draw(page: Page, strokes: [number, number][][]): Promise<void> {
  const box = (await (await page.$('#pad'))!.boundingBox())!;
  // strokes are in the canvas's 280×280 units
  const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]!));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 6 });
    await page.mouse.up();
  }
}

const ellipse = (cx: number, cy: number, rx: number, ry: number): [number, number][] =>
  Array.from({ length: 25 }, (_, i) => [cx + rx * Math.sin((2 * Math.PI * i) / 24), cy - ry * Math.cos((2 * Math.PI * i) / 24)]);

beforeAll(async () => {
  requireChromium();
  await mkdir(SHOTS, { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'webgpu-cnn-demo-'));
  const site = join(work, 'site');
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: site, emptyOutDir: true } });
  server = await serveStatic(site);

  const digits = mnistTestDigits(Math.max(CAMERA_DIGIT, PHOTO_DIGIT) + 1);
  // the fake camera: 320×240, the digit ~6× on slightly uneven paper, wobbling a few pixels between frames
  const frames = [0, 1, 2, 3, 4, 5].map((i) =>
    paperPhoto(digits[CAMERA_DIGIT]!.pixels, { width: 320, height: 240, scale: 6.2, x: 76 + (i % 3) * 3, y: 34 + (i % 2) * 2, paper: 228, ink: 35, noise: 8, seed: i }),
  );
  await writeFile(join(work, 'digit.y4m'), y4m(frames, 320, 240, 10));
  const photo = new PNG({ width: 300, height: 400 });
  photo.data = Buffer.from(paperPhoto(digits[PHOTO_DIGIT]!.pixels, { width: 300, height: 400, scale: 7, x: 60, y: 110, paper: 215, ink: 50, noise: 10, seed: 9 }));
  await writeFile(join(work, 'digit.png'), PNG.sync.write(photo));
  const graph = lenet5();
  await writeFile(join(work, 'lenet5-random.onnx'), exportOnnx(graph, randomWeights(graph, 7)));
}, 300_000);

afterAll(async () => {
  await chromium.closeAll();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('demo page in Chromium', () => {
  test('the drawing pad: a 1, a 7 and a 0 drawn with the mouse are read right while drawing', async () => {
    const browser = await launch(WEBGPU_ON_SWIFTSHADER);
    const { page, errors } = await openDemo(browser);
    expect((await data(page)).state, await page.$eval('#status', (e) => e.textContent ?? '')).toBe('ready');
    expect(await visible(page, '#digits-view')).toBe(true);
    const shapes: [string, [number, number][][]][] = [
      ['1', [[[150, 45], [140, 140], [135, 235]]]],
      ['7', [[[70, 60], [210, 60], [160, 140], [120, 235]]]],
      ['0', [ellipse(140, 140, 65, 95)]],
    ];
    for (const [expected, strokes] of shapes) {
      await page.click('#pad-clear');
      const before = Number((await prediction(page)).count);
      await draw(page, strokes);
      const got = await nextPrediction(page, before, 'pad');
      await page.screenshot({ path: join(SHOTS, `demo-pad-${expected}.png`), fullPage: true });
      expect(got.digit, `drew a ${expected}, confidence ${got.confidence}`).toBe(expected);
    }
    const perf = await data(page);
    console.log(`pad (LeNet-5): GPU ${perf.gpuMs || '(no timestamps)'} ms per prediction, wall ${perf.wallMs} ms`);

    // losing the device shows its screen, and the reload it offers brings the demo back
    await page.evaluate(() => (globalThis as unknown as { webgpuCnnDemo: { ctx: { device: GPUDevice } } }).webgpuCnnDemo.ctx.device.destroy());
    await page.waitForSelector('body[data-state="device-lost"]', { timeout: 30_000 });
    await page.screenshot({ path: join(SHOTS, 'demo-device-lost.png'), fullPage: true });
    expect(await visible(page, '#device-lost-view')).toBe(true);
    expect(await visible(page, '#app')).toBe(false);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#reload-button')]);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 180_000 });
    expect(errors).toEqual([]);
  });

  test('the fake camera shows an MNIST test digit on paper: it is recognised; then the webcam classifier runs on the same camera', async () => {
    const browser = await launch([
      ...WEBGPU_ON_SWIFTSHADER,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${join(work, 'digit.y4m')}`,
    ]);
    const { page, errors } = await openDemo(browser);
    const expected = String(mnistTestDigits(CAMERA_DIGIT + 1)[CAMERA_DIGIT]!.label);
    await page.click('#digit-camera-start');
    const first = await (async () => {
      await page.waitForFunction(() => document.getElementById('prediction')!.dataset.source === 'camera', { timeout: 120_000 });
      return Number((await prediction(page)).count);
    })();
    // a few frames in, so the frame rate means something
    await page.waitForFunction((n) => Number(document.getElementById('prediction')!.dataset.count) >= n + 5, { timeout: 120_000 }, first);
    const got = await prediction(page);
    const perf = await data(page);
    await page.screenshot({ path: join(SHOTS, 'demo-camera-digit.png'), fullPage: true });
    expect(perf.camera).toBe('running');
    expect(got.digit, `confidence ${got.confidence}`).toBe(expected);
    console.log(`camera digits (LeNet-5): ${perf.fps} frames/s, GPU ${perf.gpuMs || '(no timestamps)'} ms per frame, wall ${perf.wallMs} ms`);

    await page.click('#tab-classify');
    await page.waitForSelector('#drop-zone[data-state="ready"], #drop-zone[data-state="error"]', { timeout: 240_000 });
    expect(await page.$eval('#drop-zone', (e) => (e as HTMLElement).dataset.state), await page.$eval('#load-status', (e) => e.textContent ?? '')).toBe('ready');
    expect(await page.$eval('#weights-note', (e) => (e as HTMLElement).dataset.weights)).toBe('random');
    await page.click('#classify-camera-start');
    await page.waitForFunction(() => document.querySelectorAll('#top5 li').length === 5, { timeout: 120_000 });
    const fpsBefore = await page.$eval('#fps', (e) => e.textContent);
    await page.waitForFunction((f) => document.getElementById('fps')!.textContent !== f, { timeout: 120_000 }, fpsBefore);
    await new Promise((r) => setTimeout(r, 3000));
    const classify = await data(page);
    const layers = await page.$$eval('#layer-chart .layer-row', (rows) => rows.length);
    await page.screenshot({ path: join(SHOTS, 'demo-classifier.png'), fullPage: true });
    console.log(`camera classifier (mobilenet_v1_0.25, 224×224, random weights): ${classify.fps} frames/s, GPU ${classify.gpuMs || '(no timestamps)'} ms per frame, wall ${classify.wallMs} ms, ${layers} rows in the layer chart`);
    expect(classify.state).toBe('ready');

    // a download that cannot happen (offline, say) ends in a message that says what to do, and the old model stays
    await page.type('#model-url', 'http://127.0.0.1:9/resnet18.safetensors');
    await page.click('#url-form button[type="submit"]');
    await page.waitForSelector('#drop-zone[data-state="error"]', { timeout: 60_000 });
    const status = await page.$eval('#load-status', (e) => e.textContent ?? '');
    await page.screenshot({ path: join(SHOTS, 'demo-model-load-failed.png'), fullPage: true });
    expect(status).toContain('resnet18.safetensors');
    expect(status).toContain('offline');
    expect(errors).toEqual([]);
  });

  test('camera permission denied: the upload fallback appears and an uploaded photo of a digit is read; an ONNX file classifies an uploaded picture', async () => {
    const browser = await launch([...WEBGPU_ON_SWIFTSHADER, '--use-fake-device-for-media-stream']);
    const session = await browser.target().createCDPSession();
    await session.send('Browser.setPermission', { permission: { name: 'camera' }, setting: 'denied', origin: server.url.replace(/\/$/, '') });
    const { page, errors } = await openDemo(browser);
    await page.click('#digit-camera-start');
    await page.waitForSelector('#digit-camera-fallback:not(.hidden)', { timeout: 60_000 });
    expect((await data(page)).camera).toBe('denied');
    expect(await page.$eval('#digit-camera-fallback', (e) => e.textContent)).toContain('denied');
    expect(await visible(page, '#digit-upload')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'demo-camera-denied.png'), fullPage: true });

    const before = Number((await prediction(page)).count);
    await (await page.$('input#digit-upload'))!.uploadFile(join(work, 'digit.png'));
    const got = await nextPrediction(page, before, 'photo');
    await page.screenshot({ path: join(SHOTS, 'demo-photo-digit.png'), fullPage: true });
    expect(got.digit, `confidence ${got.confidence}`).toBe(String(mnistTestDigits(PHOTO_DIGIT + 1)[PHOTO_DIGIT]!.label));

    // bring your own model: an ONNX file chosen in the classifier tab, then a picture classified with it
    await page.click('#tab-classify');
    await page.waitForSelector('#drop-zone[data-state="ready"]', { timeout: 240_000 });
    await (await page.$('input#model-file'))!.uploadFile(join(work, 'lenet5-random.onnx'));
    await page.waitForFunction(() => document.getElementById('weights-note')!.dataset.weights === 'loaded', { timeout: 120_000 });
    expect(await page.$eval('#drop-zone', (e) => (e as HTMLElement).dataset.state), await page.$eval('#load-status', (e) => e.textContent ?? '')).toBe('ready');
    await (await page.$('input#classify-upload'))!.uploadFile(join(work, 'digit.png'));
    await page.waitForFunction(() => document.querySelectorAll('#top5 li').length === 5 && document.getElementById('top5')!.dataset.label!.startsWith('class '), { timeout: 120_000 });
    await page.screenshot({ path: join(SHOTS, 'demo-onnx-upload.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  test('without WebGPU the no-WebGPU screen says which browsers and flags', async () => {
    const browser = await launch([]);
    const { page, errors } = await openDemo(browser);
    await page.screenshot({ path: join(SHOTS, 'demo-no-webgpu-screen.png'), fullPage: true });
    const d = await data(page);
    expect(d.state).toBe('no-webgpu');
    expect(d.webgpu).toBe('unavailable');
    expect(await visible(page, '#no-webgpu-view')).toBe(true);
    expect(await visible(page, '#app')).toBe(false);
    const text = await page.$eval('#no-webgpu-view', (e) => e.textContent ?? '');
    expect(text).toContain('enable-unsafe-webgpu');
    expect(text).toContain('Safari');
    expect(errors).toEqual([]);
  });
});
