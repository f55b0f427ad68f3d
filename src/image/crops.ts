/**
 * Test-time crop sets (the course's multi-crop evaluation, P130): which
 * rectangles of a preprocessed canvas the model sees, each optionally
 * mirrored left–right. Plain data and pure functions, so a crop set can be
 * checked and printed without a GPU; multi_crop.ts turns one into a graph.
 *
 * @example
 * cropRects('5-crop', { width: 256, height: 256 }, { width: 224, height: 224 });
 * // [{ x: 0, y: 0, … }, { x: 32, y: 0, … }, { x: 0, y: 32, … }, { x: 32, y: 32, … }, { x: 16, y: 16, … }]
 */
import { InvalidParameterError } from '../errors.js';
import { roundHalfEven } from './preprocessing.js';

/**
 * One crop of the canvas, in canvas pixels: columns x … x + width − 1,
 * rows y … y + height − 1; `mirror` flips it left–right (wrong for digits,
 * right for most photos).
 */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
  mirror?: boolean;
}

/**
 * A named crop set or an explicit list of rectangles:
 * - 'center': the centred crop (torchvision's CenterCrop);
 * - '5-crop': the four corners then the centre (torchvision's FiveCrop order);
 * - '10-crop': those five, then the same five mirrored (as a set, torchvision's
 *   TenCrop: a crop of the flipped image is the mirror of the opposite crop).
 */
export type CropSet = 'center' | '5-crop' | '10-crop' | readonly CropRect[];

/** A width × height extent (the canvas, or the model's input). */
export interface Size {
  width: number;
  height: number;
}

/** Where a crop of `crop` sits centred in `canvas`: torchvision's round((W − w) / 2), halves to even. */
function centred(canvas: Size, crop: Size): CropRect {
  return { x: roundHalfEven((canvas.width - crop.width) / 2), y: roundHalfEven((canvas.height - crop.height) / 2), width: crop.width, height: crop.height };
}

/**
 * The rectangles of a crop set on a canvas, checked: a named set is laid out
 * for crops of `crop` (the model's input size); an explicit list must hold
 * at least one rectangle of exactly that size, inside the canvas.
 *
 * @example
 * cropRects('center', { width: 38, height: 38 }, { width: 32, height: 32 }) // [{ x: 3, y: 3, width: 32, height: 32 }]
 */
export function cropRects(set: CropSet, canvas: Size, crop: Size): CropRect[] {
  if (canvas.width < crop.width || canvas.height < crop.height) {
    throw new InvalidParameterError('crops', `the canvas ${canvas.width}×${canvas.height} is smaller than the model's ${crop.width}×${crop.height} input`);
  }
  if (typeof set === 'string') {
    const { width, height } = crop;
    const right = canvas.width - width;
    const bottom = canvas.height - height;
    const five: CropRect[] = [
      { x: 0, y: 0, width, height },
      { x: right, y: 0, width, height },
      { x: 0, y: bottom, width, height },
      { x: right, y: bottom, width, height },
      centred(canvas, crop),
    ];
    if (set === 'center') return [centred(canvas, crop)];
    if (set === '5-crop') return five;
    if (set === '10-crop') return [...five, ...five.map((r) => ({ ...r, mirror: true }))];
    throw new InvalidParameterError('crops', `unknown crop set "${set}"; named sets: 'center', '5-crop', '10-crop', or a list of { x, y, width, height, mirror }`);
  }
  if (!Array.isArray(set)) throw new InvalidParameterError('crops', `expected 'center', '5-crop', '10-crop' or a list of rectangles, got ${set === null ? 'null' : typeof set}`);
  if (set.length === 0) throw new InvalidParameterError('crops', 'the list of crops is empty: give at least one rectangle');
  return set.map((r, i) => checkCrop(r, i, canvas, crop));
}

function checkCrop(r: CropRect, i: number, canvas: Size, crop: Size): CropRect {
  const where = `crops[${i}]`;
  if (!r || typeof r !== 'object') throw new InvalidParameterError(where, `expected { x, y, width, height, mirror? }, got ${String(r)}`);
  for (const key of ['x', 'y', 'width', 'height'] as const) {
    if (typeof r[key] !== 'number' || !Number.isInteger(r[key])) throw new InvalidParameterError(`${where}.${key}`, `must be an integer, got ${String(r[key])}`);
  }
  if (r.mirror !== undefined && typeof r.mirror !== 'boolean') throw new InvalidParameterError(`${where}.mirror`, `must be a boolean, got ${String(r.mirror)}`);
  if (r.width !== crop.width || r.height !== crop.height) {
    throw new InvalidParameterError(where, `is ${r.width}×${r.height}; every crop must be the model's input size, ${crop.width}×${crop.height}`);
  }
  if (r.x < 0 || r.y < 0 || r.x + r.width > canvas.width || r.y + r.height > canvas.height) {
    throw new InvalidParameterError(where, `${r.width}×${r.height} at (${r.x}, ${r.y}) reaches outside the ${canvas.width}×${canvas.height} canvas`);
  }
  return { x: r.x, y: r.y, width: r.width, height: r.height, ...(r.mirror ? { mirror: true } : {}) };
}

/**
 * A grid of crops, no mirrors: `count` × `count` positions evenly spread
 * from the top-left to the bottom-right corner (count 1: the centre). For
 * digits, a 38×38 canvas with count 3 shifts the 32×32 view by −3, 0, +3
 * pixels each way.
 *
 * @example
 * cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 3) // x, y ∈ {0, 3, 6}: 9 crops
 */
export function cropGrid(canvas: Size, crop: Size, count: number): CropRect[] {
  if (!Number.isInteger(count) || count < 1) throw new InvalidParameterError('count', `must be a positive integer, got ${String(count)}`);
  if (canvas.width < crop.width || canvas.height < crop.height) {
    throw new InvalidParameterError('crops', `the canvas ${canvas.width}×${canvas.height} is smaller than the model's ${crop.width}×${crop.height} input`);
  }
  if (count === 1) return [centred(canvas, crop)];
  const at = (room: number, k: number) => Math.round((room * k) / (count - 1));
  const rects: CropRect[] = [];
  for (let j = 0; j < count; j++) {
    for (let i = 0; i < count; i++) rects.push({ x: at(canvas.width - crop.width, i), y: at(canvas.height - crop.height, j), width: crop.width, height: crop.height });
  }
  return rects;
}
