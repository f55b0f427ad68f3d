/**
 * The augment_batch shader's face: one dispatch turns a float32 NCHW batch
 * into its augmented batch — per sample a crop (fractional corners allowed)
 * resized bilinearly, an optional horizontal mirror, a per-channel offset.
 * Per-sample parameters live in a small storage buffer (one record per
 * sample, laid out as the shader's SampleParams struct, read through
 * wgsl_reflect), so the pipeline and its bind group serve every batch: a new
 * batch costs one writeBuffer of 32·N bytes. The random draws that fill the
 * records are src/train/augment_draw.ts's job; this file only checks,
 * packs and dispatches.
 */
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import augmentBatchWgsl from '../../shaders/augment/augment_batch.wgsl?raw';
import { InvalidParameterError, ShaderError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { positiveInteger } from './conv2d_shape.js';
import { encodeDispatch, type BufferBinding, type DispatchSpec, type PreparedDispatch } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import type { Rect } from './image_to_tensor.js';

export const augmentBatchShader = defineShader('augment_batch', linearIndexWgsl, augmentBatchWgsl);
const WORKGROUP_SIZE = 64;

/**
 * How far (in source pixels) a crop may overhang the image before it is
 * refused: drawn crops put x + w at W up to float rounding.
 */
const CROP_SLACK = 1e-4;

/** The shapes of one augmentation: [batch, channels, inHeight, inWidth] → [batch, channels, outHeight, outWidth]. */
export interface AugmentGeometry {
  batch: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
}

/** What happens to one sample of the batch. */
export interface AugmentSample {
  /** x, y, width, height in source pixels, inside the image; fractional corners allowed. */
  crop: Rect;
  /** Flip the resized crop left–right. */
  mirror: boolean;
  /** Added to each channel after resizing: `channels` values. */
  offset: readonly number[];
}

/** Byte layout of one SampleParams record, as the shader declares it. */
export interface AugmentSampleLayout {
  /** Bytes per record (the array's stride). */
  stride: number;
  crop: number;
  offset: number;
  mirror: number;
}

let layout: AugmentSampleLayout | undefined;

/**
 * The byte layout of the shader's per-sample record, from wgsl_reflect
 * (the record is a storage array of structs, which the uniform reflection
 * in gpu/shader.ts does not cover).
 * @example augmentSampleLayout()   // { stride: 32, crop: 0, offset: 16, mirror: 28 }
 */
export function augmentSampleLayout(): AugmentSampleLayout {
  if (layout) return layout;
  const reflection = new WgslReflect(augmentBatchShader.parts.join('\n'));
  const samples = reflection.storage.find((s) => s.name === 'samples');
  const type = samples?.type as { stride?: number; format?: { members?: { name: string; offset: number }[] } } | undefined;
  const members = new Map((type?.format?.members ?? []).map((m) => [m.name, m.offset]));
  const offsets = ['crop', 'offset', 'mirror'].map((name) => members.get(name));
  if (!type?.stride || offsets.some((o) => o === undefined)) throw new ShaderError('shader augment_batch: samples must be an array of SampleParams { crop, offset, mirror }');
  const [crop, offset, mirror] = offsets as number[];
  layout = { stride: type.stride, crop: crop!, offset: offset!, mirror: mirror! };
  return layout;
}

/**
 * Checks the shapes of an augmentation: positive integers, 1 or 3 channels.
 * @example checkAugmentGeometry({ batch: 8, channels: 3, inHeight: 256, inWidth: 256, outHeight: 224, outWidth: 224 })
 */
export function checkAugmentGeometry(g: AugmentGeometry): void {
  for (const key of ['batch', 'channels', 'inHeight', 'inWidth', 'outHeight', 'outWidth'] as const) positiveInteger(key, g[key]);
  if (g.channels !== 1 && g.channels !== 3) throw new InvalidParameterError('channels', `augmentation takes 1 (grayscale) or 3 (RGB) channels, got ${g.channels}`);
}

/**
 * Checks one sample's parameters against the geometry: the crop inside the
 * image with positive size, one finite offset per channel.
 * @example checkAugmentSample({ batch: 1, channels: 1, inHeight: 28, inWidth: 28, outHeight: 24, outWidth: 24 }, { crop: [1.5, 2, 24, 24], mirror: true, offset: [0] }, 0)
 */
export function checkAugmentSample(g: AugmentGeometry, s: AugmentSample, index: number): void {
  const name = `samples[${index}]`;
  const c = s.crop;
  if (c.length !== 4 || !c.every(Number.isFinite) || c[2] <= 0 || c[3] <= 0) {
    throw new InvalidParameterError(`${name}.crop`, `must be [x, y, width > 0, height > 0] with finite values, got [${c.join(', ')}]`);
  }
  if (c[0] < -CROP_SLACK || c[1] < -CROP_SLACK || c[0] + c[2] > g.inWidth + CROP_SLACK || c[1] + c[3] > g.inHeight + CROP_SLACK) {
    throw new InvalidParameterError(`${name}.crop`, `[${c.join(', ')}] leaves the ${g.inWidth}×${g.inHeight} image (x, y ≥ 0, x + width ≤ ${g.inWidth}, y + height ≤ ${g.inHeight})`);
  }
  if (s.offset.length !== g.channels || !s.offset.every(Number.isFinite)) {
    throw new InvalidParameterError(`${name}.offset`, `needs ${g.channels} finite value(s) (one per channel), got [${s.offset.join(', ')}]`);
  }
}

/**
 * The per-sample records, checked and packed as the shader reads them
 * (upload into the `samples` buffer with queue.writeBuffer).
 * @example
 * const bytes = packAugmentSamples(geometry, [{ crop: [0, 0, 32, 32], mirror: false, offset: [0.1, 0, -0.1] }]);
 * device.queue.writeBuffer(samplesBuffer, 0, bytes);
 */
export function packAugmentSamples(g: AugmentGeometry, samples: readonly AugmentSample[]): ArrayBuffer {
  checkAugmentGeometry(g);
  if (samples.length !== g.batch) throw new InvalidParameterError('samples', `needs one entry per batch sample (${g.batch}), got ${samples.length}`);
  const l = augmentSampleLayout();
  const bytes = new ArrayBuffer(l.stride * g.batch);
  const view = new DataView(bytes);
  samples.forEach((s, n) => {
    checkAugmentSample(g, s, n);
    const at = n * l.stride;
    s.crop.forEach((v, i) => view.setFloat32(at + l.crop + 4 * i, v, true));
    s.offset.forEach((v, i) => view.setFloat32(at + l.offset + 4 * i, v, true));
    view.setUint32(at + l.mirror, s.mirror ? 1 : 0, true);
  });
  return bytes;
}

/**
 * Bytes the `samples` buffer needs for a batch.
 * @example device.createBuffer({ size: augmentSamplesBytes(128), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST })
 */
export function augmentSamplesBytes(batch: number): number {
  return augmentSampleLayout().stride * batch;
}

/**
 * The one dispatch of a batch: `input` NCHW [batch, channels, inHeight,
 * inWidth] → `output` NCHW [batch, channels, outHeight, outWidth], per
 * sample as the records in `samples` say.
 * @example
 * augmentBatchDispatch({ batch: 128, channels: 3, inHeight: 256, inWidth: 256, outHeight: 224, outWidth: 224 }, { input: x, samples: records, output: y })
 */
export function augmentBatchDispatch(
  g: AugmentGeometry,
  b: { input: BufferBinding; samples: BufferBinding; output: BufferBinding },
  label = 'augment_batch',
): DispatchSpec {
  checkAugmentGeometry(g);
  const total = g.batch * g.outHeight * g.outWidth;
  return {
    label,
    shader: augmentBatchShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { batch: g.batch, channels: g.channels, inHeight: g.inHeight, inWidth: g.inWidth, outHeight: g.outHeight, outWidth: g.outWidth, total },
    bindings: { input: b.input, samples: b.samples, output: b.output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}

/**
 * Records a prepared augmentation in its own compute pass of `encoder`, so
 * the next batch's augmentation can ride in the same command buffer as the
 * current batch's training step.
 * @example
 * const prepared = await prepareDispatch(device, augmentBatchDispatch(geometry, buffers));
 * encodeAugmentBatch(encoder, prepared);   // then encode the training step, submit once
 */
export function encodeAugmentBatch(encoder: GPUCommandEncoder, prepared: PreparedDispatch): void {
  const pass = encoder.beginComputePass({ label: prepared.label });
  encodeDispatch(pass, prepared);
  pass.end();
}
