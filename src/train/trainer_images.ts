/**
 * Training a head on freshly augmented images (the course's P129: augment
 * while training): every step augments its batch on the GPU, runs the
 * frozen backbone over it and trains the head on the features, so each
 * epoch sees new crops, mirrors and colour shifts. The images stay on the
 * GPU; each step is one submit that holds the current batch's backbone run
 * and head step and then the NEXT batch's gather and augmentation, so the
 * GPU never waits for the CPU between steps, and the CPU draws and encodes
 * the next batch while the GPU trains on this one.
 */
import { InputError, InvalidParameterError } from '../errors.js';
import { compile, type CompileOptions } from '../graph/executor.js';
import { elementCount, type Graph, type WeightMap } from '../graph/ir.js';
import type { GpuContext } from '../gpu/device.js';
import { encodeDispatch, type PreparedDispatch } from '../kernels/dispatch.js';
import { gatherBatch } from '../kernels/train_batch.js';
import { Augmenter, type AugmentOptions } from './augment.js';
import { cutBackbone, FEATURES_OUTPUT, weightsOf } from './backbone.js';
import { epochOrder } from './trainer_shuffle.js';
import { checkLabels, HeadTrainingSession, type HeadTrainingOptions, type TrainHeadResult } from './trainer_session.js';

/** Training images before augmentation, one label each. */
export interface TrainingImages {
  /** NCHW float32 [n, channels, height, width], preprocessed as the backbone expects (augmentation crops and resizes them to its input size). */
  images: Float32Array;
  /** [channels, height, width] of one image. */
  shape: readonly [number, number, number];
  /** [n], each in [0, classes.length). */
  labels: Int32Array | Uint32Array;
  classes: readonly string[];
}

export interface TrainHeadOnImagesOptions extends Omit<HeadTrainingOptions, 'batchSize'> {
  /** What to augment (augment_draw.ts); its seed defaults to the training seed. */
  augment: AugmentOptions;
  /** Compile options of the cut backbone. */
  compile?: CompileOptions;
}

/**
 * Trains a new softmax layer (after any unfrozen `hidden` layers) on the
 * backbone's features at `featureLayer`, over images augmented afresh every
 * step. The batch size is the graph's batch; the epoch order is
 * epochOrder(n, seed, epoch), as trainHead's.
 * @example
 * const { head } = await trainHeadOnImages(ctx, lenet5({ batch: 128 }), weights,
 *   { images, shape: [1, 36, 36], labels, classes },
 *   { featureLayer: 'act4', augment: { crop: { scale: [0.79, 0.79], aspect: [1, 1] } }, optimizer: { kind: 'adam', lr: 1e-3 }, epochs: 5, seed: 1 });
 */
export async function trainHeadOnImages(ctx: GpuContext, graph: Graph, weights: WeightMap, data: TrainingImages, options: TrainHeadOnImagesOptions): Promise<TrainHeadResult> {
  if (graph.inputs.length !== 1) throw new InvalidParameterError('graph', `a backbone takes one input; this graph has ${graph.inputs.length}`);
  const labels = checkLabels(data.labels, data.classes.length);
  const n = labels.length;
  const [channels, inHeight, inWidth] = data.shape;
  const perImage = channels * inHeight * inWidth;
  if (data.images.length !== n * perImage) {
    throw new InputError('images', `holds ${data.images.length} floats, not ${n} images of [${data.shape.join(', ')}] (${n * perImage} floats) for the ${n} labels`);
  }
  if (data.images.byteLength > ctx.limits.maxStorageBufferBindingSize) {
    throw new InputError('images', `${data.images.byteLength} bytes exceed this device's storage binding limit of ${ctx.limits.maxStorageBufferBindingSize}: train on fewer images, or on features (trainHead)`);
  }
  const cut = cutBackbone(graph, options.featureLayer);
  const inputShape = cut.graph.tensors[cut.graph.inputs[0]!.tensor]!.shape;
  if (inputShape.length !== 4 || inputShape[1] !== channels) {
    throw new InputError('shape', `the backbone takes [${inputShape.join(', ')}]; images of ${channels} channels do not fit it`);
  }
  const [batch, , outHeight, outWidth] = inputShape as [number, number, number, number];
  const session = new HeadTrainingSession(ctx, { ...options, batchSize: batch }, n, cut.features, data.classes);
  const augmenter = new Augmenter(ctx, { batch, channels, inHeight, inWidth, outHeight, outWidth }, { seed: options.seed, ...options.augment });
  const { device } = ctx;
  let backbone: Awaited<ReturnType<typeof compile>> | undefined;
  try {
    backbone = await compile(ctx, cut.graph, weightsOf(cut.graph, weights), options.compile);
    const model = backbone;
    const images = session.buffer(data.images, 'train images');
    const labelsAll = session.buffer(new Float32Array(labels.buffer), 'train labels');
    // two epochs' orders: the last step of an epoch gathers the first batch of the next
    const orders = [session.buffer(n * 4, 'epoch order (even)'), session.buffer(n * 4, 'epoch order (odd)')];
    const raw = session.buffer(elementCount([batch, channels, inHeight, inWidth]) * 4, 'raw batch');
    const augmented = session.buffer(elementCount(inputShape) * 4, 'augmented batch');
    const features = session.buffer(batch * cut.features * 4, 'backbone features');
    const { x, labels: batchLabels } = session.buffers;
    const gathers: PreparedDispatch[][] = [];
    for (const order of orders) {
      const plan: PreparedDispatch[] = [];
      for (let s = 0; s < session.steps; s++) {
        plan.push(await session.prepare(gatherBatch({ rows: session.rows(s), width: perImage, start: s * batch }, { features: images, labels: labelsAll, order, x: raw, labelsOut: batchLabels }, 'gather images')));
      }
      gathers.push(plan);
    }
    const encodeNext = async (encoder: GPUCommandEncoder, epoch: number, s: number) => {
      const pass = encoder.beginComputePass({ label: 'gather next batch' });
      encodeDispatch(pass, gathers[epoch % 2]![s]!);
      pass.end();
      await augmenter.encode(encoder, raw, augmented);
    };

    device.queue.writeBuffer(orders[0]!, 0, epochOrder(n, options.seed, 0));
    const prologue = device.createCommandEncoder({ label: 'first batch' });
    await encodeNext(prologue, 0, 0);
    device.queue.submit([prologue.finish()]);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      // written while the last epoch's steps may still run: they read the other buffer
      if (epoch + 1 < options.epochs) device.queue.writeBuffer(orders[(epoch + 1) % 2]!, 0, epochOrder(n, options.seed, epoch + 1));
      let sinceReport = 0;
      for (let s = 0; s < session.steps; s++) {
        session.throwIfAborted(`at epoch ${epoch}, step ${session.stepsDone + sinceReport}`);
        const rows = session.rows(s);
        const encoder = device.createCommandEncoder({ label: `train epoch ${epoch} step ${s}` });
        // the backbone copies `augmented` in first, so the next batch may be augmented into it later in this submit
        model.encodeRun(encoder, augmented, { [FEATURES_OUTPUT]: features });
        encoder.copyBufferToBuffer(features, 0, x, 0, rows * cut.features * 4);
        const pass = encoder.beginComputePass({ label: 'train step' });
        for (const d of await session.body(rows)) encodeDispatch(pass, d);
        pass.end();
        const last = s + 1 === session.steps;
        if (!last) await encodeNext(encoder, epoch, s + 1);
        else if (epoch + 1 < options.epochs) await encodeNext(encoder, epoch + 1, 0);
        device.queue.submit([encoder.finish()]);
        sinceReport++;
        if (sinceReport === session.lossEvery || last) {
          await session.reportLoss(epoch, sinceReport);
          sinceReport = 0;
        }
      }
      session.endEpoch(epoch);
    }
    return await session.result();
  } finally {
    backbone?.dispose();
    await augmenter.destroy();
    await session.release();
  }
}
