/**
 * What both head trainers share (trainer.ts over features held on the GPU,
 * trainer_images.ts over augmented images through the backbone): the
 * checked options, the head's parameter, gradient, optimizer and activation
 * buffers, one prepared step body per batch size, the loss readback with
 * its divergence check, and the trained layers read back at the end. The
 * trainers differ only in what writes the step's `x` and `labels` before
 * each body.
 */
import { AbortError, InputError, InvalidParameterError } from '../errors.js';
import { createTensorBuffer, readTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { prepareDispatch, releaseDispatch, type DispatchSpec, type PreparedDispatch } from '../kernels/dispatch.js';
import { TRAIN_STATS_LENGTH } from '../kernels/train_loss.js';
import type { ClassifierHead, DenseLayer } from './head.js';
import { optimizerStateBuffers, resolveOptimizer, type OptimizerOptions, type ResolvedOptimizer } from './optimizer.js';
import { initDenseLayer } from './trainer_shuffle.js';
import { stepLayers, trainStepDispatches, type StepBuffers, type StepLayer } from './trainer_step.js';

export interface TrainProgress {
  /** 0-based epoch the reported steps belong to. */
  epoch: number;
  /** Steps done in all (1-based: the last step reported). */
  step: number;
  /** Mean batch loss over the steps since the last report. */
  loss: number;
}

/** The options both trainers take. */
export interface HeadTrainingOptions {
  /** The backbone layer the features come from; the returned head names it. */
  featureLayer: string;
  /** Backbone layers that train too (unfrozenLayers(...).layers), before the new output layer. Default none. */
  hidden?: readonly DenseLayer[];
  optimizer: OptimizerOptions;
  batchSize: number;
  epochs: number;
  /** Seeds the per-epoch permutations (epochOrder(n, seed, epoch)) and the new layer's initial weights (initDenseLayer(…, seed)). */
  seed: number;
  /** The new output layer's name (default 'head'). */
  outputName?: string;
  /** Read the loss back (and call onProgress) every this many steps; default once per epoch. */
  lossEvery?: number;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface TrainHeadResult {
  head: ClassifierHead;
  /** The mean batch loss of each epoch. */
  history: { epoch: number; loss: number }[];
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a whole number ≥ 1, got ${v}`);
}

/** Labels as u32, each checked against the class count. */
export function checkLabels(labels: Int32Array | Uint32Array, classes: number): Uint32Array {
  if (classes < 2) throw new InvalidParameterError('classes', `a classifier needs at least 2 classes, got ${classes}`);
  if (labels.length === 0) throw new InputError('labels', 'there are no samples to train on');
  const out = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new InputError('labels', `sample ${i} has label ${label}, outside [0, ${classes}) for ${classes} classes`);
    out[i] = label;
  }
  return out;
}

function checkChain(layers: readonly DenseLayer[]): void {
  layers.forEach((l, i) => {
    if (l.weight.length !== l.outFeatures * l.inFeatures) throw new InvalidParameterError(`hidden[${i}].weight`, `"${l.name}" holds ${l.weight.length} values, not ${l.outFeatures}×${l.inFeatures}`);
    if (l.bias.length !== l.outFeatures) throw new InvalidParameterError(`hidden[${i}].bias`, `"${l.name}" holds ${l.bias.length} values, not ${l.outFeatures}`);
    const next = layers[i + 1];
    if (next && next.inFeatures !== l.outFeatures) throw new InvalidParameterError('hidden', `"${l.name}" gives ${l.outFeatures} features but "${next.name}" after it takes ${next.inFeatures}`);
  });
}

/** The head's GPU state for one training run; release() frees everything it made. */
export class HeadTrainingSession {
  readonly buffers: StepBuffers & { x: GPUBuffer; labels: GPUBuffer };
  readonly steps: number;
  readonly lossEvery: number;
  readonly optimizer: ResolvedOptimizer;
  private readonly initial: DenseLayer[];
  private readonly layers: StepLayer[];
  private readonly count: number;
  private readonly owned: GPUBuffer[] = [];
  private readonly prepared: PreparedDispatch[] = [];
  private readonly bodies = new Map<number, Promise<PreparedDispatch[]>>();
  private readonly history: { epoch: number; loss: number }[] = [];
  private epochSum = 0;
  private done = 0;

  /** Checks the options against n samples `width` features wide; the new output layer starts as initDenseLayer(…, seed). */
  constructor(
    private readonly ctx: GpuContext,
    private readonly options: HeadTrainingOptions,
    readonly n: number,
    readonly width: number,
    private readonly classes: readonly string[],
  ) {
    positiveInteger('batchSize', options.batchSize);
    positiveInteger('epochs', options.epochs);
    if (!Number.isInteger(options.seed)) throw new InvalidParameterError('seed', `must be an integer, got ${options.seed}`);
    this.optimizer = resolveOptimizer(options.optimizer);
    const hidden = options.hidden ?? [];
    checkChain(hidden);
    const first = hidden[0];
    if (first && width !== first.inFeatures) throw new InputError('features', `rows are ${width} wide but layer "${first.name}" takes ${first.inFeatures} features`);
    const output = initDenseLayer(options.outputName ?? 'head', hidden.at(-1)?.outFeatures ?? width, classes.length, 'none', options.seed);
    this.initial = [...hidden, output];
    this.steps = Math.ceil(n / options.batchSize);
    this.lossEvery = options.lossEvery ?? this.steps;
    positiveInteger('lossEvery', this.lossEvery);
    this.throwIfAborted('before it began');

    ({ layers: this.layers, count: this.count } = stepLayers(this.initial));
    const rowsMax = Math.min(options.batchSize, n);
    const params = new Float32Array(this.count);
    this.initial.forEach((l, i) => {
      params.set(l.weight, this.layers[i]!.paramOffset);
      params.set(l.bias, this.layers[i]!.paramOffset + l.weight.length);
    });
    this.buffers = {
      x: this.buffer(rowsMax * width * 4, 'batch features'),
      labels: this.buffer(rowsMax * 4, 'batch labels'),
      params: this.buffer(params, 'head parameters'),
      grads: this.buffer(this.count * 4, 'head gradients'),
      stats: this.buffer(TRAIN_STATS_LENGTH * 4, 'train stats'),
      state: Array.from({ length: optimizerStateBuffers(this.optimizer) }, (_, i) => this.buffer(this.count * 4, `optimizer state ${i}`)),
      activations: this.layers.map((l) => this.buffer(rowsMax * l.outFeatures * 4, `${l.name} output`)),
      gradients: this.layers.map((l) => this.buffer(rowsMax * l.outFeatures * 4, `${l.name} output gradient`)),
    };
  }

  /** Rows in step `s` of an epoch (the last batch may be smaller). */
  rows(s: number): number {
    return Math.min(this.options.batchSize, this.n - s * this.options.batchSize);
  }

  /** A GPU buffer released with the session. */
  buffer(data: Float32Array | number, label: string): GPUBuffer {
    const b = createTensorBuffer(this.ctx.device, data, label);
    this.owned.push(b);
    return b;
  }

  /** A dispatch released with the session. */
  async prepare(spec: DispatchSpec): Promise<PreparedDispatch> {
    const d = await prepareDispatch(this.ctx.device, spec);
    this.prepared.push(d);
    return d;
  }

  /** The step's dispatches for a batch of `rows` (forward, loss, backward, optimizer), prepared once per size. */
  body(rows: number): Promise<PreparedDispatch[]> {
    let d = this.bodies.get(rows);
    if (!d) {
      d = Promise.all(trainStepDispatches(this.layers, this.count, rows, this.buffers, this.optimizer).map((s) => this.prepare(s)));
      this.bodies.set(rows, d);
    }
    return d;
  }

  throwIfAborted(when: string): void {
    if (this.options.signal?.aborted) throw new AbortError(`training was aborted ${when}`, { cause: this.options.signal.reason });
  }

  /**
   * After `steps` more steps were submitted: reads the loss they summed on
   * the GPU (waiting for them), resets it, reports progress, and throws when
   * it is not finite (training diverged).
   */
  async reportLoss(epoch: number, steps: number): Promise<void> {
    const { device } = this.ctx;
    const [sum, counted] = await readTensor(device, this.buffers.stats, 2);
    device.queue.writeBuffer(this.buffers.stats, 0, new Float32Array([0, 0]));
    this.done += steps;
    if (!Number.isFinite(sum!)) {
      throw new InvalidParameterError(
        'optimizer.lr',
        `the loss became ${sum} at epoch ${epoch}, steps ${this.done - steps + 1}–${this.done}: training diverged; try a lower learning rate than ${this.optimizer.lr}`,
      );
    }
    this.epochSum += sum!;
    this.options.onProgress?.({ epoch, step: this.done, loss: sum! / counted! });
  }

  /** Steps done in all. */
  get stepsDone(): number {
    return this.done;
  }

  endEpoch(epoch: number): void {
    this.history.push({ epoch, loss: this.epochSum / this.steps });
    this.epochSum = 0;
  }

  /** The trained layers, read back, as a head over the feature layer. */
  async result(): Promise<TrainHeadResult> {
    const trained = await readTensor(this.ctx.device, this.buffers.params, this.count);
    const layers: DenseLayer[] = this.initial.map((l, i) => {
      const at = this.layers[i]!.paramOffset;
      return { ...l, weight: trained.slice(at, at + l.weight.length), bias: trained.slice(at + l.weight.length, at + l.weight.length + l.outFeatures) };
    });
    return { head: { featureLayer: this.options.featureLayer, features: this.width, classes: [...this.classes], layers }, history: [...this.history] };
  }

  async release(): Promise<void> {
    // a body still being prepared is waited for, so its dispatches are released too
    await Promise.allSettled(this.bodies.values());
    this.prepared.forEach(releaseDispatch);
    this.owned.forEach((b) => b.destroy());
  }
}
