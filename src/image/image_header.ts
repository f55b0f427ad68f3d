/**
 * What a PNG or JPEG file declares, read from its bytes before any decoder
 * sees them: dimensions (so the pixel limit holds before a decoder allocates
 * for a forged header), and, for a PNG, the chunk list and how many bytes its
 * pixel data must inflate to (pngjs fills a short IDAT with whatever memory
 * held; jpeg-js says "marker was not found"). Pure: no Node module, no GPU.
 */
import { ImageDecodeError } from './image_error.js';
import { MAX_IMAGE_PIXELS } from './image_limits.js';

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

export interface JpegHeader {
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by PNG colour type (grey, RGB, palette, grey+alpha, RGBA). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export const isPng = (bytes: Uint8Array) => PNG_SIGNATURE.every((b, i) => bytes[i] === b);
export const isJpeg = (bytes: Uint8Array) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const ascii = (b: Uint8Array, at: number, n: number) => String.fromCharCode(...b.subarray(at, at + n));

export function corrupt(name: string, message: string, cause?: unknown): ImageDecodeError {
  return new ImageDecodeError('corrupt', name, `cannot decode image ${name}: ${message}`, { cause });
}

export function truncated(name: string, message: string): ImageDecodeError {
  return new ImageDecodeError('truncated', name, `image ${name} is truncated: ${message}`);
}

/** Refuses a declared size beyond `maxPixels` (or an empty one) before anything is decoded. */
export function checkPixelLimit(width: number, height: number, name: string, maxPixels = MAX_IMAGE_PIXELS): void {
  if (width < 1 || height < 1) throw corrupt(name, `it declares an empty ${width}×${height} image`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      'too-many-pixels',
      name,
      `image ${name} declares ${width}×${height} = ${((width * height) / 1e6).toFixed(1)} megapixels, more than the ${maxPixels / 1e6} megapixels allowed`,
    );
  }
}

/** The IHDR chunk, which the PNG format puts first: 8 signature bytes, then length 13, "IHDR", the fields. */
export function pngHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length < 33) throw truncated(name, `${bytes.length} bytes end inside the PNG header`);
  if (u32(bytes, 8) !== 13 || ascii(bytes, 12, 4) !== 'IHDR') throw corrupt(name, 'the PNG does not start with an IHDR chunk');
  const header = { width: u32(bytes, 16), height: u32(bytes, 20), bitDepth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
  if (PNG_CHANNELS[header.colorType] === undefined) throw corrupt(name, `unknown PNG colour type ${header.colorType}`);
  return header;
}

/** The zlib stream's decompressed size for this header: one filter byte per row, per interlace pass. */
export function pngInflatedBytes(h: PngHeader): number {
  const bitsPerPixel = PNG_CHANNELS[h.colorType]! * h.bitDepth;
  const rows = (width: number, height: number) => (width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  if (!h.interlaced) return rows(h.width, h.height);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy)), 0);
}

/** The IDAT chunks' data, walking the chunk list to IEND; a list that stops short is a truncated file. */
export function pngImageData(bytes: Uint8Array, name: string): Uint8Array[] {
  const idat: Uint8Array[] = [];
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) throw truncated(name, `the PNG ends after ${bytes.length} bytes, before its IEND chunk`);
    const length = u32(bytes, at);
    const type = ascii(bytes, at + 4, 4);
    if (at + 12 + length > bytes.length) throw truncated(name, `its ${type} chunk of ${length} bytes is cut off at ${bytes.length} bytes`);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (!idat.length) throw truncated(name, 'the PNG has no pixel data (IDAT)');
  return idat;
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): the frame header with the dimensions. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/**
 * The frame header's dimensions, walking the marker segments; and the file
 * must end its entropy-coded data with EOI (FF D9), which cannot occur inside
 * that data (FF is stuffed as FF 00), so a file without it after the first
 * scan was cut short.
 */
export function jpegHeader(bytes: Uint8Array, name: string): JpegHeader {
  let header: JpegHeader | undefined;
  let at = 2;
  for (;;) {
    while (bytes[at] === 0xff && bytes[at + 1] === 0xff) at++;
    if (at + 4 > bytes.length) throw truncated(name, header ? 'the JPEG ends before its first scan' : 'the JPEG ends before its frame header');
    if (bytes[at] !== 0xff) throw corrupt(name, `no JPEG marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9) throw corrupt(name, 'the JPEG ends (EOI) before any scan');
    const length = u16(bytes, at + 2);
    if (length < 2) throw corrupt(name, `a JPEG segment of length ${length} at byte ${at}`);
    if (isStartOfFrame(marker)) {
      if (at + 9 > bytes.length) throw truncated(name, 'the JPEG ends inside its frame header');
      header = { height: u16(bytes, at + 5), width: u16(bytes, at + 7) };
      if (header.height === 0) throw corrupt(name, 'the JPEG leaves its height to a DNL marker, which is not supported');
    }
    if (marker === 0xda) {
      if (!header) throw corrupt(name, 'a JPEG scan comes before the frame header');
      break;
    }
    at += 2 + length;
  }
  for (let i = bytes.length - 2; i > at; i--) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return header;
  throw truncated(name, 'the JPEG has no end-of-image marker after its scan data');
}
