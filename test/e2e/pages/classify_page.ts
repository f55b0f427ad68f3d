/**
 * The page test/e2e/classify.test.ts drives: the library's public API only
 * (src/index.ts, what `import … from 'webgpu-cnn'` gives a web app), one
 * GPU context shared by the classifiers, results handed back as plain data.
 */
import { createClassifier, createGpuContext, type Classifier, type GpuContext } from '../../../src/index.js';

let ctx: Promise<GpuContext> | undefined;
const gpu = () => (ctx ??= createGpuContext());
const classifiers = new Map<string, Promise<Classifier>>();

function classifier(id: string): Promise<Classifier> {
  let c = classifiers.get(id);
  if (!c) {
    c = gpu().then((context) => (id === 'lenet5' ? createClassifier('lenet5', { ctx: context }) : createClassifier(id, { ctx: context, weights: 'random' })));
    classifiers.set(id, c);
  }
  return c;
}

/** Float64 softmax, the page's own (not the library's). */
function softmax(logits: Float32Array): number[] {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const e = Array.from(logits, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function base64(floats: Float32Array): string {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function bitmapOf(rgba: number[], width: number, height: number): Promise<ImageBitmap> {
  return createImageBitmap(new ImageData(new Uint8ClampedArray(rgba), width, height));
}

const page = {
  /** The fake camera in a <video>, classified by the shipped LeNet-5 a few frames in. */
  async lenetOnCamera(frames: number) {
    const video = document.getElementById('camera') as HTMLVideoElement;
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 } });
    await video.play();
    while (video.readyState < 2) await new Promise((r) => setTimeout(r, 50));
    const c = await classifier('lenet5');
    const answers = [];
    for (let i = 0; i < frames; i++) answers.push(await c.classify(video, { topK: 3 }));
    return { answers, size: [video.videoWidth, video.videoHeight] };
  },

  /** ImageBitmaps of RGBA pictures through LeNet-5: the top label of each. */
  async lenetOnBitmaps(pictures: { rgba: number[]; width: number; height: number }[]) {
    const c = await classifier('lenet5');
    const labels = [];
    for (const p of pictures) {
      const bitmap = await bitmapOf(p.rgba, p.width, p.height);
      labels.push((await c.classify(bitmap, { topK: 1 }))[0]?.label ?? '(none)');
      bitmap.close();
    }
    return labels;
  },

  /**
   * An RGB zoo model (random weights) on an ImageBitmap: classify()'s scores
   * against softmax(model.run(preprocess(bitmap))), and the tensor itself
   * (base64 float32) for the test to check against the float64 reference.
   */
  async imagenetOnBitmap(id: string, rgba: number[], width: number, height: number) {
    const c = await classifier(id);
    const bitmap = await bitmapOf(rgba, width, height);
    const scores = await c.classify(bitmap, { topK: Infinity });
    const tensor = await c.preprocess(bitmap);
    bitmap.close();
    const logits = (await c.model.run(tensor)).float(c.model.outputNames[0]!);
    const reference = softmax(logits);
    // both sorted, most likely first (ImageNet repeats a few names, so labels cannot index back)
    const sorted = [...reference].sort((a, b) => b - a);
    let maxAbs = 0;
    let maxRel = 0;
    scores.forEach(({ score }, k) => {
      maxAbs = Math.max(maxAbs, Math.abs(score - sorted[k]!));
      maxRel = Math.max(maxRel, Math.abs(score - sorted[k]!) / sorted[k]!);
    });
    const order = [...reference.keys()].sort((a, b) => reference[b]! - reference[a]! || a - b).slice(0, 5).map((i) => c.labels[i]);
    return { classes: scores.length, top5: scores.slice(0, 5).map((s) => s.label), referenceTop5: order, maxAbs, maxRel, preprocessing: c.preprocessing, tensor: base64(tensor) };
  },
};

declare global {
  interface Window {
    classifyPage: typeof page;
  }
}
window.classifyPage = page;
document.body.dataset.ready = 'yes';
