/**
 * The one fetch-with-progress helper behind loadSafetensors and loadOnnx:
 * its Content-Length rule, progress reports, errors and aborts. No network:
 * a fake fetch serves Responses built here.
 */
import { describe, expect, it, vi } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { declaredLength, drainChunks, fetchWithProgress, openUrl, progressOf, type LoadContext, type LoadProgress } from '../../src/io/fetch_progress.js';

class TestLoadError extends Error {}
const context: LoadContext = { what: 'the test file', fail: (message, cause) => new TestLoadError(message, { cause }) };

function chunked(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const n = sizes[i++ % sizes.length]!;
      controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
}

const served = (response: () => Response) => vi.fn(async () => response()) as unknown as typeof fetch;
const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);

describe('declaredLength: the Content-Length rule', () => {
  const length = (headers: Record<string, string>) => declaredLength(new Response('x', { headers }));
  it('takes a non-negative integer length of an uncompressed body', () => {
    expect(length({ 'content-length': '100' })).toBe(100);
    expect(length({ 'content-length': '0' })).toBe(0);
    expect(length({ 'content-length': '100', 'content-encoding': 'identity' })).toBe(100);
  });
  it('ignores a missing, empty, non-numeric, fractional or negative length', () => {
    expect(length({})).toBeUndefined();
    expect(length({ 'content-length': '' })).toBeUndefined();
    expect(length({ 'content-length': 'lots' })).toBeUndefined();
    expect(length({ 'content-length': '1.5' })).toBeUndefined();
    expect(length({ 'content-length': '-3' })).toBeUndefined();
    expect(length({ 'content-length': '1e400' })).toBeUndefined();
  });
  it("ignores a compressed body's length", () => {
    expect(length({ 'content-length': '100', 'content-encoding': 'gzip' })).toBeUndefined();
    expect(length({ 'content-length': '100', 'content-encoding': 'br' })).toBeUndefined();
  });
});

describe('progressOf', () => {
  it('reports the fraction where the total is known, and only the bytes where it is not or was outgrown', () => {
    expect(progressOf(25, 100)).toEqual({ loadedBytes: 25, totalBytes: 100, fraction: 0.25 });
    expect(progressOf(100, 100)).toEqual({ loadedBytes: 100, totalBytes: 100, fraction: 1 });
    expect(progressOf(0, 0)).toEqual({ loadedBytes: 0, totalBytes: 0, fraction: 1 });
    expect(progressOf(25, undefined)).toEqual({ loadedBytes: 25 });
    expect(progressOf(101, 100)).toEqual({ loadedBytes: 101 });
  });
});

describe('fetchWithProgress', () => {
  it('returns the bytes and reports every chunk against Content-Length', async () => {
    const calls: LoadProgress[] = [];
    const fetch = served(() => new Response(chunked(bytes, [30, 30, 40]), { headers: { 'content-length': '100' } }));
    const got = await fetchWithProgress('https://example.test/f', context, { fetch, onProgress: (p) => calls.push(p) });
    expect([...got]).toEqual([...bytes]);
    expect(calls).toEqual([
      { loadedBytes: 30, totalBytes: 100, fraction: 0.3 },
      { loadedBytes: 60, totalBytes: 100, fraction: 0.6 },
      { loadedBytes: 100, totalBytes: 100, fraction: 1 },
    ]);
    expect(fetch).toHaveBeenCalledWith('https://example.test/f', {});
  });

  it('a body longer than its Content-Length makes the total unknown from then on', async () => {
    const calls: LoadProgress[] = [];
    const fetch = served(() => new Response(chunked(bytes, [40, 40, 20]), { headers: { 'content-length': '50' } }));
    expect((await fetchWithProgress('u', context, { fetch, onProgress: (p) => calls.push(p) })).length).toBe(100);
    expect(calls).toEqual([{ loadedBytes: 40, totalBytes: 50, fraction: 0.8 }, { loadedBytes: 80 }, { loadedBytes: 100 }]);
  });

  it('a compressed body reports bytes only', async () => {
    const calls: LoadProgress[] = [];
    const fetch = served(() => new Response(chunked(bytes, [60]), { headers: { 'content-length': '10', 'content-encoding': 'gzip' } }));
    await fetchWithProgress('u', context, { fetch, onProgress: (p) => calls.push(p) });
    expect(calls).toEqual([{ loadedBytes: 60 }, { loadedBytes: 100 }]);
  });

  it('HTTP errors, a missing body, a used body and network failures are the loader’s errors', async () => {
    const notFound = served(() => new Response('no', { status: 404, statusText: 'Not Found' }));
    await expect(fetchWithProgress('https://example.test/missing', context, { fetch: notFound })).rejects.toThrow(new TestLoadError('HTTP 404 Not Found for https://example.test/missing'));
    const empty = served(() => new Response(null, { status: 204 }));
    await expect(fetchWithProgress('u', context, { fetch: empty })).rejects.toThrow(new TestLoadError('HTTP 204 for u has no body'));
    const used = new Response('abc');
    await used.text();
    await expect(fetchWithProgress('u', context, { fetch: served(() => used) })).rejects.toThrow(new TestLoadError('the response body was already read'));
    const down = vi.fn(async () => {
      throw new TypeError('connection refused');
    }) as unknown as typeof fetch;
    const error = await fetchWithProgress('u', context, { fetch: down }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestLoadError);
    expect((error as Error).message).toBe('could not fetch u: connection refused');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('a stream that fails midway is the loader’s error, with the bytes read', async () => {
    let pulls = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(bytes.slice(0, 20));
        else controller.error(new Error('connection reset'));
      },
    });
    await expect(fetchWithProgress('u', context, { fetch: served(() => new Response(failing)) })).rejects.toThrow(
      new TestLoadError('reading the stream failed: connection reset (after 20 bytes)'),
    );
  });

  it('an abort before, during the fetch, or during the body is an AbortError naming what was loaded', async () => {
    await expect(fetchWithProgress('u', context, { fetch: served(() => new Response(bytes)), signal: AbortSignal.abort() })).rejects.toThrow(
      new AbortError('loading the test file was aborted'),
    );
    const controller = new AbortController();
    const hanging = vi.fn(
      (_url: unknown, init: RequestInit) => new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))),
    ) as unknown as typeof fetch;
    const fetching = fetchWithProgress('u', context, { fetch: hanging, signal: controller.signal });
    controller.abort();
    await expect(fetching).rejects.toThrow(AbortError);

    // a fetch that ignores the signal: the stalled body still gives way, and is cancelled
    const cancel = vi.fn();
    const stalled = new ReadableStream<Uint8Array>({
      start: (c) => c.enqueue(bytes.slice(0, 10)),
      pull: () => new Promise<void>(() => {}),
      cancel,
    });
    const late = new AbortController();
    const reading = fetchWithProgress('u', context, { fetch: served(() => new Response(stalled)), signal: late.signal, onProgress: () => late.abort(new Error('user left')) });
    const error = await reading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as Error).cause).toEqual(new Error('user left'));
    expect(cancel).toHaveBeenCalled();
  });

  it('openUrl passes the signal to fetch', async () => {
    const signal = new AbortController().signal;
    const fetch = served(() => new Response(bytes));
    await openUrl('u', context, { fetch, signal });
    expect(fetch).toHaveBeenCalledWith('u', { signal });
  });
});

describe('drainChunks', () => {
  it('skips empty chunks, refuses non-bytes, and cancels the source once on any failure', async () => {
    const seen: number[] = [];
    const reads: (Uint8Array | undefined)[] = [new Uint8Array(3), new Uint8Array(0), new Uint8Array(2), undefined];
    expect(await drainChunks({ read: async () => reads.shift(), cancel: () => {} }, context, undefined, (c) => seen.push(c.length))).toBe(5);
    expect(seen).toEqual([3, 2]);

    const cancel = vi.fn();
    await expect(drainChunks({ read: async () => 'text' as never, cancel }, context, undefined, () => {})).rejects.toThrow(
      new TestLoadError('the stream gave a chunk that is not a Uint8Array'),
    );
    expect(cancel).toHaveBeenCalledOnce();
    const cancelToo = vi.fn();
    await expect(
      drainChunks({ read: async () => new Uint8Array(1), cancel: cancelToo }, context, undefined, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(cancelToo).toHaveBeenCalledOnce();
  });
});
