/**
 * loadOnnx: bytes, or a URL fetched with progress, into an imported model.
 *
 * @example
 * import { createGpuContext, loadOnnx, compile } from 'webgpu-cnn';
 * const onnx = await loadOnnx('/models/resnet18.onnx', { onProgress: (loaded, total) => bar.set(loaded / (total ?? loaded)) });
 * const model = await compile(await createGpuContext(), onnx.graph, onnx.weights);
 * const logits = await model.predict(image);   // NCHW Float32Array of onnx.inputs[0].shape
 */
import { AbortError, OnnxFormatError } from '../errors.js';
import { fetchWithProgress, type LoadContext } from '../io/fetch_progress.js';
import { parseOnnx, type OnnxModel, type ParseOnnxOptions } from './import.js';

export interface LoadOnnxOptions extends ParseOnnxOptions {
  /**
   * Called as bytes arrive; `totalBytes` is undefined when the server sends
   * no usable length (none, not a number, a compressed body's, or one the
   * body outgrew: the Content-Length rule of io/fetch_progress.ts).
   */
  onProgress?(loadedBytes: number, totalBytes: number | undefined): void;
  signal?: AbortSignal;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

/** How the fetch helper names this loader and makes its errors. */
const LOADING: LoadContext = { what: 'the ONNX model', fail: (message, cause) => new OnnxFormatError(message, { cause }) };

/** Loads an ONNX model from bytes or a URL and imports it (see parseOnnx; `materializeLimits` bounds what import may allocate on the CPU). */
export async function loadOnnx(source: Uint8Array | ArrayBuffer | string | URL, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  const { onProgress, signal } = options;
  const bytes =
    typeof source === 'string' || source instanceof URL
      ? await fetchWithProgress(source, LOADING, {
          signal,
          fetch: options.fetch,
          // the (loaded, total) callback of this API, over the helper's progress object
          onProgress: onProgress && ((p) => onProgress(p.loadedBytes, p.totalBytes)),
        })
      : source;
  if (signal?.aborted) throw new AbortError('loading the ONNX model was aborted', { cause: signal.reason });
  return parseOnnx(bytes, options);
}
