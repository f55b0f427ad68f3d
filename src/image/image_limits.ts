/**
 * How large a picture the decoders take before they have looked: checked
 * from the file's size and its PNG/JPEG header, so a 69-byte PNG declaring
 * 20000×20000 is refused at once instead of eating memory for a minute.
 * The defaults of decodeImage / readImageFile (`maxPixels`, `maxBytes`).
 *
 * @example await readImageFile(path, { maxPixels: MAX_IMAGE_PIXELS / 4 })
 */

/** Decoded size of one image: 64 megapixels (8000×8000) — about 1.3 GB of working memory at the limit. */
export const MAX_IMAGE_PIXELS = 64_000_000;
/** One PNG or JPEG file. */
export const MAX_IMAGE_FILE_BYTES = 256 * 2 ** 20;
