/**
 * Fetching with progress: the one helper behind loadSafetensors and loadOnnx.
 *
 * The pieces, smallest first: `declaredLength` (the Content-Length rule),
 * `progressOf` (one progress report), `openUrl` (fetch + HTTP check),
 * `responseBody` / `streamChunks` (a body as a pull-based chunk source),
 * `drainChunks` (read a source to its end, abortable), and
 * `fetchWithProgress`, which puts them together: a URL to bytes.
 * safetensors streams into a buffer its header sizes, so it uses the pieces;
 * ONNX takes the whole file, so it uses fetchWithProgress.
 *
 * Every failure is the loader's own error class (a LoadContext says which),
 * so `loadSafetensors` rejects with SafetensorsError and `loadOnnx` with
 * OnnxFormatError; an abort is always an AbortError.
 *
 * The Content-Length rule (one for both loaders):
 * - the header counts only when it is a non-negative safe integer, and the
 *   response is not compressed (a Content-Encoding other than `identity`
 *   makes it the size of the compressed body, not of the bytes we read);
 * - otherwise the total is unknown: progress reports carry `loadedBytes`
 *   only;
 * - a body that grows past the declared length makes the total unknown from
 *   then on (the header lied; fraction never exceeds 1). A format that knows
 *   its exact size (safetensors, from its header) may refuse such a body
 *   instead.
 *
 * @example
 * const bytes = await fetchWithProgress('/models/resnet18.onnx', { what: 'the model', fail: (m, cause) => new Error(m, { cause }) }, {
 *   onProgress: ({ loadedBytes, fraction }) => bar.update(fraction ?? loadedBytes),
 * });
 */
import { AbortError } from '../errors.js';

/** One progress report. */
export interface LoadProgress {
  /** Bytes received so far; increases with every call. */
  readonly loadedBytes: number;
  /** The file's size: from Content-Length or the file system at first, exact from the header once it is read. */
  readonly totalBytes?: number;
  /** loadedBytes / totalBytes in [0, 1], where the total is known; the last call has 1. */
  readonly fraction?: number;
}

/** What a loader tells the helper, so that its failures carry the loader's own error class and name. */
export interface LoadContext {
  /** What is loaded, for messages: 'safetensors', 'the ONNX model'. */
  readonly what: string;
  /** The loader's error (SafetensorsError, OnnxFormatError) for a failure that is not an abort. */
  fail(message: string, cause?: unknown): Error;
}

export interface FetchProgressOptions {
  /** Called after every chunk. */
  onProgress?(progress: LoadProgress): void;
  /** Cancels the download; the promise then rejects with AbortError. */
  signal?: AbortSignal;
  /** The fetch to use (default: globalThis.fetch, read at call time). */
  fetch?: typeof fetch;
}

/** @internal A pull-based byte source: read() gives the next chunk, or undefined at the end. */
export interface ChunkSource {
  read(): Promise<Uint8Array | undefined>;
  /** Stops the underlying stream early (error or abort); must not throw. */
  cancel(): void;
}

/** The AbortError of a load. */
export function abortError(context: LoadContext, signal: AbortSignal): AbortError {
  return new AbortError(`loading ${context.what} was aborted`, { cause: signal.reason });
}

/** Content-Length, when it is the size of the body we will read (see the rule above), else undefined. */
export function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') return undefined;
  const header = response.headers.get('content-length');
  if (header === null || header.trim() === '') return undefined;
  const value = Number(header);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A progress report for `loaded` bytes of `total` (undefined: unknown, or exceeded by the body). */
export function progressOf(loaded: number, total: number | undefined): LoadProgress {
  if (total === undefined || loaded > total) return { loadedBytes: loaded };
  return { loadedBytes: loaded, totalBytes: total, fraction: total === 0 ? 1 : loaded / total };
}

/** Fetches a URL and checks the response (see responseBody); network failures and HTTP errors are the loader's errors. */
export async function openUrl(url: string | URL, context: LoadContext, options: Pick<FetchProgressOptions, 'signal' | 'fetch'> = {}): Promise<Response> {
  const { signal } = options;
  if (signal?.aborted) throw abortError(context, signal);
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, signal ? { signal } : {});
  } catch (cause) {
    if (signal?.aborted) throw abortError(context, signal);
    throw context.fail(`could not fetch ${String(url)}: ${(cause as Error)?.message ?? cause}`, cause);
  }
  responseBody(response, context, String(url));
  return response;
}

/** The body of a response that is OK, not yet read, and has one; else the loader's error saying which it is not. */
export function responseBody(response: Response, context: LoadContext, url = response.url || 'the response'): ReadableStream<Uint8Array> {
  if (!response.ok) throw context.fail(`HTTP ${response.status} ${response.statusText} for ${url}`);
  if (response.bodyUsed) throw context.fail('the response body was already read');
  if (!response.body) throw context.fail(`HTTP ${response.status} for ${url} has no body`);
  return response.body;
}

/** A reader of a web ReadableStream as a ChunkSource; stream errors become the loader's errors. */
export function streamChunks(stream: ReadableStream<Uint8Array>, context: LoadContext): ChunkSource {
  const reader = stream.getReader();
  let loaded = 0;
  return {
    async read() {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (cause) {
        throw context.fail(`reading the stream failed: ${(cause as Error)?.message ?? cause} (after ${loaded} bytes)`, cause);
      }
      if (result.done) {
        reader.releaseLock();
        return undefined;
      }
      loaded += result.value?.byteLength ?? 0;
      return result.value;
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}

/**
 * Reads a source to its end, handing each non-empty chunk to `onChunk`;
 * resolves to the bytes read. An abort wins over a stalled read, and any
 * failure (a read, onChunk, the abort) cancels the source once. A chunk that
 * is not a Uint8Array is the loader's error.
 */
export async function drainChunks(source: ChunkSource, context: LoadContext, signal: AbortSignal | undefined, onChunk: (chunk: Uint8Array) => void): Promise<number> {
  if (signal?.aborted) {
    source.cancel();
    throw abortError(context, signal);
  }
  let onAbort: (() => void) | undefined;
  const aborted =
    signal &&
    new Promise<never>((_, reject) => {
      onAbort = () => reject(abortError(context, signal));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  aborted?.catch(() => {}); // rejected only when raced below
  let loaded = 0;
  try {
    for (;;) {
      const read = source.read();
      read.catch(() => {}); // if abort wins the race, a late failure of this read is moot
      const chunk = await (aborted ? Promise.race([read, aborted]) : read);
      if (chunk === undefined) return loaded;
      if (!(chunk instanceof Uint8Array)) throw context.fail('the stream gave a chunk that is not a Uint8Array');
      if (chunk.length === 0) continue;
      loaded += chunk.length;
      onChunk(chunk);
    }
  } catch (error) {
    source.cancel();
    if (signal?.aborted && !(error instanceof AbortError)) throw abortError(context, signal);
    throw error;
  } finally {
    if (onAbort) signal!.removeEventListener('abort', onAbort);
  }
}

/**
 * Fetches a URL to bytes, reporting progress after every chunk against the
 * declared length (the rule above). The chunks are joined once at the end
 * (none when the body came in one piece).
 *
 * @example
 * const controller = new AbortController();
 * const bytes = await fetchWithProgress(url, { what: 'the model', fail: (m, cause) => new Error(m, { cause }) }, {
 *   signal: controller.signal,
 *   onProgress: (p) => console.log(p.fraction ?? p.loadedBytes),
 * });
 */
export async function fetchWithProgress(url: string | URL, context: LoadContext, options: FetchProgressOptions = {}): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  const response = await openUrl(url, context, options);
  const total = declaredLength(response);
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  await drainChunks(streamChunks(response.body!, context), context, signal, (chunk) => {
    chunks.push(chunk);
    loaded += chunk.length;
    onProgress?.(progressOf(loaded, total));
  });
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return bytes;
}
