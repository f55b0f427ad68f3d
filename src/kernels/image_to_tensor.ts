/**
 * The image_to_tensor shader's face: packed RGBA8 pixels → a model's float32
 * NCHW input, on the GPU: bilinear resize and crop, optional grayscale /
 * invert / levels, then per-channel (v − mean) / std. The source is packed
 * RGBA8 in a storage buffer (ImageFrame in src/image/frame.ts gets it there
 * from a video or canvas without a CPU readback), so the kernel is an
 * ordinary buffer kernel and its sampling is exact arithmetic a float64
 * reference can repeat. The recipes that fill its parameters (torchvision's
 * Resize + CenterCrop, ImageNet's statistics) are in src/image/preprocessing.ts.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import imageToTensorWgsl from '../../shaders/image/image_to_tensor.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const imageToTensorShader = defineShader('image_to_tensor', linearIndexWgsl, imageToTensorWgsl);
const WORKGROUP_SIZE = 64;

/** x, y, width, height. */
export type Rect = readonly [number, number, number, number];

/** How packed RGBA8 pixels lie in their buffer. */
export interface PackedImage {
  width: number;
  height: number;
  /** u32 per row: at least `width` (copyTextureToBuffer pads rows to 256 bytes). */
  rowPixels: number;
}

export interface ImageToTensorParams {
  /** 1 (luma) or 3 (RGB). */
  channels: 1 | 3;
  outWidth: number;
  outHeight: number;
  /** Element offset of this image in the output buffer (e.g. batch index × C·H·W). */
  outOffset?: number;
  /** The source rectangle to show, in source pixels (default: the whole source). */
  cropRect?: Rect;
  /** Where it lands, in output pixels; may be fractional (default: the whole output). */
  dstRect?: Rect;
  /** Per-channel mean and std applied last (defaults 0 and 1: values stay in [0, 1]). */
  mean?: readonly number[];
  std?: readonly number[];
  grayscale?: boolean;
  invert?: boolean;
  /** [lo, hi]: v → clamp((v − lo) / (hi − lo), 0, 1), after invert (default [0, 1]). */
  levels?: readonly [number, number];
  /** Value (before mean/std) of output pixels outside dstRect (default 0). */
  fill?: number | readonly [number, number, number];
  /** Taps per axis averaged per output pixel: 1 = bilinear, more ≈ area filter (default 1, at most 8). */
  samples?: number;
}

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a positive integer, got ${v}`);
};

const perChannel = (name: string, v: readonly number[] | undefined, channels: number, fallback: number): number[] => {
  const values = v ?? Array.from({ length: channels }, () => fallback);
  if (values.length !== channels || !values.every(Number.isFinite)) {
    throw new InvalidParameterError(name, `needs ${channels} finite value(s), got [${values.join(', ')}]`);
  }
  return [...values, ...Array.from({ length: 4 - channels }, () => fallback)];
};

const checkRect = (name: string, r: Rect) => {
  if (r.length !== 4 || !r.every(Number.isFinite) || r[2] <= 0 || r[3] <= 0) {
    throw new InvalidParameterError(name, `must be [x, y, width > 0, height > 0], got [${r.join(', ')}]`);
  }
};

/**
 * One image of packed RGBA8 pixels into `output` as C × H × W floats.
 *
 * @example
 * // torchvision's Resize(256) + CenterCrop(224) + ImageNet normalization
 * imageToTensor(frame, { channels: 3, outWidth: 224, outHeight: 224,
 *   cropRect: resizeCenterCropRect(frame.width, frame.height, 256, 224), ...IMAGENET_NORMALIZATION }, pixels, input)
 */
export function imageToTensor(src: PackedImage, p: ImageToTensorParams, pixels: BufferBinding, output: BufferBinding, label = 'image_to_tensor'): DispatchSpec {
  positiveInt('width', src.width);
  positiveInt('height', src.height);
  positiveInt('rowPixels', src.rowPixels);
  if (src.rowPixels < src.width) throw new InvalidParameterError('rowPixels', `${src.rowPixels} is less than the width ${src.width}`);
  if (p.channels !== 1 && p.channels !== 3) throw new InvalidParameterError('channels', `must be 1 or 3, got ${p.channels}`);
  positiveInt('outWidth', p.outWidth);
  positiveInt('outHeight', p.outHeight);
  const outOffset = p.outOffset ?? 0;
  if (!Number.isInteger(outOffset) || outOffset < 0) throw new InvalidParameterError('outOffset', `must be a non-negative integer, got ${outOffset}`);
  const cropRect = p.cropRect ?? [0, 0, src.width, src.height];
  const dstRect = p.dstRect ?? [0, 0, p.outWidth, p.outHeight];
  checkRect('cropRect', cropRect);
  checkRect('dstRect', dstRect);
  const mean = perChannel('mean', p.mean, p.channels, 0);
  const std = perChannel('std', p.std, p.channels, 1);
  if (std.some((s) => s === 0)) throw new InvalidParameterError('std', 'must not contain 0');
  const [lo, hi] = p.levels ?? [0, 1];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) throw new InvalidParameterError('levels', `must be [lo, hi] with hi > lo, got [${lo}, ${hi}]`);
  const fill = typeof p.fill === 'number' || p.fill === undefined ? [p.fill ?? 0, p.fill ?? 0, p.fill ?? 0] : [...p.fill];
  const samples = p.samples ?? 1;
  if (!Number.isInteger(samples) || samples < 1 || samples > 8) throw new InvalidParameterError('samples', `must be an integer from 1 to 8, got ${samples}`);
  return {
    label,
    shader: imageToTensorShader,
    constants: { WORKGROUP_SIZE },
    uniforms: {
      srcSize: [src.width, src.height],
      srcRowPixels: src.rowPixels,
      channels: p.channels,
      outSize: [p.outWidth, p.outHeight],
      outOffset,
      grayscale: p.grayscale ? 1 : 0,
      cropRect,
      dstRect,
      mean,
      stddev: std,
      fill: [...fill, 0],
      invert: p.invert ? 1 : 0,
      lo,
      hi,
      samples,
    },
    bindings: { pixels, output },
    workgroups: linearWorkgroups(p.outWidth * p.outHeight, WORKGROUP_SIZE),
  };
}
