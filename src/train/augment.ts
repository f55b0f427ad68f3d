/**
 * Seeded GPU augmentation of training batches (mirroring, random crops,
 * colour shifting, PCA colour noise — the course's P129, AlexNet's §4.1).
 * The Augmenter draws each batch's parameters on the CPU (augment_draw.ts)
 * and applies them on the GPU in one dispatch (kernels/augment.ts), encoded
 * into the caller's command encoder so the next batch's augmentation can be
 * submitted together with the current batch's training step.
 */
import { InputError, InvalidParameterError } from '../errors.js';
import { createTensorBuffer, readTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import {
  augmentBatchDispatch,
  augmentSamplesBytes,
  checkAugmentGeometry,
  encodeAugmentBatch,
  packAugmentSamples,
  type AugmentGeometry,
  type AugmentSample,
} from '../kernels/augment.js';
import { prepareDispatch, releaseDispatch, type PreparedDispatch } from '../kernels/dispatch.js';
import { checkAugmentOptions, drawAugmentSamples, type AugmentOptions } from './augment_draw.js';
import { SeededRandom } from './random.js';

export type { AugmentGeometry, AugmentSample } from '../kernels/augment.js';
export type { AugmentOptions, CropOptions } from './augment_draw.js';

const FLOAT_BYTES = 4;

/**
 * Augments batches of one geometry with one set of options. Each batch's
 * random parameters come from the Augmenter's seeded generator, so the k-th
 * batch of a given seed is the same on every run.
 *
 * encode() writes the batch's per-sample records with queue.writeBuffer,
 * which lands before the next submit: submit the encoder before calling
 * encode() again on the same Augmenter.
 *
 * @example
 * const augmenter = new Augmenter(ctx, { batch: 128, channels: 3, inHeight: 256, inWidth: 256, outHeight: 224, outWidth: 224 },
 *   { mirror: 0.5, crop: { scale: [0.08, 1], aspect: [3 / 4, 4 / 3] }, colourShift: 0.05, pca: { sigma: 0.1, basis }, seed: 42 });
 * const encoder = ctx.device.createCommandEncoder();
 * await augmenter.encode(encoder, rawBatch, augmentedBatch);   // then encode training, and submit once
 * ctx.device.queue.submit([encoder.finish()]);
 */
export class Augmenter {
  readonly geometry: Readonly<AugmentGeometry>;
  readonly options: Readonly<AugmentOptions>;
  private readonly random: SeededRandom;
  private readonly samples: GPUBuffer;
  /** Prepared dispatches by input buffer, then output buffer: a training loop cycles through a few. */
  private readonly prepared = new Map<GPUBuffer, Map<GPUBuffer, Promise<PreparedDispatch>>>();
  private destroyed = false;

  constructor(
    private readonly ctx: Pick<GpuContext, 'device'>,
    geometry: AugmentGeometry,
    options: AugmentOptions = {},
  ) {
    checkAugmentGeometry(geometry);
    checkAugmentOptions(options, geometry.channels);
    this.geometry = { ...geometry };
    this.options = { ...options };
    this.random = new SeededRandom(options.seed ?? 1);
    this.samples = ctx.device.createBuffer({ label: 'augment samples', size: augmentSamplesBytes(geometry.batch), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  }

  /** Floats of one input batch: batch·channels·inHeight·inWidth. */
  get inputLength(): number {
    const g = this.geometry;
    return g.batch * g.channels * g.inHeight * g.inWidth;
  }

  /** Floats of one output batch: batch·channels·outHeight·outWidth. */
  get outputLength(): number {
    const g = this.geometry;
    return g.batch * g.channels * g.outHeight * g.outWidth;
  }

  /**
   * The next batch's parameters, advancing the generator (encode() calls it
   * when not given samples).
   * @example const samples = augmenter.nextSamples();   // samples[0].crop, .mirror, .offset
   */
  nextSamples(): AugmentSample[] {
    return drawAugmentSamples(this.random, this.geometry, this.options);
  }

  /**
   * Records the augmentation of `input` (NCHW [batch, channels, inHeight,
   * inWidth] float32) into `output` (NCHW [batch, channels, outHeight,
   * outWidth]) in `encoder`, with the next draws or the given samples.
   * Resolves once recorded (the first call per buffer pair waits for the
   * pipeline), with the samples used.
   * @example
   * const samples = await augmenter.encode(encoder, input, output);
   */
  async encode(encoder: GPUCommandEncoder, input: GPUBuffer, output: GPUBuffer, samples?: readonly AugmentSample[]): Promise<readonly AugmentSample[]> {
    if (this.destroyed) throw new InvalidParameterError('augmenter', 'was destroyed');
    this.checkBuffer('input', input, this.inputLength);
    this.checkBuffer('output', output, this.outputLength);
    if (input === output) throw new InputError('output', 'must not be the input buffer (a dispatch cannot read and write one buffer)');
    const used = samples ?? this.nextSamples();
    const records = packAugmentSamples(this.geometry, used);
    const prepared = await this.preparedFor(input, output);
    this.ctx.device.queue.writeBuffer(this.samples, 0, records);
    encodeAugmentBatch(encoder, prepared);
    return used;
  }

  /**
   * Augments one batch now: encode, submit, wait.
   * @example await augmenter.run(input, output)
   */
  async run(input: GPUBuffer, output: GPUBuffer, samples?: readonly AugmentSample[]): Promise<readonly AugmentSample[]> {
    const encoder = this.ctx.device.createCommandEncoder({ label: 'augment' });
    const used = await this.encode(encoder, input, output, samples);
    this.ctx.device.queue.submit([encoder.finish()]);
    await this.ctx.device.queue.onSubmittedWorkDone();
    return used;
  }

  /** Frees the GPU buffers this Augmenter made (not the caller's input and output). */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const byOutput of this.prepared.values()) for (const p of byOutput.values()) releaseDispatch(await p);
    this.prepared.clear();
    this.samples.destroy();
  }

  private checkBuffer(name: 'input' | 'output', buffer: GPUBuffer, floats: number): void {
    const g = this.geometry;
    const shape = name === 'input' ? [g.batch, g.channels, g.inHeight, g.inWidth] : [g.batch, g.channels, g.outHeight, g.outWidth];
    if (buffer.size < floats * FLOAT_BYTES) throw new InputError(name, `an NCHW [${shape.join(', ')}] float32 batch needs ${floats * FLOAT_BYTES} bytes, the buffer has ${buffer.size}`);
  }

  private preparedFor(input: GPUBuffer, output: GPUBuffer): Promise<PreparedDispatch> {
    let byOutput = this.prepared.get(input);
    if (!byOutput) this.prepared.set(input, (byOutput = new Map()));
    let p = byOutput.get(output);
    if (!p) {
      const spec = augmentBatchDispatch(this.geometry, { input, samples: this.samples, output });
      p = prepareDispatch(this.ctx.device, spec);
      byOutput.set(output, p);
    }
    return p;
  }
}

/** An NCHW batch on the CPU and its output size. */
export interface AugmentBatchInput {
  /** NCHW float32 [batch, channels, height, width]. */
  data: Float32Array;
  shape: readonly [number, number, number, number];
  /** Output height and width (default: the input's). */
  outSize?: readonly [number, number];
}

/**
 * One-shot augmentation of a CPU batch: upload, augment on the GPU, read
 * back. For training loops keep an Augmenter and GPU buffers instead.
 * @example
 * const { output, samples } = await augmentBatch(ctx, { data, shape: [8, 3, 32, 32] }, { mirror: 0.5, colourShift: 0.1, seed: 3 });
 */
export async function augmentBatch(
  ctx: Pick<GpuContext, 'device'>,
  batch: AugmentBatchInput,
  options: AugmentOptions = {},
): Promise<{ output: Float32Array; samples: readonly AugmentSample[] }> {
  const { data, shape } = batch;
  if (shape.length !== 4) throw new InputError('data', `shape must be NCHW [batch, channels, height, width], got [${shape.join(', ')}]`);
  const [n, c, h, w] = shape;
  const [outHeight, outWidth] = batch.outSize ?? [h, w];
  const geometry = { batch: n, channels: c, inHeight: h, inWidth: w, outHeight, outWidth };
  checkAugmentGeometry(geometry);
  if (data.length !== n * c * h * w) throw new InputError('data', `an NCHW [${shape.join(', ')}] batch holds ${n * c * h * w} floats, got ${data.length}`);
  const augmenter = new Augmenter(ctx, geometry, options);
  const input = createTensorBuffer(ctx.device, data, 'augment input');
  const output = createTensorBuffer(ctx.device, augmenter.outputLength * FLOAT_BYTES, 'augment output');
  try {
    const samples = await augmenter.run(input, output);
    return { output: await readTensor(ctx.device, output, augmenter.outputLength), samples };
  } finally {
    await augmenter.destroy();
    input.destroy();
    output.destroy();
  }
}
