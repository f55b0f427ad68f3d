/**
 * Webcam (or picture) classification with any NCHW image model: the frame
 * goes to the GPU as a texture, image_to_tensor resizes the short side,
 * centre-crops and normalizes it straight into the model's input buffer
 * (timed with GPU timestamps), the model runs with per-layer profiling, and
 * the top 5 classes are shown.
 */
import {
  createTensorBuffer,
  encodeDispatch,
  IMAGENET_NORMALIZATION,
  ImageFrame,
  imageToTensor,
  InputError,
  PassTimer,
  prepareDispatch,
  releaseDispatch,
  resizeCenterCropRect,
  type CompiledModel,
  type GpuContext,
} from './lib.js';
import { renderTopK, softmax } from './charts.js';
import { byId } from './dom.js';
import type { CopyIn } from './frame_copy.js';
import type { PerfPanel } from './perf.js';

export interface Classifier {
  model: CompiledModel;
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

export class ClassifierRunner {
  private readonly frame: ImageFrame;
  private readonly timer: PassTimer;
  private current: { classifier: Classifier; input: GPUBuffer; shape: [number, number, number] } | undefined;
  private busy = false;

  constructor(
    private readonly ctx: GpuContext,
    private readonly perf: PerfPanel,
  ) {
    this.frame = new ImageFrame(ctx, 'classifier frame');
    this.timer = new PassTimer(ctx);
  }

  get model(): CompiledModel | undefined {
    return this.current?.classifier.model;
  }

  /** Swaps in a model (the old one is disposed). */
  use(classifier: Classifier): void {
    const shape = imageInputShape(classifier.model);
    this.release();
    const input = createTensorBuffer(this.ctx.device, shape[0] * shape[1] * shape[2] * 4, `${classifier.name} input`);
    this.current = { classifier, input, shape };
    this.perf.reset();
  }

  release(): void {
    if (!this.current) return;
    this.current.classifier.model.dispose();
    this.current.input.destroy();
    this.current = undefined;
  }

  /** Classifies one frame, or skips it while the previous one is in flight. */
  async classify(copyIn: CopyIn): Promise<void> {
    const current = this.current;
    if (!current || this.busy) return;
    this.busy = true;
    try {
      const started = performance.now();
      const [channels, height, width] = current.shape;
      await copyIn(this.frame);
      // torchvision's eval transform: Resize(256) + CenterCrop(224), scaled to the model's input size
      const resize = Math.round((Math.min(height, width) * 256) / 224);
      const cropRect = resizeCenterCropRect(this.frame.width, this.frame.height, resize, Math.min(height, width));
      const shrink = cropRect[2] / width;
      const { mean, std } = current.classifier;
      const spec = imageToTensor(
        this.frame,
        { channels: channels as 1 | 3, outWidth: width, outHeight: height, cropRect, mean: mean.slice(0, channels), std: std.slice(0, channels), samples: Math.min(8, Math.max(1, Math.round(shrink))) },
        this.frame.buffer,
        current.input,
        'camera frame → input',
      );
      const prepared = await prepareDispatch(this.ctx.device, spec);
      const preprocess = await this.timer.time((pass) => encodeDispatch(pass, prepared));
      releaseDispatch(prepared);
      const { model, labels } = current.classifier;
      const { outputs, profile } = await model.run(current.input, { profile: true });
      const logits = outputs[model.outputNames[0]!]!;
      renderTopK(byId('top5'), labels, softmax(logits));
      this.perf.frame(profile, performance.now() - started, preprocess.milliseconds);
    } finally {
      this.busy = false;
    }
  }
}

export const DEFAULT_NORMALIZATION = IMAGENET_NORMALIZATION;
