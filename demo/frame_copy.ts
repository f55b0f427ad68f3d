/**
 * Puts a picture into an ImageFrame. Straight from the <video> where the
 * browser can (GPU to GPU); where it refuses video sources — Chromium on a
 * software adapter (SwiftShader) throws OperationError for videos, even
 * through VideoFrame or importExternalTexture — through an ImageBitmap of
 * the frame, decided once and remembered. body[data-frame-path] says which.
 */
import type { ImageFrame } from './lib.js';

/**
 * Copies `source` into a frame; what DigitReader, ClassifierRunner and the
 * convolution view take. `element` is the source itself, for the page's own
 * 2-D previews.
 */
export type CopyIn = ((frame: ImageFrame) => Promise<void>) & { readonly element: HTMLVideoElement | HTMLCanvasElement | ImageBitmap };

let viaBitmap = false;

export function fromVideo(video: HTMLVideoElement): CopyIn {
  const copy = async (frame: ImageFrame) => {
    if (!viaBitmap) {
      try {
        frame.copyExternal(video);
        document.body.dataset.framePath = 'video';
        return;
      } catch (error) {
        if ((error as DOMException)?.name !== 'OperationError') throw error;
        viaBitmap = true;
        console.info('this browser cannot copy <video> frames to WebGPU textures directly; using ImageBitmaps');
      }
    }
    const bitmap = await createImageBitmap(video);
    try {
      frame.copyExternal(bitmap);
    } finally {
      bitmap.close();
    }
    document.body.dataset.framePath = 'bitmap';
  };
  return Object.assign(copy, { element: video });
}

/** Canvases and bitmaps copy directly everywhere. */
export function fromImage(source: HTMLCanvasElement | ImageBitmap): CopyIn {
  return Object.assign(async (frame: ImageFrame) => frame.copyExternal(source), { element: source });
}
