/**
 * safetensors: parse, stream, convert to float32, and write.
 *
 * The format (https://github.com/huggingface/safetensors), all little-endian:
 *
 *     bytes 0 .. 8        N, the header length, an unsigned 64-bit integer
 *     bytes 8 .. 8+N      the header: a UTF-8 JSON object, starting with `{`,
 *                         possibly padded with spaces
 *                           { "conv1.weight": { "dtype": "F32", "shape": [6, 1, 5, 5],
 *                                               "data_offsets": [0, 600] },
 *                             "__metadata__": { "format": "pt" } }      (optional, strings only)
 *     bytes 8+N ..        the data buffer; data_offsets [begin, end) are relative to
 *                         its start; each tensor row-major (C order)
 *
 * The spec also requires the buffer to be indexed exactly: tensors neither
 * overlap nor leave holes, and no bytes follow the last one. Everything here
 * is checked; any violation is a SafetensorsError naming the problem.
 *
 * Decisions: scalars (shape []) hold one value; zero-size tensors (a 0 in the
 * shape) are allowed and take [x, x] offsets, as PyTorch writes them. Unknown
 * keys inside a tensor entry are ignored (forward compatibility); an unknown
 * dtype is an error.
 *
 * @example
 * const file = await loadSafetensors('/weights/lenet5.safetensors', {
 *   onProgress: ({ fraction }) => console.log(`${Math.round((fraction ?? 0) * 100)}%`),
 * });
 * const weights = weightsForGraph(graph, readSafetensors(file));
 */
import { clipName, SafetensorsError } from '../errors.js';
import { abortError, declaredLength, drainChunks, openUrl, progressOf, responseBody, streamChunks, type ChunkSource, type LoadContext, type LoadProgress } from './fetch_progress.js';
import { decodeBfloat16, decodeHalf, floatToBfloat16Bits, floatToHalfBits } from './half.js';

/** Byte size of one element of every dtype the spec defines. */
const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
/** The dtypes that convert to float32 exactly. */
export type SafetensorsFloatDtype = 'F32' | 'F16' | 'BF16';

/** One tensor's header entry. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** [begin, end) in bytes, relative to the start of the data buffer. */
  readonly dataOffsets: readonly [number, number];
}

/** A tensor converted to float32. */
export interface Float32Tensor {
  /** The dtype it was stored in. */
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** The reference implementation refuses headers over 100 MB; so do we (no allocation on a garbage length). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface ParsedHeader {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Bytes the entries index together: the exact length the data buffer must have. */
  readonly dataLength: number;
}

/**
 * A parsed file: the header, and the data buffer read lazily, one tensor at
 * a time.
 *
 * @example
 * const file = parseSafetensors(bytes);
 * file.entries.get('fc.weight');   // { name, dtype: 'F32', shape: [10, 84], dataOffsets: [0, 3360] }
 * const w = file.float32('fc.weight');
 */
export class SafetensorsFile {
  /** Header entries in the order of their data in the file. */
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  /** The `__metadata__` map ({} when the file has none). */
  readonly metadata: Readonly<Record<string, string>>;

  /** Use parseSafetensors or loadSafetensors. */
  constructor(
    header: ParsedHeader,
    private readonly data: Uint8Array,
    /** Total file size in bytes (length field + header + data). */
    readonly byteLength: number,
  ) {
    this.entries = header.entries;
    this.metadata = header.metadata;
  }

  /** Tensor names in the order of their data in the file. */
  get names(): string[] {
    return [...this.entries.keys()];
  }

  /** The raw little-endian bytes of a tensor: a view, not a copy. */
  bytes(name: string): Uint8Array {
    const [begin, end] = this.entry(name).dataOffsets;
    return this.data.subarray(begin, end);
  }

  /**
   * A tensor as float32: F32 as stored, F16 and BF16 widened exactly. Other
   * dtypes throw. The result may share memory with the file's bytes (F32,
   * aligned): copy it before writing to it.
   */
  float32(name: string): Float32Array {
    const entry = this.entry(name);
    const bytes = this.bytes(name);
    const count = bytes.length / DTYPE_BYTES[entry.dtype];
    switch (entry.dtype) {
      case 'F32': {
        if (!LITTLE_ENDIAN) {
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
        }
        // a view where the bytes are 4-aligned, a copy where the header length left them unaligned
        if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
        return new Float32Array(bytes.slice().buffer);
      }
      case 'F16':
        return decodeHalf(bytes, count);
      case 'BF16':
        return decodeBfloat16(bytes, count);
      default:
        throw new SafetensorsError(`dtype ${entry.dtype} does not convert to float32 (only F32, F16 and BF16 do); save the tensor as float32`, { tensor: name });
    }
  }

  private entry(name: string): SafetensorsEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new SafetensorsError('no such tensor in the file', { tensor: name });
    return entry;
  }
}

// ---- validation shared by the in-memory and the streaming reader, so both say the same thing

function tooShort(bytes: number): SafetensorsError {
  return new SafetensorsError(`file is ${bytes} bytes, too short for the 8-byte header length (truncated, or not safetensors)`);
}

/** Reads N from the first 8 bytes and checks it against the file size, where known. */
function readHeaderLength(first8: Uint8Array, fileBytes: number | undefined): number {
  if (fileBytes !== undefined && fileBytes < 8) throw tooShort(fileBytes);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (fileBytes !== undefined && n > BigInt(fileBytes - 8)) {
    throw new SafetensorsError(`header length ${n} exceeds the ${fileBytes - 8} bytes after the length field (truncated, or not safetensors)`);
  }
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (not safetensors?)`);
  if (n < 2n) throw new SafetensorsError(`header length ${n} is too short for a JSON object`);
  return Number(n);
}

/** Checks the file's size against what its header indexes. */
function checkFileSize(expected: number, actual: number): void {
  if (actual < expected) {
    throw new SafetensorsError(`truncated: the header indexes a ${expected}-byte file, but it has only ${actual} bytes`);
  }
  if (actual > expected) {
    throw new SafetensorsError(`file has ${actual} bytes, more than the ${expected} its header indexes: bytes after the last tensor belong to no tensor`);
  }
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes and validates the header JSON: every entry, and the exact tiling of the data buffer. */
function parseHeader(bytes: Uint8Array): ParsedHeader {
  if (bytes[0] !== 0x7b) throw new SafetensorsError("header does not start with '{' (not safetensors?)");
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new SafetensorsError('header is not valid UTF-8', { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SafetensorsError(`header is not valid JSON (${(cause as Error).message})`, { cause });
  }
  if (!isObject(json)) throw new SafetensorsError('header is not a JSON object');

  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        throw new SafetensorsError('__metadata__ must be an object of strings');
      }
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    entries.set(name, parseEntry(name, value));
  }

  // the data buffer must be tiled exactly: sort by offsets, then each tensor starts where the last ended
  const sorted = [...entries.values()].sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of sorted) {
    const [begin, end] = entry.dataOffsets;
    if (begin < cursor) {
      throw new SafetensorsError(`data_offsets [${begin}, ${end}] overlap tensor "${previous!.name}" [${previous!.dataOffsets.join(', ')}]`, { tensor: entry.name });
    }
    if (begin > cursor) {
      throw new SafetensorsError(`data buffer bytes [${cursor}, ${begin}) belong to no tensor (a hole before this tensor's data_offsets [${begin}, ${end}])`, {
        tensor: entry.name,
      });
    }
    cursor = end;
    previous = entry;
  }
  // JSON objects hoist integer-like keys ("0"), so the header's own order is lost: keep the data's
  return { entries: new Map(sorted.map((e) => [e.name, e])), metadata, dataLength: cursor };
}

/** A header value in a message, cut short: a hostile header can hold megabytes in one field. */
function shown(value: unknown): string {
  return clipName(String(JSON.stringify(value)), 80);
}

function parseEntry(name: string, value: unknown): SafetensorsEntry {
  const fail = (message: string) => new SafetensorsError(message, { tensor: name });
  if (!isObject(value)) throw fail('entry is not an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw fail('dtype is missing or not a string');
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) throw fail(`unknown dtype ${shown(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) throw fail(`shape ${shown(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw fail(`data_offsets ${shown(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  const size = DTYPE_BYTES[dtype as SafetensorsDtype];
  const needed = (shape as number[]).reduce((a, b) => a * b, 1) * size;
  if (needed !== end - begin) {
    throw fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${clipName(`[${shape.join(', ')}]`, 80)} needs ${needed}`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], dataOffsets: [begin, end] };
}

// ---- in memory

/**
 * Parses a whole file held in memory. Tensor data is not converted until
 * asked for (`file.float32(name)`), and is viewed, not copied.
 *
 * @example
 * const file = parseSafetensors(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 * console.log(file.names, file.metadata);
 */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('expected the file as a Uint8Array');
  if (bytes.length < 8) throw tooShort(bytes.length);
  const n = readHeaderLength(bytes.subarray(0, 8), bytes.length);
  const header = parseHeader(bytes.subarray(8, 8 + n));
  checkFileSize(8 + n + header.dataLength, bytes.length);
  return new SafetensorsFile(header, bytes.subarray(8 + n), bytes.length);
}

export interface ReadSafetensorsOptions {
  /**
   * Tensors to leave out, whatever their dtype. Default: PyTorch's BatchNorm
   * counters (`*.num_batches_tracked`, stored as I64), which no inference graph uses.
   */
  ignore?(name: string, dtype: SafetensorsDtype): boolean;
}

/** True for PyTorch's BatchNorm step counters (`bn1.num_batches_tracked`). */
export function isNumBatchesTracked(name: string): boolean {
  return name === 'num_batches_tracked' || name.endsWith('.num_batches_tracked');
}

/**
 * Every tensor of a file as float32 (F32, F16, BF16). A tensor of another
 * dtype (F64, I64…) throws a SafetensorsError naming it and its dtype, unless
 * `options.ignore` leaves it out.
 *
 * @example
 * const tensors = readSafetensors(bytes);          // Map<name, { dtype, shape, data }>
 * tensors.get('conv1.weight')!.shape;              // [6, 1, 5, 5]
 */
export function readSafetensors(source: Uint8Array | SafetensorsFile, options: ReadSafetensorsOptions = {}): Map<string, Float32Tensor> {
  const file = source instanceof SafetensorsFile ? source : parseSafetensors(source);
  const ignore = options.ignore ?? ((name: string) => isNumBatchesTracked(name));
  const out = new Map<string, Float32Tensor>();
  for (const entry of file.entries.values()) {
    if (ignore(entry.name, entry.dtype)) continue;
    out.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data: file.float32(entry.name) });
  }
  return out;
}

// ---- streaming

export type { LoadProgress } from './fetch_progress.js';

export interface LoadSafetensorsOptions {
  /** Called after every chunk. */
  onProgress?(progress: LoadProgress): void;
  /** Cancels the download or read; the promise then rejects with AbortError. */
  signal?: AbortSignal;
}

/** @internal */
export type { ChunkSource } from './fetch_progress.js';

/** How the fetch helper names this loader and makes its errors. */
const LOADING: LoadContext = { what: 'safetensors', fail: (message, cause) => new SafetensorsError(message, { cause }) };

/** The first `count` bytes of a list of chunks that together hold at least that many. */
function gather(chunks: readonly Uint8Array[], count: number): Uint8Array {
  const out = new Uint8Array(count);
  let at = 0;
  for (const chunk of chunks) {
    if (at === count) break;
    const take = Math.min(chunk.length, count - at);
    out.set(chunk.subarray(0, take), at);
    at += take;
  }
  return out;
}

/**
 * @internal The streaming reader behind loadSafetensors and
 * loadSafetensorsFile: gathers the length and header, then copies each chunk
 * straight into one buffer of the size the header announces (so the data is
 * held once, 8-aligned, and F32 tensors are viewed without copies).
 * `fileBytes` is the size announced by the transport, if any: unlike a plain
 * download (see fetch_progress.ts), a file whose header disagrees with it is
 * refused, since the header gives the exact size.
 */
export async function readSafetensorsChunks(source: ChunkSource, fileBytes: number | undefined, options: LoadSafetensorsOptions = {}): Promise<SafetensorsFile> {
  const { onProgress, signal } = options;
  let total = fileBytes;
  let loaded = 0;
  const pending: Uint8Array[] = [];
  let headerLength: number | undefined;
  let header: ParsedHeader | undefined;
  let data: Uint8Array | undefined;
  let filled = 0;

  const append = (chunk: Uint8Array) => {
    if (filled + chunk.length > data!.length) {
      throw new SafetensorsError(`file is longer than the ${total} bytes its header indexes: bytes after the last tensor belong to no tensor`);
    }
    data!.set(chunk, filled);
    filled += chunk.length;
  };

  await drainChunks(source, LOADING, signal, (chunk) => {
    loaded += chunk.length;
    if (data) {
      append(chunk);
    } else {
      pending.push(chunk);
      if (headerLength === undefined && loaded >= 8) headerLength = readHeaderLength(gather(pending, 8), total);
      if (headerLength !== undefined && loaded >= 8 + headerLength) {
        header = parseHeader(gather(pending, 8 + headerLength).subarray(8));
        const expected = 8 + headerLength + header.dataLength;
        if (total !== undefined) checkFileSize(expected, total);
        total = expected;
        try {
          data = new Uint8Array(header.dataLength);
        } catch (cause) {
          throw new SafetensorsError(`the header indexes ${header.dataLength} bytes of tensor data, more than can be allocated here`, { cause });
        }
        // the bytes after the header go straight into place, without one big intermediate copy
        let skip = 8 + headerLength;
        for (const piece of pending) {
          append(piece.subarray(Math.min(skip, piece.length)));
          skip = Math.max(0, skip - piece.length);
        }
        pending.length = 0;
      }
    }
    onProgress?.(progressOf(loaded, total));
  });
  if (headerLength === undefined) throw tooShort(loaded);
  if (!header || !data) {
    throw new SafetensorsError(`truncated: header length ${headerLength} exceeds the ${loaded - 8} bytes after the length field`);
  }
  checkFileSize(total!, loaded);
  return new SafetensorsFile(header, data, total!);
}

/**
 * Loads a safetensors file from a URL, a fetch Response, a ReadableStream
 * or bytes, chunk by chunk, reporting progress. Resolves to the parsed
 * file; convert it with readSafetensors(file).
 *
 * @example
 * const controller = new AbortController();
 * const file = await loadSafetensors('https://example.com/resnet18.safetensors', {
 *   signal: controller.signal,
 *   onProgress: ({ loadedBytes, fraction }) => bar.update(fraction ?? loadedBytes),
 * });
 * const tensors = readSafetensors(file);
 */
export async function loadSafetensors(
  source: Response | ReadableStream<Uint8Array> | Uint8Array | string | URL,
  options: LoadSafetensorsOptions = {},
): Promise<SafetensorsFile> {
  const { signal, onProgress } = options;
  if (signal?.aborted) throw abortError(LOADING, signal);
  if (source instanceof Uint8Array) {
    const file = parseSafetensors(source);
    onProgress?.(progressOf(source.length, source.length));
    return file;
  }
  if (typeof source === 'string' || source instanceof URL) return loadSafetensors(await openUrl(source, LOADING, { signal }), options);
  if (typeof Response !== 'undefined' && source instanceof Response) {
    return readSafetensorsChunks(streamChunks(responseBody(source, LOADING), LOADING), declaredLength(source), options);
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) return readSafetensorsChunks(streamChunks(source, LOADING), undefined, options);
  throw new SafetensorsError('expected a URL, a Response, a ReadableStream or a Uint8Array');
}

// ---- writing

/** A tensor to write: float32 data, stored as F32 unless `dtype` says F16 or BF16 (rounded to nearest even). */
export interface WritableTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | readonly number[];
  readonly dtype?: SafetensorsFloatDtype;
}

/**
 * Serializes tensors to safetensors bytes. Tensors are laid out in the given
 * order, wider dtypes first so every tensor is aligned to its element size;
 * the header is padded with spaces to a multiple of 8 bytes.
 *
 * @example
 * const bytes = writeSafetensors(new Map([['fc.weight', { shape: [10, 84], data: w }]]), { format: 'pt' });
 * await fs.writeFile('lenet5.safetensors', bytes);
 */
export function writeSafetensors(
  tensors: ReadonlyMap<string, WritableTensor> | Iterable<readonly [string, WritableTensor]>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const list = [...tensors].map(([name, tensor]) => {
    const dtype = tensor.dtype ?? 'F32';
    const fail = (message: string) => new SafetensorsError(message, { tensor: name });
    if (name === '__metadata__') throw fail('the name __metadata__ is reserved');
    if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') throw fail(`cannot write dtype ${JSON.stringify(dtype)} (F32, F16 or BF16)`);
    if (!tensor.shape.every((d) => isIndex(d))) throw fail(`shape [${tensor.shape.join(', ')}] is not a list of non-negative integers`);
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== count) throw fail(`shape [${tensor.shape.join(', ')}] has ${count} values, but data has ${tensor.data.length}`);
    return { name, dtype, shape: tensor.shape, data: tensor.data, bytes: count * DTYPE_BYTES[dtype] };
  });
  if (new Set(list.map((t) => t.name)).size !== list.length) throw new SafetensorsError('two tensors have the same name');
  if (metadata !== undefined && !(isObject(metadata) && Object.values(metadata).every((v) => typeof v === 'string'))) {
    throw new SafetensorsError('metadata must be an object of strings');
  }
  // stable sort: 4-byte elements before 2-byte ones keeps every tensor aligned
  list.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype]);

  // the header, written by hand so the key order is exactly ours (JSON.stringify puts integer-like keys first)
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const t of list) {
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + t.bytes}]}`);
    offset += t.bytes;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of list) {
    const n = t.data.length;
    if (t.dtype === 'F32') for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, t.data[i]!, true);
    else if (t.dtype === 'F16') for (let i = 0; i < n; i++) view.setUint16(at + 2 * i, floatToHalfBits(t.data[i]!), true);
    else for (let i = 0; i < n; i++) view.setUint16(at + 2 * i, floatToBfloat16Bits(t.data[i]!), true);
    at += t.bytes;
  }
  return out;
}
