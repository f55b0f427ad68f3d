/**
 * How much the CLI reads or allocates for one input before it has looked:
 * files are stat'ed (regular files only) and image headers parsed first, so
 * a 69-byte PNG declaring 20000×20000, /dev/zero or a --shape of 10¹¹ floats
 * is refused at once instead of eating memory for a minute.
 */
import { formatBytes, UnsupportedConfigurationError } from '../errors.js';
import { MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS } from '../image/image_limits.js';

// the image limits are the library decoder's (src/image/image_limits.ts)
export { MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS };
/** One input tensor, raw float32 file or ONNX model (protobuf's own ceiling is 2 GiB). */
export const MAX_TENSOR_BYTES = 2 * 2 ** 30;

/** The limits as the help text says them. */
export const LIMITS_HELP = [
  `Limits: an image file at most ${formatBytes(MAX_IMAGE_FILE_BYTES)} and ${MAX_IMAGE_PIXELS / 1e6} megapixels; a raw input,`,
  `an input tensor or an .onnx file at most ${formatBytes(MAX_TENSOR_BYTES)}. Inputs must be regular files (no pipes or devices).`,
].join('\n');

/** An input shape the CLI would allocate: its floats must fit MAX_TENSOR_BYTES (and be countable at all). */
export function checkTensorShape(name: string, shape: readonly number[]): number {
  const elements = shape.reduce((a, b) => a * b, 1);
  const bytes = elements * 4;
  if (!Number.isSafeInteger(bytes) || bytes > MAX_TENSOR_BYTES) {
    throw new UnsupportedConfigurationError(
      `input "${name}" [${shape.join(', ')}] is ${elements.toExponential(3)} floats (${formatBytes(bytes)}), beyond the ${formatBytes(MAX_TENSOR_BYTES)} the CLI allocates for one input`,
    );
  }
  return bytes;
}
