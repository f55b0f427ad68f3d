/**
 * The default autotune store is resolved at first use, never at import:
 * importing webgpu-cnn/node changes nothing (the package is
 * "sideEffects": false); its createNodeGpuContext and getNodeGpu register the
 * JSON file; a store set with setDefaultAutotuneStore wins over both. Dawn is
 * mocked: no GPU needed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const fakeContext = { fake: 'context' };
const fakeGpu = { fake: 'gpu' };
vi.mock('../../src/gpu/node_gpu.js', () => ({
  SWIFTSHADER_ICD: '/usr/lib/chromium/vk_swiftshader_icd.json',
  createNodeGpuContext: vi.fn(async () => fakeContext),
  getNodeGpu: vi.fn(async () => fakeGpu),
}));

const document = { version: 1 as const, adapters: { 'v2|test|gpu|one': {} } };

describe('the default autotune store', () => {
  let cache: string;
  const previousCache = process.env.XDG_CACHE_HOME;
  beforeAll(async () => {
    cache = await mkdtemp(join(tmpdir(), 'webgpu-cnn-autotune-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  afterAll(async () => {
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    await rm(cache, { recursive: true, force: true });
  });

  it('importing the Node entry registers nothing; its GPU functions register the JSON file, made at first use', async () => {
    const node = await import('../../src/node.js');
    const { defaultAutotuneStore, setDefaultAutotuneStore, memoryAutotuneStore } = node;
    expect(typeof globalThis.localStorage === 'undefined' || globalThis.localStorage === null).toBe(true);

    // before any GPU function: the session's in-memory store, nothing on disk
    const memory = defaultAutotuneStore();
    expect(defaultAutotuneStore()).toBe(memory);
    await memory.save(document);
    await expect(readFile(node.defaultAutotuneFile(), 'utf8')).rejects.toThrow();

    expect(await node.createNodeGpuContext()).toBe(fakeContext);
    expect(await node.getNodeGpu()).toBe(fakeGpu);
    const file = defaultAutotuneStore();
    expect(file).not.toBe(memory);
    expect(defaultAutotuneStore()).toBe(file); // one store, not one per call
    expect(node.defaultAutotuneFile()).toBe(join(cache, 'webgpu-cnn', 'autotune.json'));
    await file.save(document);
    expect(JSON.parse(await readFile(node.defaultAutotuneFile(), 'utf8'))).toEqual(document);
    expect(await file.load()).toEqual(document);

    // an explicit default wins; undefined goes back to the platform's
    const mine = memoryAutotuneStore();
    setDefaultAutotuneStore(mine);
    await node.createNodeGpuContext();
    expect(defaultAutotuneStore()).toBe(mine);
    setDefaultAutotuneStore(undefined);
    expect(defaultAutotuneStore()).toBe(file);
  });
});
