/**
 * Where tuned choices live between sessions. The store is injected: the
 * browser default is localStorage (memory where there is none), Node's is a
 * JSON file registered by `webgpu-cnn/node` — this module imports nothing
 * from node: so the browser build stays clean.
 */
import type { GpuAdapterDescription } from '../gpu/device.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';
import type { ConvStrategyName } from '../kernels/conv2d_strategy.js';

/** The winner for one layer shape on one adapter. */
export interface TunedChoice {
  strategy: ConvStrategyName;
  /** A GEMM tile name (see GEMM_TILES) when a tile variant won. */
  tile?: string;
  /** Median milliseconds of every candidate measured, by candidate name. */
  timings: Record<string, number>;
  /** Candidates whose output differed from the auto choice's (never chosen; left out of runner-up figures). */
  incorrect?: string[];
  measuredAt: string;
}

/** Choices by adapter key, then by shape key. */
export interface AutotuneDocument {
  version: 1;
  adapters: Record<string, Record<string, TunedChoice>>;
}

export interface AutotuneStore {
  load(): Promise<AutotuneDocument>;
  save(document: AutotuneDocument): Promise<void>;
}

export const emptyDocument = (): AutotuneDocument => ({ version: 1, adapters: {} });

/** A loaded document, or an empty one when the stored text is absent, unreadable or of another version. */
export function parseDocument(text: string | null | undefined): AutotuneDocument {
  if (!text) return emptyDocument();
  try {
    const doc = JSON.parse(text) as AutotuneDocument;
    return doc && doc.version === 1 && typeof doc.adapters === 'object' && doc.adapters ? doc : emptyDocument();
  } catch {
    return emptyDocument();
  }
}

/** The adapter a choice was measured on: a cache from another GPU or driver is not used. */
export function adapterKey(a: GpuAdapterDescription): string {
  return `${a.vendor}|${a.architecture}|${a.description}`;
}

/** Everything about a conv layer that changes which kernel is fastest. */
export function shapeKey(s: Conv2dShape): string {
  return [
    `n${s.batch}`,
    `in${s.inHeight}x${s.inWidth}x${s.inChannels}`,
    `out${s.outChannels}`,
    `k${s.kernelHeight}x${s.kernelWidth}`,
    `s${s.strideH}x${s.strideW}`,
    `d${s.dilationH}x${s.dilationW}`,
    `p${s.padTop},${s.padLeft},${s.padBottom},${s.padRight}`,
    `g${s.groups}`,
  ].join(' ');
}

/** Keeps the document in memory only (tests, and browsers without storage). */
export function memoryAutotuneStore(initial: AutotuneDocument = emptyDocument()): AutotuneStore {
  let doc = structuredClone(initial);
  return {
    load: async () => structuredClone(doc),
    save: async (d) => void (doc = structuredClone(d)),
  };
}

/** The browser's localStorage under one key. */
export function localStorageAutotuneStore(storage: Storage, key = 'webgpu-cnn:autotune'): AutotuneStore {
  return {
    load: async () => parseDocument(storage.getItem(key)),
    save: async (d) => storage.setItem(key, JSON.stringify(d)),
  };
}

let defaultStore: AutotuneStore | undefined;

/** Sets the store compile({autotune: true}) uses when none is given (webgpu-cnn/node sets a JSON file). */
export function setDefaultAutotuneStore(store: AutotuneStore | undefined): void {
  defaultStore = store;
}

/** The registered default, else localStorage where it exists, else one in-memory store for the session. */
export function defaultAutotuneStore(): AutotuneStore {
  if (!defaultStore) {
    const storage = (globalThis as { localStorage?: Storage }).localStorage;
    defaultStore = storage ? localStorageAutotuneStore(storage) : memoryAutotuneStore();
  }
  return defaultStore;
}
