/**
 * The demo page in Debian's Chromium (WebGPU on SwiftShader), against the
 * built site: a digit drawn on the pad with the mouse (and the layout at a
 * phone's 390×844), MNIST test digits on "paper" through Chromium's fake
 * camera (a y4m this test writes, blank paper between digits: the hint and
 * the live preview), the camera-denied fallback with photo uploads (shown,
 * the pad cleared, a blank photo, a file that is no picture), the webcam
 * classifier (top-5 cleared on a model switch and marked stale on a
 * failure, wrong-architecture weights summarized), the no-WebGPU screen, and
 * "What a convolution sees": the course's 6×6 example, an edited kernel and
 * the live pad against the float64 references, LeNet-5's C1/C3 and a
 * classifier's stem drawn from GPU buffers. Screenshots land in
 * test-results/e2e/; measured frame rates and GPU times are printed.
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
import { Rng } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';
import { avgPool2dRef, maxPool2dRef } from '../reference/pool2d.js';
import { mnistTestDigits, paperPhoto, sceneFrame, y4m } from './mnist_images.js';
import { ChromiumPool, requireChromium, WEBGPU_ON_SWIFTSHADER } from './chromium.js';
import { serveStatic, type StaticServer } from './static_server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/e2e');
/** MNIST test images #18 (a 3) and #4 (a 4): the camera and the photo upload show these. */
const CAMERA_DIGIT = 18;
const PHOTO_DIGIT = 4;
/** A phone's viewport (an iPhone 12–15's CSS pixels). */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 900 };
/** Compositor flags under which Chromium on SwiftShader can present WebGPU canvases (without them the swapchain fails). */
const WEBGPU_CANVAS = ['--enable-gpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
/** The course's worked example (P107): this image and the vertical filter give this 4×4. */
const COURSE_IMAGE = [3, 0, 1, 2, 7, 4, 1, 5, 8, 9, 3, 1, 2, 7, 2, 5, 1, 3, 0, 1, 3, 1, 7, 8, 4, 2, 1, 6, 2, 8, 2, 4, 5, 2, 3, 9];
const VERTICAL = [1, 0, -1, 1, 0, -1, 1, 0, -1];
const COURSE_OUTPUT = [-5, -4, 0, 8, -10, -2, 2, 3, 0, -2, -4, -7, -3, -2, -3, -16];

let work: string;
let server: StaticServer;
const chromium = new ChromiumPool();
const launch = (extraArgs: string[]): Promise<Browser> => chromium.launch(extraArgs, { defaultViewport: DESKTOP });

/** Opens the demo (with `query`, e.g. '?maps=webgpu') and waits until it is ready (LeNet-5 compiled) or has shown a failure screen. */
async function openDemo(browser: Browser, query = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(server.url + query, { waitUntil: 'load' });
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

async function draw(page: Page, strokes: [number, number][][], pad = '#pad'): Promise<void> {
  await page.$eval(pad, (e) => e.scrollIntoView({ block: 'center' }));
  const box = (await (await page.$(pad))!.boundingBox())!;
  // strokes are in the canvas's 280×280 units
  const at = ([x, y]: [number, number]) => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280] as const;
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]!));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 6 });
    await page.mouse.up();
  }
}

const rect = (page: Page, selector: string) => page.$eval(selector, (e) => JSON.parse(JSON.stringify(e.getBoundingClientRect())) as DOMRect);
const text = (page: Page, selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
const dataset = (page: Page, selector: string) => page.$eval(selector, (e) => ({ ...(e as HTMLElement).dataset }));
/** The status line never blames the GPU for what was the user's file. */
async function noGpuFailure(page: Page): Promise<void> {
  expect(await text(page, '#status-title')).not.toContain('failed on the GPU');
  expect((await data(page)).modelError).toBeUndefined();
}

/** Float64 conv 3×3 (no padding, stride 1) of one image, then its 2×2 / 2 max and average pools: what the filter view must show. */
function filterRef(image: readonly number[], height: number, width: number, kernel: readonly number[]) {
  const conv = conv2dRef(
    { batch: 1, inChannels: 1, inHeight: height, inWidth: width, outChannels: 1, kernelHeight: 3, kernelWidth: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, groups: 1 },
    image,
    kernel,
  );
  const pool = { batch: 1, channels: 1, height: conv.outHeight, width: conv.outWidth, kernelH: 2, kernelW: 2, strideH: 2, strideW: 2, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, dilationH: 1, dilationW: 1, ceilMode: false, countIncludePad: true };
  return { edges: Array.from(conv.y), maxPool: Array.from(maxPool2dRef(conv.y, pool)), avgPool: Array.from(avgPool2dRef(conv.y, pool)) };
}

/** float32 results against float64 references. */
function expectClose(got: readonly number[], want: readonly number[], what: string, tolerance = 1e-4): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  want.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i]! - v) / (1 + Math.abs(v)))));
  expect(worst, what).toBeLessThan(tolerance);
}

/** The by-hand panel's numbers once they come from `kernel`. */
async function handNumbers(page: Page, kernel: readonly number[]) {
  await page.waitForFunction((k) => document.getElementById('conv-output')!.dataset.kernel === k, { timeout: 60_000 }, JSON.stringify(kernel));
  const read = (id: string) => page.$eval(id, (e) => JSON.parse((e as HTMLElement).dataset.values ?? '[]') as number[]);
  const image = await page.$eval('#conv-output', (e) => JSON.parse((e as HTMLElement).dataset.image!) as number[]);
  const shown = await page.$$eval('#conv-output .cell', (cells) => cells.map((c) => Number(c.textContent)));
  return { image, edges: await read('#conv-output'), maxPool: await read('#conv-max'), avgPool: await read('#conv-avg'), shown };
}

interface LiveSnapshot {
  height: number;
  width: number;
  kernel: number[];
  input: number[];
  edges: number[];
  maxPool: number[];
  avgPool: number[];
}
const liveSnapshot = (page: Page) => page.evaluate(() => (globalThis as unknown as { webgpuCnnDemo: { conv: { snapshot(): Promise<LiveSnapshot> } } }).webgpuCnnDemo.conv.snapshot());

/**
 * The live picture's outputs (read back from the GPU by the page's test hook)
 * against the float64 filter of its own input. With `untilInk`, snapshots
 * are taken until one shows edges (the fake camera also shows blank paper).
 */
async function checkLive(page: Page, kernel: readonly number[], untilInk = false): Promise<LiveSnapshot> {
  let snap = await liveSnapshot(page);
  for (let tries = 0; untilInk && tries < 100 && Math.max(...snap.edges.map(Math.abs)) <= 0.5; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    snap = await liveSnapshot(page);
  }
  expect(snap.kernel).toEqual(kernel);
  const ref = filterRef(snap.input, snap.height, snap.width, kernel);
  expectClose(snap.edges, ref.edges, 'live edges');
  expectClose(snap.maxPool, ref.maxPool, 'live max pool');
  expectClose(snap.avgPool, ref.avgPool, 'live average pool');
  // a picture with something drawn on it: the check could fail
  expect(Math.max(...snap.edges.map(Math.abs))).toBeGreaterThan(0.5);
  return snap;
}

/** Waits until the live view has filtered a picture after `after` with `kernel`. */
async function nextLive(page: Page, after: number, kernel: readonly number[]): Promise<number> {
  await page.waitForFunction(
    (a, k) => {
      const live = document.getElementById('conv-live')!;
      return Number(live.dataset.count) > a && live.dataset.kernel === k;
    },
    { timeout: 120_000, polling: 100 },
    after,
    JSON.stringify(kernel),
  );
  // strokes queue their latest picture: wait for the queue to drain
  let last = -1;
  for (;;) {
    const count = Number((await dataset(page, '#conv-live')).count);
    if (count === last) return count;
    last = count;
    await new Promise((r) => setTimeout(r, 1000));
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
  // the fake camera (it loops): 320×240, 3 s of blank paper, then 3 s of the digit ~6× on slightly
  // uneven paper, wobbling a few pixels between frames
  const blank = new Uint8Array(784);
  const frames = Array.from({ length: 60 }, (_, i) =>
    paperPhoto(i < 30 ? blank : digits[CAMERA_DIGIT]!.pixels, { width: 320, height: 240, scale: 6.2, x: 76 + (i % 3) * 3, y: 34 + (i % 2) * 2, paper: 228, ink: 35, noise: 8, seed: i }),
  );
  await writeFile(join(work, 'digit.y4m'), y4m(frames, 320, 240, 10));
  const png = (pixels: Uint8Array, width: number, height: number) => {
    const image = new PNG({ width, height });
    image.data = Buffer.from(pixels);
    return PNG.sync.write(image);
  };
  await writeFile(join(work, 'digit.png'), png(paperPhoto(digits[PHOTO_DIGIT]!.pixels, { width: 300, height: 400, scale: 7, x: 60, y: 110, paper: 215, ink: 50, noise: 10, seed: 9 }), 300, 400));
  await writeFile(join(work, 'blank.png'), png(paperPhoto(blank, { width: 300, height: 400, scale: 7, x: 60, y: 110, paper: 215, ink: 50, noise: 10, seed: 10 }), 300, 400));
  // files that are no picture: one named like one (the browser cannot decode it), one plainly text
  await writeFile(join(work, 'not-a-picture.png'), 'these are notes, not pixels\n');
  await writeFile(join(work, 'notes.txt'), 'these are notes, not pixels\n');
  // the teach test's camera: 4 s of an orange scene with a dark disc, then 4 s of blue-green stripes, looping
  await writeFile(join(work, 'scenes.y4m'), y4m(Array.from({ length: 80 }, (_, i) => sceneFrame(i < 40 ? 'disc' : 'stripes', 320, 240, i)), 320, 240, 10));
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

    // on a phone the prediction sits above the pad, and both fit on one screen
    await page.setViewport(PHONE);
    await page.$eval('#pad', (e) => e.scrollIntoView({ block: 'end' }));
    const [panel, pad] = [await rect(page, '.prediction-panel'), await rect(page, '#pad')];
    await page.screenshot({ path: join(SHOTS, 'demo-digits-phone.png') });
    expect(panel.bottom, 'the prediction panel ends above the pad').toBeLessThanOrEqual(pad.top);
    expect(pad.bottom - panel.top, 'prediction and pad on one 844-px screen').toBeLessThanOrEqual(PHONE.height);
    expect(await visible(page, '#prediction')).toBe(true);
    await page.setViewport(DESKTOP);

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
    // blank paper in view: "–" with a hint that says what to hold up, and the preview keeps showing the camera's square
    const blankFrame = () =>
      page.evaluate(() => {
        const p = document.getElementById('prediction')!;
        const preview = document.getElementById('digit-input-preview')!;
        const hint = document.getElementById('digit-hint')!;
        return p.dataset.source === 'camera' && p.dataset.digit === '' && preview.dataset.shows === 'source' && !hint.classList.contains('hidden')
          ? { count: Number(p.dataset.count), draws: Number(preview.dataset.draws), hint: hint.textContent ?? '', text: p.textContent }
          : null;
      });
    await page.waitForFunction(() => {
      const p = document.getElementById('prediction')!;
      return p.dataset.source === 'camera' && p.dataset.digit === '' && document.getElementById('digit-input-preview')!.dataset.shows === 'source';
    }, { timeout: 120_000, polling: 50 });
    const firstBlank = (await blankFrame())!;
    expect(firstBlank.text).toBe('–');
    expect(firstBlank.hint).toContain('No digit in the dashed square');
    await page.screenshot({ path: join(SHOTS, 'demo-camera-no-digit.png'), fullPage: true });
    await page.waitForFunction((n) => {
      const p = document.getElementById('prediction')!;
      const preview = document.getElementById('digit-input-preview')!;
      return p.dataset.digit === '' && preview.dataset.shows === 'source' && Number(preview.dataset.draws) > n;
    }, { timeout: 120_000, polling: 50 }, firstBlank.draws);
    // then the digit: recognised, a few frames in so the frame rate means something, and the hint gone
    await page.waitForFunction((d) => document.getElementById('prediction')!.dataset.digit === d, { timeout: 120_000, polling: 50 }, expected);
    const first = Number((await prediction(page)).count);
    await page.waitForFunction((n, d) => {
      const p = document.getElementById('prediction')!;
      return Number(p.dataset.count) >= n + 5 && p.dataset.digit === d;
    }, { timeout: 120_000, polling: 50 }, first, expected);
    const got = await prediction(page);
    const perf = await data(page);
    await page.screenshot({ path: join(SHOTS, 'demo-camera-digit.png'), fullPage: true });
    expect(perf.camera).toBe('running');
    expect(got.digit, `confidence ${got.confidence}`).toBe(expected);
    expect(await visible(page, '#digit-hint')).toBe(false);
    expect((await dataset(page, '#digit-input-preview')).shows).toBe('input');
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

    // "What a convolution sees" on the camera: the kernel on each frame, and the stem of the classifier in use
    await page.click('#tab-conv');
    await page.waitForFunction(() => Number(document.getElementById('conv-live')!.dataset.count) >= 1, { timeout: 120_000 });
    await page.click('#conv-camera-start');
    await page.waitForFunction(
      () => document.getElementById('conv-live')!.dataset.source === 'camera' && document.getElementById('maps')!.dataset.model === 'mobilenet_v1_0.25' && Number(document.getElementById('maps-first')!.dataset.draws) >= 2,
      { timeout: 120_000, polling: 100 },
    );
    expect((await dataset(page, '#maps-first')).shape).toBe('8×112×112');
    expect(await text(page, '#maps-note')).toContain('random');
    await checkLive(page, VERTICAL, true);
    await page.screenshot({ path: join(SHOTS, 'demo-conv-camera.png'), fullPage: true });
    const [frames0, t0] = [Number((await dataset(page, '#conv-live')).count), Date.now()];
    await new Promise((r) => setTimeout(r, 3000));
    const convFps = ((Number((await dataset(page, '#conv-live')).count) - frames0) * 1000) / (Date.now() - t0);
    console.log(`convolution view on the camera (240×180 filter + pools, mobilenet_v1_0.25 stem at 224, maps painted): ${convFps.toFixed(1)} frames/s`);
    expect(errors).toEqual([]);
  });

  test('teach it your own classes: two camera scenes recorded as two classes, a head trained on the GPU, each scene then classified as its class', async () => {
    const browser = await launch([
      ...WEBGPU_ON_SWIFTSHADER,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${join(work, 'scenes.y4m')}`,
    ]);
    const { page, errors } = await openDemo(browser);
    await page.click('#tab-classify');
    await page.waitForSelector('#drop-zone[data-state="ready"]', { timeout: 240_000 });
    // the backbone: a random-weight LeNet-5 as ONNX (grayscale 32×32, quick on SwiftShader); random features of a
    // shallow network still tell the scenes apart, while deep random networks (the default MobileNet) collapse them
    await (await page.$('input#model-file'))!.uploadFile(join(work, 'lenet5-random.onnx'));
    await page.waitForFunction(() => document.getElementById('weights-note')!.dataset.weights === 'loaded', { timeout: 120_000 });
    await page.click('#classify-camera-start');
    await page.waitForSelector('#top5[data-state="fresh"]', { timeout: 120_000 });
    // which scene the camera shows now, from the video's own pixels: the disc scene is orange (red > blue)
    const scene = () =>
      page.evaluate(() => {
        const video = document.getElementById('classify-video') as HTMLVideoElement;
        const canvas = Object.assign(document.createElement('canvas'), { width: 16, height: 12 });
        const g = canvas.getContext('2d')!;
        g.drawImage(video, 0, 0, 16, 12);
        const px = g.getImageData(0, 0, 16, 12).data;
        let rb = 0;
        for (let i = 0; i < px.length; i += 4) rb += px[i]! - px[i + 2]!;
        return rb > 0 ? 'disc' : 'stripes';
      });
    const untilSceneStarts = async (wanted: string) => {
      // wait for the other scene, then for the switch, so the whole recording falls inside one scene
      while ((await scene()) === wanted) await new Promise((r) => setTimeout(r, 100));
      while ((await scene()) !== wanted) await new Promise((r) => setTimeout(r, 100));
    };
    for (const name of ['disc', 'stripes']) {
      await page.type('#teach-class-name', name);
      await page.click('#teach-add');
      await untilSceneStarts(name);
      await new Promise((r) => setTimeout(r, 300));
      const button = (await page.$(`.teach-class[data-name="${name}"] button`))!;
      const box = (await button.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await new Promise((r) => setTimeout(r, 2500));
      await page.mouse.up();
      expect(await scene(), `the ${name} scene lasted the whole recording`).toBe(name);
    }
    const counts = await page.$$eval('.teach-class', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.count)));
    expect(counts.every((n) => n >= 2), `samples recorded per class: ${counts.join(', ')}`).toBe(true);
    const started = Date.now();
    await page.click('#teach-train');
    await page.waitForSelector('#teach[data-state="trained"], #teach[data-state="error"]', { timeout: 300_000 });
    const status = await text(page, '#teach-status');
    expect((await dataset(page, '#teach')).state, status).toBe('trained');
    expect(Number((await dataset(page, '#teach-loss')).epochs)).toBeGreaterThan(1);
    console.log(`teach: ${counts.join(' + ')} samples recorded; ${status} (${((Date.now() - started) / 1000).toFixed(1)} s from the click, SwiftShader)`);
    await page.screenshot({ path: join(SHOTS, 'demo-teach-trained.png'), fullPage: true });

    // live: each scene, once it has been on screen for a second, is classified as its own class
    for (const name of ['disc', 'stripes']) {
      await untilSceneStarts(name);
      await new Promise((r) => setTimeout(r, 1200));
      await page.waitForFunction((n) => document.getElementById('top5')!.dataset.label === n, { timeout: 2500, polling: 50 }, name);
      expect(await scene(), `still the ${name} scene when it was read as ${name}`).toBe(name);
    }
    const labels = await page.$$eval('#top5 li .top-label', (items) => items.map((i) => i.textContent));
    expect(labels.sort()).toEqual(['disc', 'stripes']);
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

    // a drawing on the pad first: the photo must replace it
    let before = Number((await prediction(page)).count);
    await draw(page, [[[150, 45], [140, 140], [135, 235]]]);
    await nextPrediction(page, before, 'pad');
    before = Number((await prediction(page)).count);
    await (await page.$('input#digit-upload'))!.uploadFile(join(work, 'digit.png'));
    const got = await nextPrediction(page, before, 'photo');
    await page.screenshot({ path: join(SHOTS, 'demo-photo-digit.png'), fullPage: true });
    expect(got.digit, `confidence ${got.confidence}`).toBe(String(mnistTestDigits(PHOTO_DIGIT + 1)[PHOTO_DIGIT]!.label));
    expect(await visible(page, '#digit-photo')).toBe(true);
    expect(await page.$eval('#digit-photo', (e) => (e as HTMLImageElement).naturalWidth)).toBe(300);
    const inkOnPad = await page.$eval('#pad', (c) => {
      const { data: px } = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height);
      let dark = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! < 128) dark++;
      return dark;
    });
    expect(inkOnPad, 'the pad was cleared for the photo').toBe(0);
    // a still picture has no frame rate
    expect(await text(page, '#fps')).toBe('still image');
    expect((await data(page)).fps).toBe('');

    // a photo of blank paper: "–", and a hint that says what the photo needs
    before = Number((await prediction(page)).count);
    await (await page.$('input#digit-upload'))!.uploadFile(join(work, 'blank.png'));
    const blank = await nextPrediction(page, before, 'photo');
    expect(blank.text).toBe('–');
    expect(await text(page, '#digit-hint')).toContain('No digit found in this photo');
    expect((await dataset(page, '#digit-input-preview')).shows).toBe('source');

    // a file that is no picture: said by the upload, as an InputError, not as a GPU failure
    await (await page.$('input#digit-upload'))!.uploadFile(join(work, 'not-a-picture.png'));
    await page.waitForSelector('#digit-upload-status[data-error]', { timeout: 30_000 });
    expect((await dataset(page, '#digit-upload-status')).error).toBe('InputError');
    expect(await text(page, '#digit-upload-status')).toContain('“not-a-picture.png” is not a picture');
    await noGpuFailure(page);
    await page.screenshot({ path: join(SHOTS, 'demo-not-a-picture.png'), fullPage: true });

    // the classifier: a picture classified with the default model
    await page.click('#tab-classify');
    await page.waitForSelector('#drop-zone[data-state="ready"]', { timeout: 240_000 });
    expect((await dataset(page, '#top5')).state).toBe('empty');
    await (await page.$('input#classify-upload'))!.uploadFile(join(work, 'digit.png'));
    await page.waitForSelector('#top5[data-state="fresh"]', { timeout: 120_000 });
    expect(await page.$$eval('#top5 li', (items) => items.length)).toBe(5);
    expect(await text(page, '#fps')).toBe('still image');

    // weights for another architecture: one sentence that says so, the names only under "What did not match"
    await (await page.$('input#model-file'))!.uploadFile(join(ROOT, 'src/models/weights/lenet5.safetensors'));
    await page.waitForSelector('#drop-zone[data-state="error"]', { timeout: 60_000 });
    const weightStatus = await text(page, '#load-status');
    await page.screenshot({ path: join(SHOTS, 'demo-wrong-weights.png'), fullPage: true });
    expect(weightStatus).toContain('not for mobilenet_v1_0.25');
    expect(weightStatus).not.toMatch(/conv1\.weight|features\.|\.bias/);
    expect(weightStatus.length).toBeLessThan(320);
    expect(await visible(page, '#load-details')).toBe(true);
    expect(await text(page, '#load-details-text')).toContain('conv1.weight');
    // the old model stays, and so do its guesses
    expect((await dataset(page, '#top5')).state).toBe('fresh');

    // bring your own model: an ONNX file; the old model's top-5 go with it
    await (await page.$('input#model-file'))!.uploadFile(join(work, 'lenet5-random.onnx'));
    await page.waitForFunction(() => document.getElementById('weights-note')!.dataset.weights === 'loaded', { timeout: 120_000 });
    expect(await page.$eval('#drop-zone', (e) => (e as HTMLElement).dataset.state), await page.$eval('#load-status', (e) => e.textContent ?? '')).toBe('ready');
    expect((await dataset(page, '#top5')).state).toBe('empty');
    expect(await page.$$eval('#top5 li', (items) => items.length)).toBe(0);
    await (await page.$('input#classify-upload'))!.uploadFile(join(work, 'digit.png'));
    await page.waitForFunction(() => document.querySelectorAll('#top5 li').length === 5 && document.getElementById('top5')!.dataset.label!.startsWith('class '), { timeout: 120_000 });
    await page.screenshot({ path: join(SHOTS, 'demo-onnx-upload.png'), fullPage: true });
    await page.setViewport(PHONE);
    await page.screenshot({ path: join(SHOTS, 'demo-classifier-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the phone').toBeLessThanOrEqual(PHONE.width);
    await page.setViewport(DESKTOP);

    // a text file for the classifier: said by its upload; the guesses left are marked as older
    await (await page.$('input#classify-upload'))!.uploadFile(join(work, 'notes.txt'));
    await page.waitForSelector('#classify-upload-status[data-error]', { timeout: 30_000 });
    expect((await dataset(page, '#classify-upload-status')).error).toBe('InputError');
    expect((await dataset(page, '#top5')).state).toBe('stale');
    await noGpuFailure(page);
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

  test('what a convolution sees: the course\'s 6×6 example, an edited kernel and the live pad against float64; LeNet-5\'s C1 and C3 from GPU buffers', async () => {
    const browser = await launch(WEBGPU_ON_SWIFTSHADER);
    const { page, errors } = await openDemo(browser);
    await page.click('#tab-conv');
    // the starting state is the course's own example: its image, the vertical filter, and the 4×4 it prints
    const start = await handNumbers(page, VERTICAL);
    expect(start.image).toEqual(COURSE_IMAGE);
    expect(start.edges).toEqual(COURSE_OUTPUT);
    expect(start.shown).toEqual(COURSE_OUTPUT);
    const startRef = filterRef(COURSE_IMAGE, 6, 6, VERTICAL);
    expect(start.maxPool).toEqual(startRef.maxPool);
    expect(start.avgPool).toEqual(startRef.avgPool);
    await page.screenshot({ path: join(SHOTS, 'demo-conv.png'), fullPage: true });

    // a kernel typed into the page, cell by cell: the numbers follow the float64 reference
    const rng = new Rng(15);
    const typed = Array.from({ length: 9 }, () => Math.round(rng.next() * 800 - 400) / 100);
    const cells = await page.$$('#conv-kernel input');
    for (const [i, cell] of cells.entries()) {
      await cell.click({ clickCount: 3 });
      await cell.type(String(typed[i]));
    }
    const edited = await handNumbers(page, typed);
    const editedRef = filterRef(COURSE_IMAGE, 6, 6, typed);
    expectClose(edited.edges, editedRef.edges, 'edited kernel: output');
    expectClose(edited.maxPool, editedRef.maxPool, 'edited kernel: max pool');
    expectClose(edited.avgPool, editedRef.avgPool, 'edited kernel: average pool');
    // what the cells print, to 3 decimals
    edited.shown.forEach((v, i) => expect(Math.abs(v - editedRef.edges[i]!), `cell ${i}`).toBeLessThan(6e-4));
    expect(await text(page, '#conv-kernel-name')).toBe('your kernel');

    // the same kernel on the pad, live: the page's own input and outputs read back against float64
    let count = Number((await dataset(page, '#conv-live')).count);
    await draw(page, [[[70, 60], [210, 60], [160, 140], [120, 235]]], '#conv-pad');
    count = await nextLive(page, count, typed);
    await checkLive(page, typed);
    // LeNet-5's first layers on that drawing, drawn from the buffers run(…, { keepOnGpu: true }) returned
    await page.waitForFunction(() => Number(document.getElementById('maps-second')!.dataset.draws) >= 1, { timeout: 60_000 });
    expect(await dataset(page, '#maps')).toMatchObject({ digit: 'true', model: 'LeNet-5' });
    expect((await dataset(page, '#maps-first')).shape).toBe('6×28×28');
    expect((await dataset(page, '#maps-second')).shape).toBe('16×10×10');

    // a preset: Sobel, by hand and live
    await page.click('#kernel-presets button[data-kernel="sobel"]');
    const sobel = [1, 0, -1, 2, 0, -2, 1, 0, -1];
    expect((await handNumbers(page, sobel)).edges).toEqual(filterRef(COURSE_IMAGE, 6, 6, sobel).edges);
    await nextLive(page, count, sobel);
    await checkLive(page, sobel);
    await page.screenshot({ path: join(SHOTS, 'demo-conv-drawn.png'), fullPage: true });
    await page.setViewport(PHONE);
    await page.screenshot({ path: join(SHOTS, 'demo-conv-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the phone').toBeLessThanOrEqual(PHONE.width);
    await noGpuFailure(page);
    expect(errors).toEqual([]);

    // where Chromium can present WebGPU canvases, the maps go straight from the GPU buffers to the screen
    const gpuBrowser = await launch([...WEBGPU_ON_SWIFTSHADER, ...WEBGPU_CANVAS]);
    const gpu = await openDemo(gpuBrowser, '?maps=webgpu');
    await gpu.page.click('#tab-conv');
    await handNumbers(gpu.page, VERTICAL);
    count = await nextLive(gpu.page, -1, VERTICAL);
    await draw(gpu.page, [[[150, 45], [140, 140], [135, 235]]], '#conv-pad');
    await nextLive(gpu.page, count, VERTICAL);
    await gpu.page.waitForFunction(() => Number(document.getElementById('maps-first')!.dataset.draws) >= 1, { timeout: 60_000 });
    expect((await dataset(gpu.page, '#conv-live-edges')).presenter).toBe('webgpu');
    await checkLive(gpu.page, VERTICAL);
    // the swapchain did not take the device with it: the by-hand numbers still compile and run
    await gpu.page.click('#kernel-presets button[data-kernel="scharr"]');
    const scharr = [3, 0, -3, 10, 0, -10, 3, 0, -3];
    expect((await handNumbers(gpu.page, scharr)).edges).toEqual(filterRef(COURSE_IMAGE, 6, 6, scharr).edges);
    await noGpuFailure(gpu.page);
    expect(gpu.errors).toEqual([]);
  });
});
