/**
 * Puts a picture into an ImageFrame. Straight from the <video> where the
 * browser can (GPU to GPU); where it refuses video sources — Chromium on a
 * software adapter (SwiftShader) throws OperationError for videos, even
 * through VideoFrame or importExternalTexture — through an ImageBitmap of
 * the frame, decided once and remembered. body[data-frame-path] says which.
 */
import type { ImageFrame } from './lib.js';

/** Copies `source` into a frame; what DigitReader and ClassifierRunner take. */
export type CopyIn = (frame: ImageFrame) => Promise<void>;

let viaBitmap = false;

export function fromVideo(video: HTMLVideoElement): CopyIn {
  return async (frame) => {
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
}

/** Canvases and bitmaps copy directly everywhere. */
export function fromImage(source: HTMLCanvasElement | ImageBitmap): CopyIn {
  return async (frame) => frame.copyExternal(source);
}
