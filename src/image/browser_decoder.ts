/**
 * Encoded pictures in a browser: PNG and JPEG headers are checked against
 * the pixel limit first (image_header.ts, as in Node), then the browser's own
 * decoder (createImageBitmap) decodes whatever it can; a URL is fetched.
 */
import { ImageDecodeError } from './image_error.js';
import { checkPixelLimit, isJpeg, isPng, jpegHeader, pngHeader } from './image_header.js';
import type { ImageDecoder } from './image_source.js';

async function decode(bytes: Uint8Array, name = 'image'): Promise<ImageBitmap> {
  const known = isPng(bytes) || isJpeg(bytes);
  if (isPng(bytes)) {
    const { width, height } = pngHeader(bytes, name);
    checkPixelLimit(width, height, name);
  } else if (isJpeg(bytes)) {
    const { width, height } = jpegHeader(bytes, name);
    checkPixelLimit(width, height, name);
  }
  if (typeof createImageBitmap !== 'function') throw new ImageDecodeError('not-an-image', name, `cannot decode image ${name}: this runtime has no createImageBitmap (in Node, import from 'webgpu-cnn/node')`);
  try {
    return await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch (cause) {
    throw new ImageDecodeError(known ? 'corrupt' : 'not-an-image', name, `cannot decode image ${name}: ${known ? (cause as Error).message : 'not a picture this browser can decode (by its bytes)'}`, { cause });
  }
}

/** The browser's decoder for classify(): bytes by createImageBitmap, strings and URLs fetched first. */
export const browserDecoder: ImageDecoder = {
  decode: (bytes) => decode(bytes),
  async open(location) {
    const name = String(location);
    let bytes: Uint8Array;
    try {
      const response = await fetch(location);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (cause) {
      throw new ImageDecodeError('unreadable', name, `cannot fetch image ${name}: ${(cause as Error).message}`, { cause });
    }
    return decode(bytes, name);
  },
};
