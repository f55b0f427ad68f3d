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
  createTensorBuffer,
  digitToTensor,
  ImageFrame,
  lenet5,
  LENET5_PREPROCESSING,
  loadSafetensors,
  readSafetensors,
  readTensor,
  weightsForGraph,
  type CompiledModel,
  type GpuContext,
  type LeNet5Variant,
  type LoadProgress,
  type Rect,
} from './lib.js';
import { argmax, renderClassBars, softmax } from './charts.js';
import { byId } from './dom.js';
import type { CopyIn } from './frame_copy.js';
import { DIGIT_LABELS } from './labels.js';
import type { PerfPanel } from './perf.js';

const WEIGHTS_URL = new URL('../src/models/weights/lenet5.safetensors', import.meta.url);

/** The shipped LeNet-5, from the site's own copy of its weights. */
export async function loadLenet(ctx: GpuContext, onProgress?: (p: LoadProgress) => void): Promise<CompiledModel> {
  const file = await loadSafetensors(WEIGHTS_URL, { onProgress });
  const graph = lenet5({ variant: (file.metadata.variant ?? 'relu') as LeNet5Variant });
  return compile(ctx, graph, weightsForGraph(graph, readSafetensors(file)), { label: 'lenet5' });
}

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

  clear(): void {
    const prediction = byId('prediction');
    prediction.textContent = '–';
    prediction.dataset.digit = '';
    renderClassBars(byId('digit-bars'), DIGIT_LABELS, DIGIT_LABELS.map(() => 0));
    const preview = byId<HTMLCanvasElement>('digit-input-preview').getContext('2d')!;
    preview.clearRect(0, 0, 32, 32);
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
        this.clear();
        prediction.dataset.count = String(++this.count);
        return;
      }
      const { outputs, profile } = await this.model.run(this.input, { profile: true });
      const logits = outputs[this.model.outputNames[0]!]!;
      const probabilities = softmax(logits);
      const digit = argmax(probabilities);
      prediction.textContent = String(digit);
      prediction.dataset.digit = String(digit);
      prediction.dataset.confidence = probabilities[digit]!.toFixed(4);
      prediction.dataset.count = String(++this.count);
      renderClassBars(byId('digit-bars'), DIGIT_LABELS, probabilities);
      await this.drawPreview();
      this.perf.frame(profile, performance.now() - started, profile?.available ? undefined : preprocessed - started);
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
    byId<HTMLCanvasElement>('digit-input-preview').getContext('2d')!.putImageData(image, 0, 0);
  }
}
