/**
 * PNG and JPEG bytes or files → RGBA pixels in Node, with the input-bomb
 * checks first: a file must be a regular file of at most `maxBytes`, its
 * header's dimensions within `maxPixels` before a decoder allocates, and a
 * PNG's pixel data must inflate to what its header needs (counted and
 * dropped, never held) before pngjs sees it. Node-only (pngjs and zlib);
 * browsers decode with createImageBitmap.
 *
 * @example
 * import { readImageFile } from 'webgpu-cnn/node';
 * const { width, height, data } = await readImageFile('cat.jpg'); // RGBA, like ImageData
 */
import { createInflate } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { formatBytes } from '../errors.js';
import { ioReason, readRegularFile, type RefuseFile } from '../io/regular_file_node.js';
import { ImageDecodeError } from './image_error.js';
import { checkPixelLimit, corrupt, isJpeg, isPng, jpegHeader, pngHeader, pngImageData, pngInflatedBytes, truncated, type PngHeader } from './image_header.js';
import { MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS } from './image_limits.js';

/** Decoded pixels, shaped like ImageData: RGBA, 4 bytes per pixel, row-major, alpha as stored. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export interface DecodeImageOptions {
  /** The picture's name in messages (a path; default 'image'). */
  name?: string;
  /** Refuse headers declaring more pixels (default MAX_IMAGE_PIXELS, 64 megapixels). */
  maxPixels?: number;
}

export interface ReadImageFileOptions extends Omit<DecodeImageOptions, 'name'> {
  /** Refuse larger files (default MAX_IMAGE_FILE_BYTES, 256 MiB). */
  maxBytes?: number;
}

/** How many bytes the zlib stream inflates to, up to `enough`: counted and dropped, never held. */
function inflatedLength(chunks: readonly Uint8Array[], enough: number): Promise<{ length: number; error?: Error }> {
  return new Promise((resolve) => {
    const inflate = createInflate();
    let length = 0;
    inflate.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length >= enough) resolve({ length }), inflate.destroy();
    });
    inflate.on('error', (error) => resolve({ length, error }));
    inflate.on('end', () => resolve({ length }));
    for (const chunk of chunks) inflate.write(chunk);
    inflate.end();
  });
}

/** Rejects a PNG whose chunks stop short or whose pixel data inflates to less than its header needs. */
export async function checkPngComplete(bytes: Uint8Array, header: PngHeader, name: string): Promise<void> {
  const needed = pngInflatedBytes(header);
  const { length, error } = await inflatedLength(pngImageData(bytes, name), needed);
  if (length < needed) {
    throw truncated(name, `its pixel data inflates to ${length} of the ${needed} bytes a ${header.width}×${header.height} image needs${error ? ` (${error.message})` : ''}`);
  }
}

function decodeWith<T>(name: string, decode: () => T): T {
  try {
    return decode();
  } catch (cause) {
    throw corrupt(name, (cause as Error).message, cause);
  }
}

/**
 * A PNG or JPEG's pixels. The header's dimensions are checked against
 * `maxPixels` before a decoder allocates anything, and a file whose pixel
 * data stops short is refused rather than decoded into garbage. Errors are
 * ImageDecodeError with a `reason`.
 *
 * @example
 * import { decodeImage } from 'webgpu-cnn/node';
 * const image = await decodeImage(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * image.width; image.data.length; // width × height × 4
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const name = options.name ?? 'image';
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  let rgba: { width: number; height: number; data: Uint8Array };
  let declared: { width: number; height: number };
  if (isPng(bytes)) {
    const header = pngHeader(bytes, name);
    checkPixelLimit(header.width, header.height, name, maxPixels);
    await checkPngComplete(bytes, header, name);
    declared = header;
    rgba = decodeWith(name, () => pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  } else if (isJpeg(bytes)) {
    declared = jpegHeader(bytes, name);
    checkPixelLimit(declared.width, declared.height, name, maxPixels);
    const limits = { maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: 2048 };
    rgba = decodeWith(name, () => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, ...limits }));
  } else {
    throw new ImageDecodeError('not-an-image', name, `cannot decode image ${name}: neither a PNG nor a JPEG file (by its first bytes)`);
  }
  const { width, height, data } = rgba;
  if (width !== declared.width || height !== declared.height || data.length !== width * height * 4) {
    throw corrupt(name, `the decoder gave ${width}×${height} (${data.length} bytes) for a ${declared.width}×${declared.height} header`);
  }
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
}

/** A refused image file as the decoder's typed error (io/regular_file_node.ts makes the checks). */
function refuseImageFile(path: string, maxBytes: number): RefuseFile {
  return (r) => {
    switch (r.reason) {
      case 'unreadable':
        return new ImageDecodeError('unreadable', path, `cannot read image ${path}: ${ioReason(r.cause)}`, { cause: r.cause });
      case 'not-regular':
        return new ImageDecodeError('not-regular', path, `image ${path} is ${r.kind}, not a regular file`);
      case 'too-large':
        return new ImageDecodeError('too-large', path, `image ${path} is ${formatBytes(r.size)}, more than the ${formatBytes(maxBytes)} allowed`);
      case 'truncated':
        return truncated(path, `it shrank while being read (${r.read} of ${r.size} bytes)`);
    }
  };
}

/**
 * A PNG or JPEG file's pixels: a regular file of at most `maxBytes`, then
 * decodeImage's checks.
 *
 * @example
 * import { readImageFile } from 'webgpu-cnn/node';
 * const { width, height, data } = await readImageFile('digit.png', { maxPixels: 4_000_000 });
 */
export async function readImageFile(path: string, options: ReadImageFileOptions = {}): Promise<DecodedImage> {
  const maxBytes = options.maxBytes ?? MAX_IMAGE_FILE_BYTES;
  const bytes = await readRegularFile(path, maxBytes, refuseImageFile(path, maxBytes));
  return decodeImage(bytes, { name: path, maxPixels: options.maxPixels });
}
