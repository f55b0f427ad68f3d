/**
 * Training a classifier head on a frozen backbone's features, on the GPU
 * (the course's P128): the features of the whole training set live on the
 * GPU, each epoch's permutation is written once, and a run of steps (gather
 * the batch, forward, loss, backward, optimizer) is encoded into one command
 * buffer; the loss is read back only every `lossEvery` steps, so training is
 * not bound by readbacks.
 */
import { AbortError, InputError, InvalidParameterError } from '../errors.js';
import { createTensorBuffer, readTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type PreparedDispatch } from '../kernels/dispatch.js';
import { gatherBatch } from '../kernels/train_batch.js';
import { TRAIN_STATS_LENGTH } from '../kernels/train_loss.js';
import type { ClassifierHead, DenseLayer } from './head.js';
import { optimizerStateBuffers, resolveOptimizer, type OptimizerOptions } from './optimizer.js';
import { epochOrder, initDenseLayer } from './trainer_shuffle.js';
import { stepLayers, trainStepDispatches, type StepBuffers } from './trainer_step.js';

/** A training set: features from extractFeatures, one label per row. */
export interface TrainingData {
  /** [n, width] row-major. */
  features: Float32Array;
  /** [n], each in [0, classes.length). */
  labels: Int32Array | Uint32Array;
  classes: readonly string[];
}

export interface TrainProgress {
  /** 0-based epoch the reported steps belong to. */
  epoch: number;
  /** Steps done in all (1-based: the last step reported). */
  step: number;
  /** Mean batch loss over the steps since the last report. */
  loss: number;
}

export interface TrainHeadOptions {
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

/** Checks the data against the layers; answers n, width and the labels as u32. */
function checkData(data: TrainingData, hidden: readonly DenseLayer[]): { n: number; width: number; labels: Uint32Array } {
  const classes = data.classes.length;
  if (classes < 2) throw new InvalidParameterError('classes', `a classifier needs at least 2 classes, got ${classes}`);
  const n = data.labels.length;
  if (n === 0) throw new InputError('labels', 'there are no samples to train on');
  const width = data.features.length / n;
  if (!Number.isInteger(width) || width < 1) throw new InputError('features', `holds ${data.features.length} floats, not a whole row for each of the ${n} labels`);
  const first = hidden[0];
  if (first && width !== first.inFeatures) throw new InputError('features', `rows are ${width} wide but layer "${first.name}" takes ${first.inFeatures} features`);
  for (let i = 0; i < data.features.length; i++) {
    if (!Number.isFinite(data.features[i]!)) throw new InputError('features', `sample ${Math.floor(i / width)} holds ${data.features[i]} at feature ${i % width}`);
  }
  const labels = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const label = data.labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new InputError('labels', `sample ${i} has label ${label}, outside [0, ${classes}) for ${classes} classes`);
    labels[i] = label;
  }
  return { n, width, labels };
}

function checkChain(layers: readonly DenseLayer[]): void {
  layers.forEach((l, i) => {
    if (l.weight.length !== l.outFeatures * l.inFeatures) throw new InvalidParameterError(`hidden[${i}].weight`, `"${l.name}" holds ${l.weight.length} values, not ${l.outFeatures}×${l.inFeatures}`);
    if (l.bias.length !== l.outFeatures) throw new InvalidParameterError(`hidden[${i}].bias`, `"${l.name}" holds ${l.bias.length} values, not ${l.outFeatures}`);
    const next = layers[i + 1];
    if (next && next.inFeatures !== l.outFeatures) throw new InvalidParameterError('hidden', `"${l.name}" gives ${l.outFeatures} features but "${next.name}" after it takes ${next.inFeatures}`);
  });
}

/**
 * Trains a new softmax layer (after the given unfrozen backbone layers,
 * which train too) on features, mini-batched, on the GPU; the loss is mean
 * softmax cross-entropy, as torch.nn.CrossEntropyLoss. A loss that turns NaN
 * stops training with an error that names the epoch and steps.
 * @example
 * const { features } = await extractFeatures(ctx, lenet5({ batch: 256 }), weights, images);
 * const { head, history } = await trainHead(ctx, { features, labels, classes }, {
 *   featureLayer: 'act4', optimizer: { kind: 'adam', lr: 1e-3 }, batchSize: 128, epochs: 20, seed: 1,
 *   onProgress: ({ epoch, loss }) => console.log(epoch, loss),
 * });
 */
export async function trainHead(ctx: GpuContext, data: TrainingData, options: TrainHeadOptions): Promise<TrainHeadResult> {
  positiveInteger('batchSize', options.batchSize);
  positiveInteger('epochs', options.epochs);
  if (!Number.isInteger(options.seed)) throw new InvalidParameterError('seed', `must be an integer, got ${options.seed}`);
  const optimizer = resolveOptimizer(options.optimizer);
  const hidden = options.hidden ?? [];
  checkChain(hidden);
  const { n, width, labels } = checkData(data, hidden);
  const output = initDenseLayer(options.outputName ?? 'head', hidden.at(-1)?.outFeatures ?? width, data.classes.length, 'none', options.seed);
  const initial = [...hidden, output];
  const steps = Math.ceil(n / options.batchSize);
  const lossEvery = options.lossEvery ?? steps;
  positiveInteger('lossEvery', lossEvery);
  if (options.signal?.aborted) throw new AbortError('training was aborted before it began', { cause: options.signal.reason });

  const { device } = ctx;
  const { layers, count } = stepLayers(initial);
  const rowsMax = Math.min(options.batchSize, n);
  const params = new Float32Array(count);
  initial.forEach((l, i) => {
    params.set(l.weight, layers[i]!.paramOffset);
    params.set(l.bias, layers[i]!.paramOffset + l.weight.length);
  });
  const owned: GPUBuffer[] = [];
  const buffer = (data: Float32Array | number, label: string): GPUBuffer => {
    const b = createTensorBuffer(device, data, label);
    owned.push(b);
    return b;
  };
  const prepared: PreparedDispatch[] = [];
  try {
    const features = buffer(data.features, 'train features');
    const labelsAll = buffer(new Float32Array(labels.buffer), 'train labels');
    const order = buffer(n * 4, 'epoch order');
    const x = buffer(rowsMax * width * 4, 'batch features');
    const batchLabels = buffer(rowsMax * 4, 'batch labels');
    const b: StepBuffers = {
      x,
      labels: batchLabels,
      params: buffer(params, 'head parameters'),
      grads: buffer(count * 4, 'head gradients'),
      stats: buffer(TRAIN_STATS_LENGTH * 4, 'train stats'),
      state: Array.from({ length: optimizerStateBuffers(optimizer) }, (_, i) => buffer(count * 4, `optimizer state ${i}`)),
      activations: layers.map((l) => buffer(rowsMax * l.outFeatures * 4, `${l.name} output`)),
      gradients: layers.map((l) => buffer(rowsMax * l.outFeatures * 4, `${l.name} output gradient`)),
    };
    // one body per batch size (the last batch may be smaller), one gather per step of an epoch: prepared once, replayed every epoch
    const bodies = new Map<number, PreparedDispatch[]>();
    const body = async (rows: number): Promise<PreparedDispatch[]> => {
      let d = bodies.get(rows);
      if (!d) {
        d = await Promise.all(trainStepDispatches(layers, count, rows, b, optimizer).map((s) => prepareDispatch(device, s)));
        prepared.push(...d);
        bodies.set(rows, d);
      }
      return d;
    };
    const stepPlan: PreparedDispatch[][] = [];
    for (let s = 0; s < steps; s++) {
      const rows = Math.min(options.batchSize, n - s * options.batchSize);
      const gather = await prepareDispatch(device, gatherBatch({ rows, width, start: s * options.batchSize }, { features, labels: labelsAll, order, x, labelsOut: batchLabels }));
      prepared.push(gather);
      stepPlan.push([gather, ...(await body(rows))]);
    }

    const history: { epoch: number; loss: number }[] = [];
    let done = 0;
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      device.queue.writeBuffer(order, 0, epochOrder(n, options.seed, epoch));
      let epochSum = 0;
      for (let first = 0; first < steps; first += lossEvery) {
        if (options.signal?.aborted) throw new AbortError(`training was aborted at epoch ${epoch}, step ${done}`, { cause: options.signal.reason });
        const last = Math.min(steps, first + lossEvery);
        const encoder = device.createCommandEncoder({ label: `train epoch ${epoch} steps ${first}–${last - 1}` });
        const pass = encoder.beginComputePass({ label: 'train steps' });
        for (let s = first; s < last; s++) for (const d of stepPlan[s]!) encodeDispatch(pass, d);
        pass.end();
        device.queue.submit([encoder.finish()]);
        const [sum, counted] = await readTensor(device, b.stats, 2);
        device.queue.writeBuffer(b.stats, 0, new Float32Array([0, 0]));
        done += last - first;
        if (!Number.isFinite(sum!)) {
          throw new InvalidParameterError(
            'optimizer.lr',
            `the loss became ${sum} at epoch ${epoch}, steps ${done - (last - first) + 1}–${done}: training diverged; try a lower learning rate than ${optimizer.lr}`,
          );
        }
        epochSum += sum!;
        options.onProgress?.({ epoch, step: done, loss: sum! / counted! });
      }
      history.push({ epoch, loss: epochSum / steps });
    }

    const trained = await readTensor(device, b.params, count);
    const trainedLayers: DenseLayer[] = initial.map((l, i) => {
      const at = layers[i]!.paramOffset;
      return { ...l, weight: trained.slice(at, at + l.weight.length), bias: trained.slice(at + l.weight.length, at + l.weight.length + l.outFeatures) };
    });
    const head: ClassifierHead = { featureLayer: options.featureLayer, features: width, classes: [...data.classes], layers: trainedLayers };
    return { head, history };
  } finally {
    prepared.forEach(releaseDispatch);
    owned.forEach((buf) => buf.destroy());
  }
}
