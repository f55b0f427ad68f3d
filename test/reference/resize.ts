/**
 * Plain float64 ONNX Resize of H and W in NCHW, written from the operator's
 * specification (Resize-13) and independent of src/: every output element
 * is a 1-D interpolation along W of each input row, then along H of those
 * results. A 1-D interpolation maps the output coordinate to the input
 * (coordinate_transformation_mode), takes the mode's coefficients for the
 * fractional position, and applies them to the nearest 1/2/4 elements of the
 * input padded at its edges (ties preferring the smaller index), zeroing
 * and renormalizing the ones outside the input under exclude_outside. So it
 * selects neighbours by distance where the kernel computes them by floor.
 *
 * Where ONNX's own reference script differs from the text it follows the
 * text: pytorch_half_pixel on an output of length 1 samples 0 (the script
 * samples −0.5, the same for nearest and linear). Like that script, the
 * "resized length" in align_corners, pytorch_half_pixel and
 * tf_crop_and_resize is in·scale when scales are given (not the floored
 * output length).
 */
import type { CoordinateTransform, NearestMode, ResizeMode } from '../../src/kernels/resize.js';

export interface ResizeRefConfig {
  mode: ResizeMode;
  coordinateTransform: CoordinateTransform;
  nearestMode: NearestMode;
  cubicCoeffA: number;
  excludeOutside: boolean;
  extrapolationValue: number;
  /** tf_crop_and_resize: [startH, startW, endH, endW]. */
  roi?: readonly [number, number, number, number];
  /** Exactly one of scales and sizes. */
  scales?: readonly [number, number];
  sizes?: readonly [number, number];
}

/** ONNX's output size: sizes, or floor(in·scale). */
export function resizedSize(h: number, w: number, c: ResizeRefConfig): [number, number] {
  if (c.sizes) return [c.sizes[0], c.sizes[1]];
  return [Math.floor(h * c.scales![0]), Math.floor(w * c.scales![1])];
}

function coefficients(ratio: number, c: ResizeRefConfig): number[] {
  if (c.mode === 'linear') return [1 - ratio, ratio];
  if (c.mode === 'cubic') {
    const a = c.cubicCoeffA;
    // Keys' kernel at the distances of the four neighbours: 1 + ratio, ratio, 1 − ratio, 2 − ratio
    const near = (t: number) => (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
    const far = (t: number) => a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
    return [far(1 + ratio), near(ratio), near(1 - ratio), far(2 - ratio)];
  }
  // nearest, as weights on the two neighbours left and right of the coordinate; ratio 1 is an exact hit
  if (ratio === 1) return [0, 1];
  switch (c.nearestMode) {
    case 'round_prefer_floor':
      return ratio <= 0.5 ? [1, 0] : [0, 1];
    case 'round_prefer_ceil':
      return ratio < 0.5 ? [1, 0] : [0, 1];
    case 'floor':
      return [1, 0];
    case 'ceil':
      return [0, 1];
  }
}

/** One axis: the value at output coordinate x of `data` resized from data.length to `resized` (= in·scale) by `scale`. */
function interpolate1d(data: readonly number[], x: number, scale: number, resized: number, roi: readonly [number, number], c: ResizeRefConfig): number {
  const n = data.length;
  let v: number;
  switch (c.coordinateTransform) {
    case 'half_pixel':
      v = (x + 0.5) / scale - 0.5;
      break;
    case 'pytorch_half_pixel':
      v = resized > 1 ? (x + 0.5) / scale - 0.5 : 0;
      break;
    case 'align_corners':
      v = resized === 1 ? 0 : (x * (n - 1)) / (resized - 1);
      break;
    case 'asymmetric':
      v = x / scale;
      break;
    case 'tf_half_pixel_for_nn':
      v = (x + 0.5) / scale;
      break;
    case 'tf_crop_and_resize':
      v = resized > 1 ? roi[0] * (n - 1) + (x * (roi[1] - roi[0]) * (n - 1)) / (resized - 1) : 0.5 * (roi[0] + roi[1]) * (n - 1);
      if (v < 0 || v > n - 1) return c.extrapolationValue;
      break;
  }
  const ratio = Number.isInteger(v) ? 1 : v - Math.floor(v);
  const coeffs = coefficients(ratio, c);
  const count = coeffs.length;
  const pad = Math.ceil(count / 2);
  // the `count` indices of the edge-padded input nearest to v (ties: the smaller), ascending
  const candidates = [...Array(n + 2 * pad).keys()].map((p) => p - pad);
  candidates.sort((a, b) => Math.abs(v - a) - Math.abs(v - b) || a - b);
  const picked = candidates.slice(0, count).sort((a, b) => a - b);
  // exclude_outside only changes cubic: with edge padding a linear or nearest neighbour outside equals the edge one
  // (ONNX's script applies it to every mode and then divides 0 by 0 where nearest's one weight falls outside)
  if (c.excludeOutside && c.mode === 'cubic') {
    picked.forEach((i, k) => {
      if (i < 0 || i >= n) coeffs[k] = 0;
    });
    const sum = coeffs.reduce((s, w) => s + w, 0);
    for (let k = 0; k < count; k++) coeffs[k]! /= sum;
  }
  return picked.reduce((s, i, k) => s + coeffs[k]! * data[Math.min(Math.max(i, 0), n - 1)]!, 0);
}

/** NCHW [batch, channels, h, w] → NCHW [batch, channels, outH, outW]. */
export function resizeRef(x: ArrayLike<number>, dims: readonly [number, number, number, number], c: ResizeRefConfig): { y: Float64Array; outH: number; outW: number } {
  const [batch, channels, h, w] = dims;
  const [outH, outW] = resizedSize(h, w, c);
  const scaleH = c.scales ? c.scales[0] : outH / h;
  const scaleW = c.scales ? c.scales[1] : outW / w;
  const resizedH = c.scales ? h * c.scales[0] : outH;
  const resizedW = c.scales ? w * c.scales[1] : outW;
  const roi = c.roi ?? [0, 0, 1, 1];
  const y = new Float64Array(batch * channels * outH * outW);
  for (let p = 0; p < batch * channels; p++) {
    const rows = [...Array(h).keys()].map((i) => Array.from({ length: w }, (_, j) => x[(p * h + i) * w + j]!));
    for (let ow = 0; ow < outW; ow++) {
      const column = rows.map((row) => interpolate1d(row, ow, scaleW, resizedW, [roi[1], roi[3]], c));
      for (let oh = 0; oh < outH; oh++) y[(p * outH + oh) * outW + ow] = interpolate1d(column, oh, scaleH, resizedH, [roi[0], roi[2]], c);
    }
  }
  return { y, outH, outW };
}
