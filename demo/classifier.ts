/**
 * Webcam (or picture) classification with any NCHW image model: the frame
 * goes to the GPU as a texture, preprocessImage resizes the short side,
 * centre-crops and normalizes it straight into the model's input buffer,
 * the model runs with per-layer profiling, and the top 5 classes are shown.
 */
import {
  type CompiledModel,
  createTensorBuffer,
  type GpuContext,
  ImageFrame,
  IMAGENET_NORMALIZATION,
  type ImageRecipe,
  InputError,
  preprocessImage,
  topK,
  type WeightMap,
} from './lib.js';
import { renderTopK } from './charts.js';
import { byId } from './dom.js';
import type { CopyIn } from './frame_copy.js';
import type { PerfPanel } from './perf.js';

export interface Classifier {
  model: CompiledModel;
  /** What it was compiled with (the convolution view cuts the same model after its stem). */
  weights: WeightMap;
  /** Seeded random weights (the zoo default until the user loads real ones). */
  randomWeights: boolean;
  /** What the page calls it. */
  name: string;
  labels: string[];
  /** Per-channel statistics of the training data (ImageNet's by default). */
  mean: readonly number[];
  std: readonly number[];
}

/** The model's single image input as [channels, height, width]. */
export function imageInputShape(model: CompiledModel): [number, number, number] {
  const graph = model.graph;
  if (graph.inputs.length !== 1) throw new InputError(graph.inputs.map((i) => i.name).join(', '), 'the demo classifies with single-input models only');
  const shape = graph.tensors[graph.inputs[0]!.tensor]!.shape;
  if (shape.length !== 4 || (shape[1] !== 1 && shape[1] !== 3)) {
    throw new InputError(graph.inputs[0]!.name, `expected an image input [N, 1 or 3, H, W], got [${shape.join(', ')}]`);
  }
  return [shape[1]!, shape[2]!, shape[3]!];
}

/**
 * torchvision's eval transform, Resize(256) + CenterCrop(224) scaled to the
 * model's input size, then the classifier's per-channel normalization.
 */
export function classifierRecipe(shape: readonly [number, number, number], mean: readonly number[], std: readonly number[]): ImageRecipe {
  const [channels, height, width] = shape;
  return { fit: 'center-crop', width, height, channels: channels as 1 | 3, mean: mean.slice(0, channels), std: std.slice(0, channels) };
}

export class ClassifierRunner {
  private readonly frame: ImageFrame;
  private current: { classifier: Classifier; input: GPUBuffer; shape: [number, number, number] } | undefined;
  private busy = false;
  /** Sees each preprocessed frame (the model's input) before the model runs: the teach panel records from it. */
  onInput: ((input: GPUBuffer, floats: number) => Promise<void>) | undefined;

  constructor(
    private readonly ctx: GpuContext,
    private readonly perf: PerfPanel,
  ) {
    this.frame = new ImageFrame(ctx, 'classifier frame');
  }

  get model(): CompiledModel | undefined {
    return this.current?.classifier.model;
  }

  /** The classifier in use, if one is loaded. */
  get active(): Classifier | undefined {
    return this.current?.classifier;
  }

  /** Swaps in a model (the old one is disposed). */
  use(classifier: Classifier): void {
    const shape = imageInputShape(classifier.model);
    this.release();
    const input = createTensorBuffer(this.ctx.device, shape[0] * shape[1] * shape[2] * 4, `${classifier.name} input`);
    this.current = { classifier, input, shape };
    this.perf.reset();
    // the old model's guesses say nothing about the new one
    top5State('empty', `${classifier.name} is ready: start the camera or upload a picture.`);
  }

  release(): void {
    if (!this.current) return;
    this.current.classifier.model.dispose();
    this.current.input.destroy();
    this.current = undefined;
  }

  /**
   * Classifies one frame, or skips it while the previous one is in flight.
   * `still`: an uploaded picture, not a stream (no frame rate).
   */
  async classify(copyIn: CopyIn, still = false): Promise<void> {
    const current = this.current;
    if (!current || this.busy) return;
    this.busy = true;
    try {
      const started = performance.now();
      await copyIn(this.frame);
      const { mean, std } = current.classifier;
      const copied = performance.now();
      await preprocessImage(this.ctx, this.frame, classifierRecipe(current.shape, mean, std), { output: current.input });
      const preprocessMs = performance.now() - copied;
      if (!still) await this.onInput?.(current.input, current.shape[0] * current.shape[1] * current.shape[2]);
      const { model, labels } = current.classifier;
      const { float, profile } = await model.run(current.input, { profile: true });
      renderTopK(byId('top5'), topK(float(model.outputNames[0]!), 5, labels));
      top5State('fresh', `${current.classifier.name}, ${still ? 'the uploaded picture' : 'live from the camera'}.`);
      this.perf.frame(profile, performance.now() - started, preprocessMs, still);
    } catch (error) {
      top5State('stale', 'The last picture failed (see above): these guesses, if any, are from an earlier one.');
      throw error;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * What #top5 shows: 'empty' (nothing classified with this model yet),
 * 'fresh', or 'stale' (the last picture failed; what is left is older) —
 * as #top5[data-state] and a line under the list.
 */
export function top5State(state: 'empty' | 'fresh' | 'stale', note: string): void {
  const list = byId('top5');
  list.dataset.state = state;
  if (state === 'empty') {
    list.replaceChildren();
    list.dataset.label = '';
    delete list.dataset.index;
  }
  list.classList.toggle('stale', state === 'stale');
  byId('top5-note').textContent = note;
}

export const DEFAULT_NORMALIZATION = IMAGENET_NORMALIZATION;
