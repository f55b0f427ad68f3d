/**
 * Digit mode, the default and fully offline: the shipped LeNet-5 reads the
 * drawing pad while you draw, or a digit on paper held up to the camera (or
 * an uploaded photo when there is no camera). Pad, video and photo all take
 * the same path: ImageFrame → digitToTensor (MNIST-style centring, on the
 * GPU) → model.run with per-layer timings.
 */
import {
  centerSquareRect,
  compile,
  type CompiledModel,
  createTensorBuffer,
  digitToTensor,
  type GpuContext,
  type Graph,
  ImageFrame,
  LENET5_PREPROCESSING,
  loadPretrainedWeights,
  type LoadProgress,
  readTensor,
  type Rect,
  softmax,
  type WeightMap,
  zooModel,
} from './lib.js';
import { argmax, renderClassBars } from './charts.js';
import { byId, show } from './dom.js';
import type { CopyIn } from './frame_copy.js';
import { DIGIT_LABELS } from './labels.js';
import type { PerfPanel } from './perf.js';

export interface Lenet {
  model: CompiledModel;
  graph: Graph;
  /** Kept for the convolution view, which compiles LeNet-5's first layers on their own. */
  weights: WeightMap;
}

/** The shipped LeNet-5: the package's own weights (an asset the build copies into the site). */
export async function loadLenet(ctx: GpuContext, onProgress?: (p: LoadProgress) => void): Promise<Lenet> {
  const weights = await loadPretrainedWeights('lenet5', { onProgress });
  const graph = zooModel('lenet5').build();
  return { model: await compile(ctx, graph, weights, { label: 'lenet5' }), graph, weights };
}

/** What to do when a source shows no digit. */
const NO_DIGIT: Record<DigitSource, string> = {
  pad: '',
  camera: 'No digit in the dashed square yet: hold up a digit written in thick dark ink on white paper, filling about half the square, in even light.',
  photo: 'No digit found in this photo: it needs a digit in thick dark ink on light paper, filling a good part of the picture.',
};

export type DigitSource = 'pad' | 'camera' | 'photo';

export class DigitReader {
  private readonly frame: ImageFrame;
  private readonly input: GPUBuffer;
  private busy = false;
  private queued: (() => void) | undefined;
  private count = 0;

  constructor(
    private readonly ctx: GpuContext,
    private readonly model: CompiledModel,
    private readonly perf: PerfPanel,
    private readonly onError: (error: unknown) => void,
  ) {
    this.frame = new ImageFrame(ctx, 'digit frame');
    this.input = createTensorBuffer(ctx.device, 32 * 32 * 4, 'lenet input');
    renderClassBars(byId('digit-bars'), DIGIT_LABELS, DIGIT_LABELS.map(() => 0));
  }

  /**
   * Reads the digit in `source` (within `view`). While one read is in
   * flight, a newer request replaces any queued one: the pad always ends on
   * its latest stroke, and nothing piles up.
   */
  request(copyIn: CopyIn, kind: DigitSource, view?: Rect): void {
    if (this.busy) this.queued = () => this.request(copyIn, kind, view);
    else this.read(copyIn, kind, view).catch(this.onError);
  }

  /** For the camera loop: skip the frame if busy (the loop offers the next one). */
  async readNow(copyIn: CopyIn, kind: DigitSource, view?: Rect): Promise<void> {
    if (!this.busy) await this.read(copyIn, kind, view);
  }

  /** No digit to show: "–", empty bars, and the hint for `kind` (none for a blank pad). */
  clear(kind: DigitSource = 'pad'): void {
    const prediction = byId('prediction');
    prediction.textContent = '–';
    prediction.dataset.digit = '';
    delete prediction.dataset.confidence;
    renderClassBars(byId('digit-bars'), DIGIT_LABELS, DIGIT_LABELS.map(() => 0));
    const preview = byId<HTMLCanvasElement>('digit-input-preview');
    preview.getContext('2d')!.clearRect(0, 0, 32, 32);
    preview.dataset.shows = 'nothing';
    this.hint(NO_DIGIT[kind]);
  }

  private hint(text: string): void {
    const hint = byId('digit-hint');
    hint.textContent = text;
    show(hint, !!text);
  }

  private async read(copyIn: CopyIn, kind: DigitSource, view?: Rect): Promise<void> {
    this.busy = true;
    try {
      const started = performance.now();
      await copyIn(this.frame);
      const square = view ?? centerSquareRect(this.frame.width, this.frame.height);
      const placement = await digitToTensor(this.ctx, this.frame, this.frame.buffer, this.input, { view: square });
      const preprocessed = performance.now();
      const prediction = byId('prediction');
      prediction.dataset.source = kind;
      if (!placement) {
        this.clear(kind);
        // the preview stays live: what the camera (or photo) shows in the square, so the user sees what to fix
        if (kind !== 'pad') this.drawSourcePreview(copyIn.element, square);
        prediction.dataset.count = String(++this.count);
        return;
      }
      this.hint('');
      const { float, profile } = await this.model.run(this.input, { profile: true });
      const logits = float(this.model.outputNames[0]!);
      const probabilities = softmax(logits);
      const digit = argmax(probabilities);
      prediction.textContent = String(digit);
      prediction.dataset.digit = String(digit);
      prediction.dataset.confidence = probabilities[digit]!.toFixed(4);
      prediction.dataset.count = String(++this.count);
      renderClassBars(byId('digit-bars'), DIGIT_LABELS, probabilities);
      await this.drawPreview();
      this.perf.frame(profile, performance.now() - started, profile?.available ? undefined : preprocessed - started, kind === 'photo');
    } finally {
      this.busy = false;
      const next = this.queued;
      this.queued = undefined;
      next?.();
    }
  }

  /** The 32×32 input as LeNet-5 sees it (a 4 KiB readback, for the eye only). */
  private async drawPreview(): Promise<void> {
    const { mean, std, size } = LENET5_PREPROCESSING;
    const values = await readTensor(this.ctx.device, this.input, size * size);
    const image = new ImageData(size, size);
    values.forEach((v, i) => {
      const ink = Math.round(255 * Math.min(1, Math.max(0, v * std + mean)));
      image.data.set([ink, ink, ink, 255], 4 * i);
    });
    const preview = byId<HTMLCanvasElement>('digit-input-preview');
    preview.getContext('2d')!.putImageData(image, 0, 0);
    this.previewDrawn('input');
  }

  /**
   * The square of the source the digit is looked for in, drawn as LeNet-5
   * would see it (gray, inverted: ink bright) by the browser's 2-D canvas —
   * the GPU input is not written when there is no digit.
   */
  private drawSourcePreview(source: CanvasImageSource, square: Rect): void {
    const ctx2d = byId<HTMLCanvasElement>('digit-input-preview').getContext('2d')!;
    ctx2d.save();
    ctx2d.filter = 'grayscale(1) invert(1)';
    ctx2d.drawImage(source, square[0], square[1], square[2], square[3], 0, 0, 32, 32);
    ctx2d.restore();
    this.previewDrawn('source');
  }

  private previewDrawn(shows: 'input' | 'source'): void {
    const preview = byId<HTMLCanvasElement>('digit-input-preview');
    preview.dataset.shows = shows;
    preview.dataset.draws = String(Number(preview.dataset.draws ?? 0) + 1);
    byId('digit-preview-caption').textContent = shows === 'input' ? 'what LeNet-5 sees' : 'the square, no digit found';
  }
}
