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
import { parseOnnx, type OnnxModel, type ParseOnnxOptions } from './import.js';

export interface LoadOnnxOptions extends ParseOnnxOptions {
  /** Called as bytes arrive; `totalBytes` is undefined when the server sends no length. */
  onProgress?(loadedBytes: number, totalBytes: number | undefined): void;
  signal?: AbortSignal;
  /** The fetch to use (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

/** Loads an ONNX model from bytes or a URL and imports it (see parseOnnx; `materializeLimits` bounds what import may allocate on the CPU). */
export async function loadOnnx(source: Uint8Array | ArrayBuffer | string | URL, options: LoadOnnxOptions = {}): Promise<OnnxModel> {
  const bytes = typeof source === 'string' || source instanceof URL ? await fetchBytes(source, options) : source;
  if (options.signal?.aborted) throw new AbortError('loading the ONNX model was aborted', { cause: options.signal.reason });
  return parseOnnx(bytes, options);
}

/** Reads a response body, reporting progress; one allocation when the length is known. */
export async function fetchBytes(url: string | URL, options: LoadOnnxOptions = {}): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, signal ? { signal } : {});
  } catch (cause) {
    if (signal?.aborted) throw new AbortError('loading the ONNX model was aborted', { cause });
    throw new OnnxFormatError(`cannot fetch ${String(url)}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  if (!response.ok) throw new OnnxFormatError(`cannot fetch ${String(url)}: HTTP ${response.status} ${response.statusText}`);
  const header = Number(response.headers.get('content-length'));
  // a compressed response's length is the compressed size: only a hint
  const total = Number.isSafeInteger(header) && header > 0 ? header : undefined;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.(bytes.byteLength, bytes.byteLength);
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      onProgress?.(loaded, total);
    }
  } catch (cause) {
    if (signal?.aborted) throw new AbortError('loading the ONNX model was aborted', { cause });
    throw new OnnxFormatError(`reading ${String(url)} failed after ${loaded} bytes: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}
