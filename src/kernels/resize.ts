/**
 * Resize of H and W of NHWC activations with ONNX Resize's semantics
 * (nearest with every nearest_mode, linear, cubic with cubic_coeff_a and
 * exclude_outside; every coordinate_transformation_mode). ONNX's resize is
 * separable, so the kernel reads two small per-axis tables — for each output
 * row (column) up to 4 source indices and their weights — computed here on
 * the CPU in float64 and uploaded once as the node's weights. That keeps the
 * coordinate math (one place, exact, easy to test) out of the shader, which
 * only gathers and sums; the tables cost 32 bytes per output row and column.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import resizeWgsl from '../../shaders/resize.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { fullSlice, positiveInteger, validateSlice, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const resizeShader = defineShader('resize', linearIndexWgsl, resizeWgsl);
const WORKGROUP_SIZE = 64;

export const RESIZE_MODES = ['nearest', 'linear', 'cubic'] as const;
export type ResizeMode = (typeof RESIZE_MODES)[number];

export const COORDINATE_TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'] as const;
/** ONNX's coordinate_transformation_mode: how an output coordinate maps to an input one. */
export type CoordinateTransform = (typeof COORDINATE_TRANSFORMS)[number];

export const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
/** ONNX's nearest_mode: how nearest rounds a fractional input coordinate. */
export type NearestMode = (typeof NEAREST_MODES)[number];

/** How every output coordinate is sampled; the same for both axes. */
export interface ResizeSampling {
  mode: ResizeMode;
  coordinateTransform: CoordinateTransform;
  nearestMode: NearestMode;
  /** Cubic's A (ONNX's default −0.75, PyTorch's bicubic too). */
  cubicCoeffA: number;
  /** Cubic: taps outside the input get weight 0 and the rest are renormalized. */
  excludeOutside: boolean;
}

/** One resized axis. */
export interface ResizeAxis {
  inLength: number;
  outLength: number;
  /**
   * The scale the coordinate transform divides by. Given (ONNX scales), the
   * output length is floor(in·scale) and "the resized length" in
   * align_corners and tf_crop_and_resize is in·scale itself, not the rounded
   * outLength (ONNX's reference does this, ORT does not). Absent (ONNX
   * sizes): out/in, and the resized length is outLength.
   */
  scale?: number;
  /** tf_crop_and_resize's region on this axis, normalized: default [0, 1]. */
  roiStart?: number;
  roiEnd?: number;
}

/** Floats per table entry: 4 indices then 4 weights (shaders/resize.wgsl's ENTRY). */
export const RESIZE_TABLE_ENTRY = 8;
/** Where an entry's weights start (the shader's WEIGHTS_AT): after its 4 indices. */
export const RESIZE_WEIGHTS_AT = 4;
const MAX_TAPS = RESIZE_WEIGHTS_AT;

/** Taps per entry that can carry weight, by mode (the shader's TAPS). */
export const RESIZE_TAPS: Readonly<Record<ResizeMode, number>> = { nearest: 1, linear: 2, cubic: 4 };

/**
 * The input coordinate an output coordinate x samples (ONNX Resize's
 * coordinate_transformation_mode), NaN where tf_crop_and_resize falls
 * outside the input.
 */
export function sourceCoordinate(x: number, axis: ResizeAxis, transform: CoordinateTransform): number {
  const n = axis.inLength;
  const scale = axis.scale ?? axis.outLength / n;
  const resized = axis.scale === undefined ? axis.outLength : n * axis.scale;
  switch (transform) {
    case 'half_pixel':
      return (x + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return resized > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return resized === 1 ? 0 : (x * (n - 1)) / (resized - 1);
    case 'asymmetric':
      return x / scale;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / scale;
    case 'tf_crop_and_resize': {
      const start = axis.roiStart ?? 0;
      const end = axis.roiEnd ?? 1;
      const v = resized > 1 ? start * (n - 1) + (x * (end - start) * (n - 1)) / (resized - 1) : 0.5 * (start + end) * (n - 1);
      return v < 0 || v > n - 1 ? NaN : v;
    }
  }
}

/** Keys' cubic convolution weight at distance d with parameter a. */
function cubicWeight(d: number, a: number): number {
  const t = Math.abs(d);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** The input index nearest picks for a coordinate, before clamping (ONNX's nearest_mode). */
function nearestIndex(v: number, mode: NearestMode): number {
  const f = Math.floor(v);
  const frac = v - f;
  if (frac === 0) return f;
  switch (mode) {
    case 'round_prefer_floor':
      return frac <= 0.5 ? f : f + 1;
    case 'round_prefer_ceil':
      return frac < 0.5 ? f : f + 1;
    case 'floor':
      return f;
    case 'ceil':
      return f + 1;
  }
}

/** The taps (unclamped indices and weights) of one output coordinate. */
function taps(v: number, n: number, s: ResizeSampling): { index: number[]; weight: number[] } {
  if (s.mode === 'nearest') return { index: [nearestIndex(v, s.nearestMode)], weight: [1] };
  const f = Math.floor(v);
  const r = v - f;
  if (s.mode === 'linear') return { index: [f, f + 1], weight: [1 - r, r] };
  const index = [f - 1, f, f + 1, f + 2];
  const weight = index.map((i) => cubicWeight(v - i, s.cubicCoeffA));
  if (s.excludeOutside) {
    index.forEach((i, k) => {
      if (i < 0 || i >= n) weight[k] = 0;
    });
    const sum = weight.reduce((a, b) => a + b, 0);
    for (let k = 0; k < weight.length; k++) weight[k]! /= sum;
  }
  return { index, weight };
}

/**
 * One axis's table: outLength entries of RESIZE_TABLE_ENTRY floats (indices
 * clamped into the input, then weights; index0 = −1 marks a coordinate
 * outside the input, which reads the extrapolation value).
 * @example resizeTable({ inLength: 2, outLength: 4, scale: 2 }, { mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor', cubicCoeffA: -0.75, excludeOutside: false })
 *   // entries index0 = 0, 0, 1, 1 with weight0 = 1
 */
export function resizeTable(axis: ResizeAxis, s: ResizeSampling): Float32Array {
  positiveInteger('inLength', axis.inLength);
  positiveInteger('outLength', axis.outLength);
  if (axis.scale !== undefined && !(Number.isFinite(axis.scale) && axis.scale > 0)) throw new InvalidParameterError('scale', `must be finite and > 0, got ${axis.scale}`);
  const table = new Float32Array(axis.outLength * RESIZE_TABLE_ENTRY);
  const last = axis.inLength - 1;
  for (let x = 0; x < axis.outLength; x++) {
    const at = x * RESIZE_TABLE_ENTRY;
    const v = sourceCoordinate(x, axis, s.coordinateTransform);
    if (Number.isNaN(v)) {
      table[at] = -1;
      continue;
    }
    const t = taps(v, axis.inLength, s);
    for (let k = 0; k < MAX_TAPS; k++) {
      // out-of-range taps read the edge pixel (ONNX pads the input in edge mode)
      table[at + k] = Math.min(Math.max(t.index[k] ?? 0, 0), last);
      table[at + MAX_TAPS + k] = t.weight[k] ?? 0;
    }
  }
  return table;
}

export interface Resize2dParams {
  batch: number;
  channels: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  mode: ResizeMode;
  /** What tf_crop_and_resize writes outside the input (ONNX's default 0). */
  extrapolationValue?: number;
}

/**
 * Resize of a contiguous NHWC input into `output` (or a channel slice of a
 * wider one), sampling through `rows`/`cols`, the uploaded resizeTable()s of
 * H and W.
 * @example resize2d({ batch: 1, channels: 3, inHeight: 4, inWidth: 4, outHeight: 8, outWidth: 8, mode: 'linear' }, { input: x, rows, cols, output: y })
 */
export function resize2d(
  p: Resize2dParams,
  b: { input: BufferBinding; rows: BufferBinding; cols: BufferBinding; output: BufferBinding },
  slice?: ChannelSlice,
  label = 'resize',
): DispatchSpec {
  for (const key of ['batch', 'channels', 'inHeight', 'inWidth', 'outHeight', 'outWidth'] as const) positiveInteger(key, p[key]);
  if (!RESIZE_MODES.includes(p.mode)) throw new InvalidParameterError('mode', `must be one of ${RESIZE_MODES.join(', ')}, got "${String(p.mode)}"`);
  const out = slice ?? fullSlice(p.channels);
  validateSlice(out, p.channels);
  const total = p.batch * p.outHeight * p.outWidth * p.channels;
  return {
    label,
    shader: resizeShader,
    constants: { WORKGROUP_SIZE, TAPS: RESIZE_TAPS[p.mode] },
    uniforms: {
      inHeight: p.inHeight,
      inWidth: p.inWidth,
      channels: p.channels,
      outHeight: p.outHeight,
      outWidth: p.outWidth,
      extrapolationValue: p.extrapolationValue ?? 0,
      channelStride: out.channelStride,
      channelOffset: out.channelOffset,
      total,
    },
    bindings: { input: b.input, rows: b.rows, cols: b.cols, output: b.output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
