/**
 * Training a classifier head on a frozen backbone's features, on the GPU
 * (the course's P128): the features of the whole training set live on the
 * GPU, each epoch's permutation is written once, and a run of steps (gather
 * the batch, forward, loss, backward, optimizer) is encoded into one command
 * buffer; the loss is read back only every `lossEvery` steps, so training is
 * not bound by readbacks.
 */
import { InputError } from '../errors.js';
import type { GpuContext } from '../gpu/device.js';
import { encodeDispatch, type PreparedDispatch } from '../kernels/dispatch.js';
import { gatherBatch } from '../kernels/train_batch.js';
import { epochOrder } from './trainer_shuffle.js';
import { checkLabels, HeadTrainingSession, type HeadTrainingOptions, type TrainHeadResult } from './trainer_session.js';

export type { TrainHeadResult, TrainProgress } from './trainer_session.js';

/** A training set: features from extractFeatures, one label per row. */
export interface TrainingData {
  /** [n, width] row-major. */
  features: Float32Array;
  /** [n], each in [0, classes.length). */
  labels: Int32Array | Uint32Array;
  classes: readonly string[];
}

export type TrainHeadOptions = HeadTrainingOptions;

/** Checks the features against the labels; answers the row width. */
function checkFeatures(data: TrainingData): number {
  const n = data.labels.length;
  const width = data.features.length / n;
  if (!Number.isInteger(width) || width < 1) throw new InputError('features', `holds ${data.features.length} floats, not a whole row for each of the ${n} labels`);
  for (let i = 0; i < data.features.length; i++) {
    if (!Number.isFinite(data.features[i]!)) throw new InputError('features', `sample ${Math.floor(i / width)} holds ${data.features[i]} at feature ${i % width}`);
  }
  return width;
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
  const labels = checkLabels(data.labels, data.classes.length);
  const n = labels.length;
  const width = checkFeatures(data);
  const session = new HeadTrainingSession(ctx, options, n, width, data.classes);
  const { device } = ctx;
  try {
    const features = session.buffer(data.features, 'train features');
    const labelsAll = session.buffer(new Float32Array(labels.buffer), 'train labels');
    const order = session.buffer(n * 4, 'epoch order');
    const { x, labels: batchLabels } = session.buffers;
    // one gather per step of an epoch and one body per batch size: prepared once, replayed every epoch
    const stepPlan: PreparedDispatch[][] = [];
    for (let s = 0; s < session.steps; s++) {
      const gather = await session.prepare(gatherBatch({ rows: session.rows(s), width, start: s * options.batchSize }, { features, labels: labelsAll, order, x, labelsOut: batchLabels }));
      stepPlan.push([gather, ...(await session.body(session.rows(s)))]);
    }
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      device.queue.writeBuffer(order, 0, epochOrder(n, options.seed, epoch));
      for (let first = 0; first < session.steps; first += session.lossEvery) {
        session.throwIfAborted(`at epoch ${epoch}, step ${session.stepsDone}`);
        const last = Math.min(session.steps, first + session.lossEvery);
        const encoder = device.createCommandEncoder({ label: `train epoch ${epoch} steps ${first}–${last - 1}` });
        const pass = encoder.beginComputePass({ label: 'train steps' });
        for (let s = first; s < last; s++) for (const d of stepPlan[s]!) encodeDispatch(pass, d);
        pass.end();
        device.queue.submit([encoder.finish()]);
        await session.reportLoss(epoch, last - first);
      }
      session.endEpoch(epoch);
    }
    return await session.result();
  } finally {
    await session.release();
  }
}
