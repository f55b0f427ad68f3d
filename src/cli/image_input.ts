/**
 * PNG/JPEG file → the model's input tensor, the way torchvision's ImageNet
 * recipe does it: resize so the short side is 256/224 of the crop (bilinear,
 * antialiased when shrinking, like PIL), centre-crop, scale to [0, 1],
 * normalize per channel. One-channel models get grayscale (ITU-R 601 luma,
 * as PIL's "L"); LeNet-5 gets MNIST's recipe instead (imageToLenetInput).
 */
import { lenet5Input, LENET5_PREPROCESSING } from '../models/lenet.js';
import { decodeImage as decodeRgba } from '../image/decode_node.js';
import { ImageDecodeError } from '../image/image_error.js';
import { IMAGENET_NORMALIZATION } from '../image/preprocessing.js';
import { CliFileError, InputFileError } from './usage_error.js';

/** Decoded pixels, RGB in [0, 1], row-major, 3 floats per pixel; transparency composited over white. */
export interface RgbImage {
  width: number;
  height: number;
  data: Float32Array;
}

export const IMAGENET_MEAN = IMAGENET_NORMALIZATION.mean;
export const IMAGENET_STD = IMAGENET_NORMALIZATION.std;
/** torchvision's evaluation transforms resize to 256 and crop 224. */
const RESIZE_OVER_CROP = 256 / 224;

export function isImagePath(path: string): boolean {
  return /\.(png|jpe?g)$/i.test(path);
}

/** The library's refusal as the CLI's file error (exit code 2), typed by reason where the CLI has one. */
function asCliError(error: ImageDecodeError): CliFileError {
  const { reason } = error;
  if (reason === 'too-many-pixels' || reason === 'truncated' || reason === 'too-large' || reason === 'not-regular') return new InputFileError(error.source, reason, error.message, { cause: error });
  return new CliFileError(error.message, { cause: error });
}

/**
 * A PNG or JPEG file's pixels, by the library's decoder (src/image/decode_node.ts:
 * the pixel limit from the header before a decoder allocates, truncated
 * pixel data refused), composited over white as floats.
 */
export async function decodeImage(bytes: Uint8Array, path: string): Promise<RgbImage> {
  let rgba: { width: number; height: number; data: Uint8ClampedArray };
  try {
    rgba = await decodeRgba(bytes, { name: path });
  } catch (error) {
    throw error instanceof ImageDecodeError ? asCliError(error) : error;
  }
  const { width, height } = rgba;
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const alpha = rgba.data[4 * i + 3]! / 255;
    for (let c = 0; c < 3; c++) data[3 * i + c] = (rgba.data[4 * i + c]! / 255) * alpha + (1 - alpha);
  }
  return { width, height, data };
}

/**
 * Separable resampling with a triangle filter: bilinear interpolation when
 * enlarging, a box-like average over the covered source pixels when
 * shrinking (PIL's antialiased bilinear). Pixel centres at +0.5; equal sizes
 * give the image back unchanged.
 */
export function resizeBilinear(image: RgbImage, width: number, height: number, channels = 3): RgbImage {
  const horizontal = resample1d(image.data, image.width, image.height, width, channels, true);
  const data = resample1d(horizontal, width, image.height, height, channels, false);
  return { width, height, data };
}

function resample1d(src: Float32Array, srcWidth: number, srcHeight: number, outSize: number, channels: number, alongX: boolean): Float32Array {
  const inSize = alongX ? srcWidth : srcHeight;
  const scale = inSize / outSize;
  const support = Math.max(1, scale);
  const outWidth = alongX ? outSize : srcWidth;
  const outHeight = alongX ? srcHeight : outSize;
  const out = new Float32Array(outWidth * outHeight * channels);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - support));
    const last = Math.min(inSize - 1, Math.ceil(centre + support));
    const taps: { index: number; weight: number }[] = [];
    let total = 0;
    for (let i = first; i <= last; i++) {
      const weight = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
      if (weight > 0) taps.push({ index: i, weight }), (total += weight);
    }
    const lines = alongX ? srcHeight : srcWidth;
    for (let line = 0; line < lines; line++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const t of taps) {
          const at = alongX ? (line * srcWidth + t.index) * channels + c : (t.index * srcWidth + line) * channels + c;
          sum += src[at]! * t.weight;
        }
        const target = alongX ? (line * outWidth + o) * channels + c : (o * outWidth + line) * channels + c;
        out[target] = sum / total;
      }
    }
  }
  return out;
}

/** Resize so the short side is `shortSide`, then take the centre height × width (torchvision's rounding). */
export function resizeAndCrop(image: RgbImage, shortSide: number, height: number, width: number): RgbImage {
  // torchvision truncates the long side: int(short_target * long / short)
  const long = (side: number) => Math.floor((shortSide * side) / Math.min(image.width, image.height));
  const resizedW = image.width <= image.height ? shortSide : long(image.width);
  const resizedH = image.width <= image.height ? long(image.height) : shortSide;
  const resized = resizeBilinear(image, resizedW, resizedH);
  if (resizedW < width || resizedH < height) throw new CliFileError(`cannot crop ${width}×${height} from a ${resizedW}×${resizedH} image`);
  const top = Math.round((resizedH - height) / 2);
  const left = Math.round((resizedW - width) / 2);
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(resized.data.subarray(((top + y) * resizedW + left) * 3, ((top + y) * resizedW + left + width) * 3), y * width * 3);
  return { width, height, data };
}

/** ITU-R 601 luma, PIL's "L" conversion. */
const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/**
 * An image as the NCHW input [1, channels, height, width] of an ImageNet-style
 * model: resize (short side = `margin` × the crop, 256/224 by default), centre
 * crop, per-channel (x − mean) / std. channels is 3 (RGB) or 1 (grayscale).
 */
export function imageToTensor(image: RgbImage, channels: number, height: number, width: number, norm: Normalization, margin = RESIZE_OVER_CROP): Float32Array {
  if (channels !== 1 && channels !== 3) throw new CliFileError(`an image can feed a 1- or 3-channel input, not ${channels} channels`);
  const shortSide = Math.round(Math.max(height, width) * margin);
  const crop = resizeAndCrop(image, shortSide, height, width);
  const plane = height * width;
  const out = new Float32Array(channels * plane);
  for (let i = 0; i < plane; i++) {
    const [r, g, b] = [crop.data[3 * i]!, crop.data[3 * i + 1]!, crop.data[3 * i + 2]!];
    if (channels === 1) out[i] = (luma(r, g, b) - norm.mean[0]!) / norm.std[0]!;
    else [r, g, b].forEach((v, c) => (out[c * plane + i] = (v - norm.mean[c]!) / norm.std[c]!));
  }
  return out;
}

/**
 * An image as LeNet-5's [1, 1, 32, 32] input, MNIST's way: grayscale,
 * resized to 28×28 (short side, then centre crop), light digit on a dark
 * background — a dark-on-light picture (its border brighter than mid-grey)
 * is inverted — rounded to 8 bits, then lenet5Input(): /255, pad 2,
 * (x − 0.1307) / 0.3081. `norm` replaces that mean and std.
 */
export function imageToLenetInput(image: RgbImage, norm?: Normalization): Float32Array {
  const side = LENET5_PREPROCESSING.size - 2 * LENET5_PREPROCESSING.pad;
  const crop = resizeAndCrop(image, side, side, side);
  const gray = new Float32Array(side * side);
  for (let i = 0; i < gray.length; i++) gray[i] = luma(crop.data[3 * i]!, crop.data[3 * i + 1]!, crop.data[3 * i + 2]!);
  let border = 0;
  for (let k = 0; k < side; k++) border += gray[k]! + gray[(side - 1) * side + k]! + gray[k * side]! + gray[k * side + side - 1]!;
  const invert = border / (4 * side) > 0.5;
  const pixels = new Uint8Array(side * side);
  gray.forEach((v, i) => (pixels[i] = Math.round(255 * (invert ? 1 - v : v))));
  if (!norm) return lenet5Input(pixels);
  const { size, pad } = LENET5_PREPROCESSING;
  const out = new Float32Array(size * size).fill((0 - norm.mean[0]!) / norm.std[0]!);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) out[(y + pad) * size + x + pad] = (pixels[y * side + x]! / 255 - norm.mean[0]!) / norm.std[0]!;
  return out;
}
