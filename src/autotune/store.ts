/**
 * Where tuned choices live between sessions. The store is injected: the
 * browser default is localStorage (memory where there is none), Node's is a
 * JSON file that `webgpu-cnn/node` registers when its createNodeGpuContext
 * or getNodeGpu is called (see defaultAutotuneStore) — this module imports
 * nothing from node: so the browser build stays clean.
 */
import type { GpuAdapterDescription } from '../gpu/device.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';
import type { ConvStrategyName } from '../vocabulary.js';
import { CONV_STRATEGIES } from '../kernels/conv2d.js';
import { GEMM_TILE_NAMES, isGemmTileName, type GemmTileName } from '../kernels/gemm.js';
import { convCandidates } from './candidates.js';

/** The winner for one layer shape on one adapter. */
export interface TunedChoice {
  strategy: ConvStrategyName;
  /** The GEMM tile (a GEMM_TILES name) when a tile variant won; absent: the strategy's defaultTile. */
  tile?: GemmTileName;
  /** The K slices of the GEMM when a split-K variant won; absent: unsplit. */
  splitK?: number;
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

export interface ParseOptions {
  /** Names the stored text in notices, e.g. its file path (default "the autotune cache"). */
  source?: string;
  /** Receives a notice when stored text is ignored; default console.warn. */
  onNotice?(message: string): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A loaded document, or an empty one when the stored text is absent,
 * unreadable or of another version (with a notice, unless absent). Adapters
 * whose value is not an object are dropped; single choices are checked where
 * they are used (storedChoiceProblem), since that needs the layer's shape.
 */
export function parseDocument(text: string | null | undefined, options: ParseOptions = {}): AutotuneDocument {
  if (!text) return emptyDocument();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    noticeOf(options)('is not valid JSON');
    return emptyDocument();
  }
  return checkedDocument(doc, options);
}

function noticeOf(options: ParseOptions): (why: string) => void {
  const source = options.source ?? 'the autotune cache';
  return (why) => (options.onNotice ?? console.warn)(`${source} ${why}; ignoring it (the next measurement rewrites it)`);
}

/** A document as any store returned it, made safe to index: the same checks as parseDocument after JSON. */
export function checkedDocument(doc: unknown, options: ParseOptions = {}): AutotuneDocument {
  const notice = noticeOf(options);
  if (!isRecord(doc) || doc.version !== 1 || !isRecord(doc.adapters)) {
    notice(isRecord(doc) && doc.version !== 1 ? `has version ${String(JSON.stringify(doc.version)).slice(0, 20)}, not 1` : 'is not an autotune document ({"version": 1, "adapters": {…}})');
    return emptyDocument();
  }
  const adapters: AutotuneDocument['adapters'] = {};
  for (const [key, choices] of Object.entries(doc.adapters)) {
    if (key === '__proto__') continue;
    if (isRecord(choices)) adapters[key] = choices as Record<string, TunedChoice>;
    else notice(`has a malformed entry for adapter "${key.slice(0, 80)}"`);
  }
  return { version: 1, adapters };
}

/**
 * Why a stored choice cannot serve a layer of this shape — missing or
 * mistyped fields, an unknown strategy or tile, a strategy that cannot run
 * the shape — or undefined when it can. A cache is a file anyone can edit.
 */
export function storedChoiceProblem(value: unknown, shape: Conv2dShape): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const { strategy, tile, splitK, timings, incorrect, measuredAt } = value;
  if (typeof strategy !== 'string') return 'no strategy';
  if (!Object.hasOwn(CONV_STRATEGIES, strategy)) return `unknown strategy "${strategy.slice(0, 40)}"`;
  if (tile !== undefined && !isGemmTileName(tile)) return `unknown GEMM tile ${JSON.stringify(tile)?.slice(0, 40)} (known: ${GEMM_TILE_NAMES.join(', ')})`;
  if (splitK !== undefined && !(Number.isInteger(splitK) && (splitK as number) >= 1 && (splitK as number) <= 4096)) return `split-K ${JSON.stringify(splitK)?.slice(0, 40)} is not a whole number of slices`;
  if (!isRecord(timings) || !Object.values(timings).every((t) => typeof t === 'number' && Number.isFinite(t))) return 'timings are not numbers by candidate';
  if (incorrect !== undefined && !(Array.isArray(incorrect) && incorrect.every((c) => typeof c === 'string'))) return 'incorrect is not a list of candidate names';
  if (typeof measuredAt !== 'string') return 'no measuredAt';
  if (!convCandidates(shape, false).some((c) => c.strategy === strategy)) return `${strategy}${tile ? `/${tile}` : ''} cannot run this shape`;
  if (tile !== undefined && !CONV_STRATEGIES[strategy as ConvStrategyName].defaultTile) return `${strategy} runs no GEMM, so a GEMM tile ("${tile}") does not apply`;
  if (splitK !== undefined && !CONV_STRATEGIES[strategy as ConvStrategyName].defaultTile) return `${strategy} runs no GEMM, so a split-K (${splitK}) does not apply`;
  return undefined;
}

/**
 * The version of what a stored choice means: the candidates, the GEMM tile
 * names, what each strategy computes with. It is part of every adapter key,
 * so a choice made under another version is never looked up (it could name
 * a tile that now means another one, or none) and dropOtherVersions removes
 * it at the next save. Bump it whenever an old choice would be misread.
 * 1: keys without a version, three tiles; 2: the five registry tiles.
 */
export const CHOICE_VERSION = 2;

const versionPrefix = `v${CHOICE_VERSION}|`;

/** The adapter a choice was measured on, under this CHOICE_VERSION: a cache from another GPU, driver or version is not used. */
export function adapterKey(a: GpuAdapterDescription): string {
  return `${versionPrefix}${a.vendor}|${a.architecture}|${a.description}`;
}

/** Whether a document's adapter key was made by this version's adapterKey. */
export function isCurrentAdapterKey(key: string): boolean {
  return key.startsWith(versionPrefix);
}

/** Removes the choices made under other versions (their adapter keys) from the document; returns the keys removed. */
export function dropOtherVersions(document: AutotuneDocument): string[] {
  const dropped = Object.keys(document.adapters).filter((key) => !isCurrentAdapterKey(key));
  for (const key of dropped) delete document.adapters[key];
  return dropped;
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
export function localStorageAutotuneStore(storage: Storage, key = 'webgpu-cnn:autotune', onNotice?: (message: string) => void): AutotuneStore {
  return {
    load: async () => parseDocument(storage.getItem(key), { source: `the autotune cache in localStorage "${key}"`, onNotice }),
    save: async (d) => storage.setItem(key, JSON.stringify(d)),
  };
}

/**
 * The default store, resolved at first use and never at import time (the
 * package is `"sideEffects": false`, so a bundler may drop a module whose
 * only job is a side effect). In order: the store set with
 * setDefaultAutotuneStore; else the platform's, from the factory a platform
 * entry registered (webgpu-cnn/node's createNodeGpuContext and getNodeGpu
 * register a JSON file); else localStorage where it exists; else one
 * in-memory store for the session.
 */
let explicitStore: AutotuneStore | undefined;
let platformFactory: (() => AutotuneStore) | undefined;
let platformStore: AutotuneStore | undefined;
let fallbackStore: AutotuneStore | undefined;

/** Sets the store compile({autotune: true}) uses when none is given; undefined goes back to the platform's default. */
export function setDefaultAutotuneStore(store: AutotuneStore | undefined): void {
  explicitStore = store;
}

/**
 * @internal Registers the platform's default store, made on first use. The
 * Node entry calls it from its GPU functions, so this module (in the browser
 * build) never reaches node: modules.
 */
export function setPlatformAutotuneStore(factory: () => AutotuneStore): void {
  if (factory === platformFactory) return;
  platformFactory = factory;
  platformStore = undefined;
}

/** The store set with setDefaultAutotuneStore, else the platform's (a JSON file in Node), else localStorage where it exists, else one in-memory store for the session. */
export function defaultAutotuneStore(): AutotuneStore {
  if (explicitStore) return explicitStore;
  if (platformFactory) return (platformStore ??= platformFactory());
  if (!fallbackStore) {
    const storage = (globalThis as { localStorage?: Storage }).localStorage;
    fallbackStore = storage ? localStorageAutotuneStore(storage) : memoryAutotuneStore();
  }
  return fallbackStore;
}
