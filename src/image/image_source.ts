/**
 * Whatever a caller holds as a picture → pixels in an ImageFrame: DOM
 * images, videos, canvases, bitmaps and video frames by
 * copyExternalImageToTexture (GPU to GPU), ImageData-like RGBA bytes by
 * writeTexture, an rgba8unorm GPUTexture by copyTextureToBuffer, and encoded
 * PNG/JPEG bytes or a path/URL through the platform's decoder (Node: the
 * checked decoder of decode_node.ts; browsers: createImageBitmap).
 */
import { InputError } from '../errors.js';
import type { ImageFrame } from './frame.js';

/** RGBA pixels, 4 bytes per pixel, row-major: an ImageData or anything shaped like one. */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * A picture to classify: an `<img>`, `<video>`, `<canvas>`, OffscreenCanvas,
 * ImageBitmap, VideoFrame, ImageData (or `{ width, height, data }` RGBA), an
 * rgba8unorm GPUTexture with COPY_SRC, PNG/JPEG bytes, or a string/URL (a
 * file path in Node, a URL in browsers).
 */
export type ImageInput = GPUCopyExternalImageSource | ImageDataLike | GPUTexture | Uint8Array | ArrayBuffer | string | URL;

/** How a platform turns encoded pictures into something a frame can copy. */
export interface ImageDecoder {
  /** PNG/JPEG bytes → pixels. */
  decode(bytes: Uint8Array): Promise<ImageDataLike | GPUCopyExternalImageSource>;
  /** A path (Node) or URL → pixels. */
  open(location: string | URL): Promise<ImageDataLike | GPUCopyExternalImageSource>;
}

const globalClass = (name: string): (abstract new (...args: never[]) => unknown) | undefined => {
  const c = (globalThis as Record<string, unknown>)[name];
  return typeof c === 'function' ? (c as abstract new (...args: never[]) => unknown) : undefined;
};
const isInstance = (x: unknown, name: string) => {
  const c = globalClass(name);
  return c !== undefined && x instanceof c;
};

function isImageDataLike(x: object): x is ImageDataLike {
  const o = x as Partial<ImageDataLike>;
  return typeof o.width === 'number' && typeof o.height === 'number' && (o.data instanceof Uint8Array || o.data instanceof Uint8ClampedArray);
}

function isTexture(x: object): x is GPUTexture {
  const o = x as Partial<GPUTexture>;
  return typeof o.createView === 'function' && typeof o.format === 'string' && typeof o.width === 'number';
}

/** A short description of a value for messages. */
function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'an object';
}

const EXTERNAL = ['HTMLImageElement', 'HTMLVideoElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'ImageBitmap', 'VideoFrame', 'SVGImageElement'];

/** Waits until an `<img>` or `<video>` has a picture to copy, or says why there is none. */
async function ready(source: GPUCopyExternalImageSource): Promise<void> {
  if (isInstance(source, 'HTMLImageElement')) {
    const img = source as HTMLImageElement;
    if (!img.complete) await img.decode().catch(() => undefined);
    if (img.naturalWidth === 0) throw new InputError('image', `the <img> has no picture (not loaded, or not an image: ${img.currentSrc || img.src || 'no src'})`);
  } else if (isInstance(source, 'HTMLVideoElement')) {
    const video = source as HTMLVideoElement;
    if (video.readyState < 2 || video.videoWidth === 0) throw new InputError('image', `the <video> has no frame yet (readyState ${video.readyState}): classify after its 'loadeddata' event`);
  }
}

/**
 * Copies an external source; where the browser refuses a video as a copy
 * source (Chromium on a software adapter throws OperationError for videos),
 * through an ImageBitmap of the current frame instead.
 */
async function copyExternal(frame: ImageFrame, source: GPUCopyExternalImageSource): Promise<void> {
  await ready(source);
  try {
    frame.copyExternal(source);
  } catch (error) {
    const isVideo = isInstance(source, 'HTMLVideoElement') || isInstance(source, 'VideoFrame');
    if (!isVideo || (error as DOMException)?.name !== 'OperationError' || typeof createImageBitmap !== 'function') throw error;
    const bitmap = await createImageBitmap(source as HTMLVideoElement | VideoFrame);
    try {
      frame.copyExternal(bitmap);
    } finally {
      bitmap.close();
    }
  }
}

function writeImageData(frame: ImageFrame, image: ImageDataLike): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new InputError('image', `RGBA pixels need a positive whole width and height, got ${width}×${height}`);
  if (data.length !== width * height * 4) throw new InputError('image', `RGBA pixels of ${width}×${height} need ${width * height * 4} bytes, got ${data.length}`);
  frame.writePixels(data, width, height);
}

/** Puts `input` into `frame` (see ImageInput for what it may be). */
export async function copyImageInput(frame: ImageFrame, input: ImageInput, decoder: ImageDecoder): Promise<void> {
  let pixels: ImageInput = input;
  if (typeof input === 'string' || input instanceof URL) pixels = await decoder.open(input);
  else if (input instanceof ArrayBuffer) pixels = await decoder.decode(new Uint8Array(input));
  else if (input instanceof Uint8Array) pixels = await decoder.decode(input);

  if (typeof pixels !== 'object' || pixels === null || ArrayBuffer.isView(pixels)) {
    throw new InputError('image', `expected a picture (an <img>, <video>, <canvas>, ImageBitmap, VideoFrame, ImageData, GPUTexture, PNG/JPEG bytes or a path/URL), got ${describe(pixels)}`);
  }
  if (isImageDataLike(pixels)) return writeImageData(frame, pixels);
  if (isTexture(pixels)) return frame.copyTexture(pixels);
  if (EXTERNAL.some((name) => isInstance(pixels, name))) return copyExternal(frame, pixels as GPUCopyExternalImageSource);
  throw new InputError('image', `expected a picture (an <img>, <video>, <canvas>, ImageBitmap, VideoFrame, ImageData, GPUTexture, PNG/JPEG bytes or a path/URL), got ${describe(pixels)}`);
}
