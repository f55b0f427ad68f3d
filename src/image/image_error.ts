/**
 * The typed error of image decoding, in the image layer because only the
 * decoders raise it (src/errors.ts holds the runtime's own).
 */
import { WebGpuCnnError } from '../errors.js';

/** Why a picture was refused: see ImageDecodeError. */
export type ImageDecodeReason = 'not-an-image' | 'corrupt' | 'truncated' | 'too-many-pixels' | 'too-large' | 'not-regular' | 'unreadable';

/**
 * A picture could not become pixels: not a PNG or JPEG by its first bytes
 * ('not-an-image'), a damaged file ('corrupt'), pixel data that stops short
 * ('truncated'), a header declaring more pixels than allowed
 * ('too-many-pixels'), a file larger than allowed ('too-large'), a path that
 * is not a regular file ('not-regular') or cannot be read ('unreadable').
 * `source` names the file (or 'image' for bytes). Refusals by size come
 * from the header, before a decoder allocates anything.
 *
 * @example
 * try { await classifier.classify(bytes); }
 * catch (e) { if (e instanceof ImageDecodeError && e.reason === 'not-an-image') showHint(); }
 */
export class ImageDecodeError extends WebGpuCnnError {
  override readonly name: string = 'ImageDecodeError';
  constructor(
    readonly reason: ImageDecodeReason,
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
