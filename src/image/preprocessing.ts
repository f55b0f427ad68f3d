/**
 * The preprocessing recipes of the pretrained networks, as imageToTensor
 * parameters: ImageNet's statistics, torchvision's Resize + CenterCrop as a
 * source rectangle, the centred square a digit is looked for in.
 *
 * @example
 * // torchvision's Resize(256) + CenterCrop(224) + ImageNet normalization
 * imageToTensor(frame, { channels: 3, outWidth: 224, outHeight: 224,
 *   cropRect: resizeCenterCropRect(frame.width, frame.height, 256, 224), ...IMAGENET_NORMALIZATION }, frame.buffer, input)
 */
import { InvalidParameterError } from '../errors.js';
import type { Rect } from '../kernels/image_to_tensor.js';

/** ImageNet's per-channel statistics, as torchvision's pretrained weights expect (RGB, values in [0, 1]). */
export const IMAGENET_NORMALIZATION = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

const positiveInt = (name: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a positive integer, got ${v}`);
};

/**
 * The source rectangle that torchvision's `Resize(resize)` (short side to
 * `resize`, long side truncated as torchvision does) followed by
 * `CenterCrop(crop)` (or `CenterCrop((cropHeight, crop))`) keeps, in source
 * pixels. Resizing is then one bilinear pass (without torchvision's
 * antialiasing; use `samples` for that).
 *
 * @example resizeCenterCropRect(640, 480, 256, 224)  // ≈ [108.86, 30, 420.41, 420]
 */
export function resizeCenterCropRect(width: number, height: number, resize: number, crop: number, cropHeight = crop): Rect {
  positiveInt('width', width);
  positiveInt('height', height);
  positiveInt('resize', resize);
  positiveInt('crop', crop);
  positiveInt('cropHeight', cropHeight);
  const [rw, rh] = width <= height ? [resize, Math.floor((resize * height) / width)] : [Math.floor((resize * width) / height), resize];
  const left = roundHalfEven((rw - crop) / 2);
  const top = roundHalfEven((rh - cropHeight) / 2);
  const sx = width / rw;
  const sy = height / rh;
  return [left * sx, top * sy, crop * sx, cropHeight * sy];
}

/**
 * Python's round(), which CenterCrop uses: halves go to the even neighbour.
 *
 * @example roundHalfEven(2.5) // 2
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The largest centred square of a width × height image. */
export function centerSquareRect(width: number, height: number): Rect {
  const side = Math.min(width, height);
  return [(width - side) / 2, (height - side) / 2, side, side];
}
