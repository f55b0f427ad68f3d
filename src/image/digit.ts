/**
 * A handwritten digit in a photo or on a drawing pad → LeNet-5's MNIST-like
 * input, the way MNIST itself was made: ink bright on black, the digit's
 * bounding box scaled to fit 20×20, its centre of mass at the centre of the
 * 28×28 field (+2 px padding → 32×32), then (x − 0.1307) / 0.3081.
 *
 * Two GPU passes of imageToTensor with a tiny readback between them: pass 1
 * renders a small grayscale view of the region (ANALYSIS_SIZE², 9 KiB) that
 * the CPU scans for the ink level, the bounding box and the centre of mass;
 * pass 2 samples the full-resolution frame straight into the model's input
 * buffer with the crop, placement and levels found. The frame never leaves
 * the GPU.
 */
import { LENET5_PREPROCESSING } from '../models/lenet.js';
import type { GpuContext } from '../gpu/device.js';
import { readTensor } from '../gpu/buffers.js';
import { runDispatches } from '../kernels/dispatch.js';
import { imageToTensor, type PackedImage, type Rect } from '../kernels/image_to_tensor.js';

/** Side of the analysis view, in pixels. */
export const ANALYSIS_SIZE = 48;
/** MNIST: the digit's box fits this many pixels… */
const DIGIT_BOX = 20;
/** …and its centre of mass sits at the centre of the 28×28 field, i.e. at 16 of LeNet's 32. */
const FIELD_CENTRE = LENET5_PREPROCESSING.size / 2;
/** Ink must stand this far (0–1) above the background, or the view counts as blank. */
const MIN_CONTRAST = 0.2;

export interface DigitPlacement {
  /** Source pixels holding the digit's bounding box. */
  cropRect: Rect;
  /** Where that box lands in the 32×32 input (fractional, MNIST's centring). */
  dstRect: Rect;
  /** The levels that turn background into 0 and ink into 1. */
  levels: [number, number];
  /** Ink centre of mass in the analysis view, 0–1 (for drawing a marker). */
  centre: [number, number];
}

/**
 * Finds the digit in an analysis view (size × size, 0 = background, 1 = ink,
 * row-major) of the source region `view`: levels from the background median
 * and the ink's 99th percentile, then box and centre of mass of the levelled
 * image. Null when the view holds no ink. Pure: testable without a GPU.
 */
export function placeDigit(gray: ArrayLike<number>, size: number, view: Rect): DigitPlacement | null {
  const sorted = Float32Array.from(gray).sort();
  const background = sorted[Math.floor(sorted.length * 0.5)]!;
  const ink = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
  if (ink - background < MIN_CONTRAST) return null;
  const lo = background + 0.25 * (ink - background);
  const hi = background + 0.75 * (ink - background);
  let mass = 0;
  let mx = 0;
  let my = 0;
  let [x0, y0, x1, y1] = [size, size, -1, -1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const m = Math.min(Math.max((gray[y * size + x]! - lo) / (hi - lo), 0), 1);
      if (m <= 0) continue;
      mass += m;
      mx += m * (x + 0.5);
      my += m * (y + 0.5);
      if (m >= 0.5) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  if (x1 < 0 || mass === 0) return null;
  const cx = mx / mass;
  const cy = my / mass;
  const k = DIGIT_BOX / Math.max(x1 - x0, y1 - y0);
  const unit = [view[2] / size, view[3] / size];
  return {
    cropRect: [view[0] + x0 * unit[0]!, view[1] + y0 * unit[1]!, (x1 - x0) * unit[0]!, (y1 - y0) * unit[1]!],
    dstRect: [FIELD_CENTRE - (cx - x0) * k, FIELD_CENTRE - (cy - y0) * k, (x1 - x0) * k, (y1 - y0) * k],
    levels: [lo, hi],
    centre: [cx / size, cy / size],
  };
}

export interface DigitToTensorOptions {
  /** The region holding the digit, in source pixels (default: the whole source). */
  view?: Rect;
  /**
   * True for dark ink on light paper (photos, the pad); false for light on
   * dark (MNIST itself); 'auto': dark ink when the view's border is brighter
   * than mid-grey. Default true.
   */
  darkInk?: boolean | 'auto';
  /** Element offset in the output (batch index × size²). */
  outOffset?: number;
  /**
   * Side of the square output (default 32, LeNet-5's input): a larger one
   * holds the same 32×32 input centred, the margin filled with background,
   * the canvas that test-time crops (crops.ts) cut shifted 32×32 views from.
   */
  size?: number;
  /** The normalization after levelling (default LENET5_PREPROCESSING's MNIST mean and std). */
  mean?: number;
  std?: number;
}

/** Mean of the outermost ring of a size × size view: a light border means dark ink on paper. */
function borderMean(gray: ArrayLike<number>, size: number): number {
  let sum = 0;
  for (let k = 0; k < size; k++) sum += gray[k]! + gray[(size - 1) * size + k]! + gray[k * size]! + gray[k * size + size - 1]!;
  return sum / (4 * size);
}

/**
 * Writes LeNet-5's [1, 1, 32, 32] input for the digit in `source` into
 * `output` and returns where it found the digit, or null (output untouched)
 * when there is no ink to see.
 *
 * @example
 * frame.copyExternal(video);
 * const found = await digitToTensor(ctx, frame, frame.buffer, input, { view: centerSquareRect(frame.width, frame.height) });
 * if (found) logits = await model.predict(input);
 */
export async function digitToTensor(ctx: GpuContext, source: PackedImage, pixels: GPUBuffer, output: GPUBuffer, o: DigitToTensorOptions = {}): Promise<DigitPlacement | null> {
  const view = o.view ?? [0, 0, source.width, source.height];
  const darkInk = o.darkInk ?? true;
  const { device } = ctx;
  const analysis = device.createBuffer({ label: 'digit analysis view', size: ANALYSIS_SIZE * ANALYSIS_SIZE * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  try {
    const shrink = Math.max(view[2], view[3]) / ANALYSIS_SIZE;
    // with 'auto' the view is read as it is and inverted here once its border has said which way
    const invertOnGpu = darkInk === true;
    await runDispatches(device, [
      imageToTensor(source, { channels: 1, outWidth: ANALYSIS_SIZE, outHeight: ANALYSIS_SIZE, cropRect: view, invert: invertOnGpu, samples: tapsFor(shrink) }, pixels, analysis, 'digit analysis'),
    ]);
    let gray = await readTensor(device, analysis, ANALYSIS_SIZE * ANALYSIS_SIZE);
    const invert = darkInk === 'auto' ? borderMean(gray, ANALYSIS_SIZE) > 0.5 : darkInk;
    if (invert && !invertOnGpu) gray = gray.map((v) => 1 - v);
    const placement = placeDigit(gray, ANALYSIS_SIZE, view);
    if (!placement) return null;
    const size = o.size ?? LENET5_PREPROCESSING.size;
    // the 32×32 input sits centred in a larger canvas: its digit moves by the margin
    const margin = (size - LENET5_PREPROCESSING.size) / 2;
    const dstRect: Rect = [placement.dstRect[0] + margin, placement.dstRect[1] + margin, placement.dstRect[2], placement.dstRect[3]];
    const mean = o.mean ?? LENET5_PREPROCESSING.mean;
    const std = o.std ?? LENET5_PREPROCESSING.std;
    const scale = placement.cropRect[2] / placement.dstRect[2];
    await runDispatches(device, [
      imageToTensor(
        source,
        {
          channels: 1, outWidth: size, outHeight: size, outOffset: o.outOffset ?? 0,
          cropRect: placement.cropRect, dstRect, invert, levels: placement.levels,
          fill: 0, mean: [mean], std: [std], samples: tapsFor(scale),
        },
        pixels, output, 'digit to LeNet input',
      ),
    ]);
    return placement;
  } finally {
    analysis.destroy();
  }
}

/** Taps per axis for an area-like filter when shrinking by `scale` source pixels per output pixel. */
function tapsFor(scale: number): number {
  return Math.min(8, Math.max(1, Math.ceil(scale)));
}
