/**
 * loadOnnx from a URL: the (loaded, total) progress callback over the shared
 * fetch helper, its errors as OnnxFormatError, and aborts. A fake fetch
 * serves a tiny model; no network, no GPU.
 */
import { describe, expect, it, vi } from 'vitest';
import { AbortError, OnnxFormatError } from '../../src/errors.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { loadOnnx } from '../../src/onnx/load.js';
import { buildModel, node } from '../helpers/onnx_models.js';

const model = buildModel({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape: [1, 3, 4, 4] }], outputs: ['y'] });

function serve(body: Uint8Array, chunk: number, headers: Record<string, string> = {}): typeof fetch {
  return vi.fn(async () => {
    let at = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (at >= body.length) return controller.close();
        controller.enqueue(body.slice(at, at + chunk));
        at += chunk;
      },
    });
    return new Response(stream, { headers });
  }) as unknown as typeof fetch;
}

describe('loadOnnx from a URL', () => {
  it('imports what it fetched and calls onProgress(loaded, total) per chunk against Content-Length', async () => {
    const calls: [number, number | undefined][] = [];
    const chunk = Math.ceil(model.length / 3);
    const onnx = await loadOnnx('https://example.test/relu.onnx', {
      fetch: serve(model, chunk, { 'content-length': String(model.length) }),
      onProgress: (loaded, total) => calls.push([loaded, total]),
    });
    expect(onnx.inputs).toEqual(parseOnnx(model).inputs);
    expect(calls.length).toBe(Math.ceil(model.length / chunk));
    expect(calls.every(([, total]) => total === model.length)).toBe(true);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
    expect(calls.at(-1)).toEqual([model.length, model.length]);
  });

  it('reports no total without a usable Content-Length (none, or a compressed body’s)', async () => {
    for (const headers of [{} as Record<string, string>, { 'content-length': String(model.length), 'content-encoding': 'gzip' }, { 'content-length': 'many' }]) {
      const calls: [number, number | undefined][] = [];
      await loadOnnx('u', { fetch: serve(model, 7, headers), onProgress: (loaded, total) => calls.push([loaded, total]) });
      expect(calls.at(-1)).toEqual([model.length, undefined]);
      expect(calls.every(([, total]) => total === undefined)).toBe(true);
    }
  });

  it('HTTP and network failures are OnnxFormatErrors; an abort is an AbortError', async () => {
    const notFound = vi.fn(async () => new Response('no', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch;
    await expect(loadOnnx('https://example.test/missing.onnx', { fetch: notFound })).rejects.toThrow(new OnnxFormatError('HTTP 404 Not Found for https://example.test/missing.onnx'));
    const down = vi.fn(async () => {
      throw new TypeError('connection refused');
    }) as unknown as typeof fetch;
    await expect(loadOnnx('u', { fetch: down })).rejects.toThrow(new OnnxFormatError('could not fetch u: connection refused'));
    await expect(loadOnnx('u', { fetch: serve(model, 7), signal: AbortSignal.abort() })).rejects.toThrow(new AbortError('loading the ONNX model was aborted'));
    const controller = new AbortController();
    const loading = loadOnnx('u', { fetch: serve(model, 7), signal: controller.signal, onProgress: () => controller.abort() });
    await expect(loading).rejects.toThrow(AbortError);
  });
});
