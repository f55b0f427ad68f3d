import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AbortError, SafetensorsError } from '../../src/errors.js';
import { bfloat16BitsToFloat, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat } from '../../src/io/half.js';
import {
  loadSafetensors,
  parseSafetensors,
  readSafetensors,
  readSafetensorsChunks,
  writeSafetensors,
  type LoadProgress,
  type SafetensorsFile,
  type WritableTensor,
} from '../../src/io/safetensors.js';
import { loadSafetensorsFile } from '../../src/io/safetensors_node.js';
import { Rng } from '../helpers/random.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** A file from a header given as text (written verbatim) or an object, and data bytes. */
function rawFile(header: string | object, data: Uint8Array | number = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = ascii(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.length);
  return out;
}

/** A ReadableStream that hands out `bytes` in the given chunk sizes (the rest in one chunk). */
function chunkedStream(bytes: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const size = sizes[i++] ?? bytes.length - at;
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

function randomChunks(rng: Rng, total: number, max: number): number[] {
  const sizes: number[] = [];
  for (let sum = 0; sum < total; ) {
    const size = rng.int(1, max);
    sizes.push(size);
    sum += size;
  }
  return sizes;
}

/** A valid file with several dtypes, a scalar and a zero-size tensor: the fuzz seed. */
function sampleTensors(rng: Rng): Map<string, WritableTensor> {
  return new Map<string, WritableTensor>([
    ['conv1.weight', { shape: [4, 3, 3, 3], data: rng.array(108) }],
    ['conv1.bias', { shape: [4], data: rng.array(4), dtype: 'F16' }],
    ['bn1.weight', { shape: [4], data: rng.array(4), dtype: 'BF16' }],
    ['scale', { shape: [], data: [0.5] }],
    ['empty', { shape: [0, 3], data: [] }],
    ['fc.weight', { shape: [2, 36], data: rng.array(72) }],
  ]);
}

/** Whatever `fn` throws must be a SafetensorsError; returns the error or undefined. */
function safetensorsErrorOf(fn: () => unknown): SafetensorsError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof SafetensorsError)) throw new Error(`expected a SafetensorsError, got ${String(error)}`, { cause: error });
    return error;
  }
}

describe('F16 and BF16 conversions', () => {
  it('F16: every half survives float and back; every midpoint rounds to even', () => {
    const wrong: string[] = [];
    const check = (x: number, expected: number) => {
      if (floatToHalfBits(x) !== expected) wrong.push(`${x} → 0x${floatToHalfBits(x).toString(16)}, expected 0x${expected.toString(16)}`);
    };
    for (let h = 0; h < 0x10000; h++) {
      const v = halfBitsToFloat(h);
      if (Number.isNaN(v)) {
        if ((h & 0x7c00) !== 0x7c00 || (h & 0x3ff) === 0) wrong.push(`0x${h.toString(16)} decodes to NaN`);
        continue;
      }
      check(v, h);
      // between h and the next finite half of the same sign: the midpoint is a tie, either side is not
      if ((h & 0x7fff) < 0x7bff) {
        const next = halfBitsToFloat(h + 1);
        const step = next - v;
        check(v + step / 2, h & 1 ? h + 1 : h);
        check(v + (3 * step) / 8, h);
        check(v + (5 * step) / 8, h + 1);
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('F16: known values (0.1, max, overflow, subnormals, signed zero, Inf, NaN)', () => {
    expect(halfBitsToFloat(floatToHalfBits(0.1))).toBe(0.0999755859375);
    expect(floatToHalfBits(0.1)).toBe(0x2e66);
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (1.0)
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (1 + 2^-9)
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(65519)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00); // the tie above max goes to Inf
    expect(floatToHalfBits(1e10)).toBe(0x7c00);
    expect(floatToHalfBits(-1e10)).toBe(0xfc00);
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001);
    expect(floatToHalfBits(2 ** -25)).toBe(0x0000); // tie → even (zero)
    expect(floatToHalfBits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(floatToHalfBits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up from subnormal into the smallest normal
    expect(floatToHalfBits(-0)).toBe(0x8000);
    expect(Object.is(halfBitsToFloat(0x8000), -0)).toBe(true);
    expect(floatToHalfBits(Infinity)).toBe(0x7c00);
    expect(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN)))).toBe(true);
  });

  it('BF16: random float32 bit patterns round to nearest even (against a float64 reference)', () => {
    const rng = new Rng(7);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < 20000; i++) {
      u[0] = Math.floor(rng.next() * 2 ** 32);
      const x = f[0]!;
      if (!Number.isFinite(x)) continue;
      const lowBits = u[0]! & 0xffff0000;
      const low = bfloat16BitsToFloat(lowBits >>> 16);
      const high = bfloat16BitsToFloat(((lowBits >>> 16) + 1) & 0xffff);
      const dLow = Math.abs(x - low);
      const dHigh = Math.abs(high - x);
      const expected = dLow < dHigh || (dLow === dHigh && ((lowBits >>> 16) & 1) === 0) ? lowBits >>> 16 : ((lowBits >>> 16) + 1) & 0xffff;
      expect(floatToBfloat16Bits(x)).toBe(expected);
    }
    expect(floatToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(floatToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(bfloat16BitsToFloat(floatToBfloat16Bits(0.1))).toBe(0.10009765625);
    expect(Number.isNaN(bfloat16BitsToFloat(floatToBfloat16Bits(NaN)))).toBe(true);
    expect(floatToBfloat16Bits(-Infinity)).toBe(0xff80);
  });
});

describe('writeSafetensors / readSafetensors round trips', () => {
  it('F32 is exact for every shape, including scalars and zero-size tensors', () => {
    const rng = new Rng(1);
    const tensors = new Map<string, WritableTensor>([
      ['scalar', { shape: [], data: [Math.PI] }],
      ['vector', { shape: [7], data: rng.array(7) }],
      ['conv.weight', { shape: [3, 2, 5, 5], data: rng.array(150) }],
      ['zero.rows', { shape: [0, 4], data: [] }],
      ['zero.dim', { shape: [2, 0, 3], data: [] }],
      ['ünïcode name ✓', { shape: [1, 1, 1, 2], data: [-0, 1e-40] }],
      ['0', { shape: [1], data: [3] }],
    ]);
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'hi' });
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt', note: 'hi' });
    expect(file.names).toEqual([...tensors.keys()]); // data order, which is the given order within a dtype ('0' too, which JSON objects would hoist)
    const read = readSafetensors(bytes);
    expect([...read.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const r = read.get(name)!;
      expect(r.dtype).toBe('F32');
      expect(r.shape).toEqual(t.shape);
      expect([...r.data]).toEqual([...Float32Array.from(t.data)]);
    }
    expect(Object.is(read.get('ünïcode name ✓')!.data[0], -0)).toBe(true);
    expect(read.get('scalar')!.data).toEqual(Float32Array.of(Math.fround(Math.PI)));
  });

  it('F16 and BF16 round to nearest even, known values exactly', () => {
    const values = [0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65519, 70000, 2 ** -25, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8];
    const bytes = writeSafetensors([
      ['h', { shape: [values.length], data: values, dtype: 'F16' }],
      ['b', { shape: [values.length], data: values, dtype: 'BF16' }],
    ]);
    const read = readSafetensors(bytes);
    expect(read.get('h')!.dtype).toBe('F16');
    expect([...read.get('h')!.data]).toEqual([0.0999755859375, 1, 1 + 2 ** -9, 65504, Infinity, 0, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8]); // the last two are exact halfs
    expect(read.get('b')!.dtype).toBe('BF16');
    expect([...read.get('b')!.data]).toEqual([0.10009765625, 1, 1, 65536, 70144, 2 ** -25, -2.5, 1, 1 + 2 ** -6]);
  });

  it('random float tensors of all three dtypes round trip within their precision', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 20; trial++) {
      const tensors = new Map<string, WritableTensor>();
      for (let t = 0; t < rng.int(1, 6); t++) {
        const shape = Array.from({ length: rng.int(0, 4) }, () => rng.int(0, 5));
        const count = shape.reduce((a, b) => a * b, 1);
        tensors.set(`t${t}`, { shape, data: rng.array(count, -100, 100), dtype: rng.pick(['F32', 'F16', 'BF16'] as const) });
      }
      const read = readSafetensors(writeSafetensors(tensors));
      for (const [name, t] of tensors) {
        const r = read.get(name)!;
        expect(r.shape).toEqual(t.shape);
        const tolerance = { F32: 0, F16: 2 ** -11, BF16: 2 ** -8 }[t.dtype!];
        t.data.forEach((v, i) => expect(Math.abs(r.data[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * tolerance + 2 ** -24));
      }
    }
  });

  it('every tensor is aligned to its element size and the header padded to 8 bytes', () => {
    const bytes = writeSafetensors([
      ['h', { shape: [3], data: [1, 2, 3], dtype: 'F16' }],
      ['f', { shape: [2], data: [1, 2] }],
      ['b', { shape: [1], data: [1], dtype: 'BF16' }],
    ]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.names).toEqual(['f', 'h', 'b']); // F32 first (stable otherwise)
    for (const e of file.entries.values()) expect(e.dataOffsets[0] % (e.dtype === 'F32' ? 4 : 2)).toBe(0);
  });

  it('the writer refuses bad input', () => {
    const write = (name: string, t: WritableTensor) => safetensorsErrorOf(() => writeSafetensors([[name, t]]));
    expect(write('x', { shape: [2, 2], data: [1, 2, 3] })?.message).toMatch(/tensor "x": shape \[2, 2\] has 4 values, but data has 3/);
    expect(write('x', { shape: [-1], data: [] })?.message).toMatch(/non-negative integers/);
    expect(write('__metadata__', { shape: [], data: [1] })?.message).toMatch(/reserved/);
    expect(write('x', { shape: [1], data: [1], dtype: 'F64' as never })?.message).toMatch(/cannot write dtype "F64"/);
    expect(safetensorsErrorOf(() => writeSafetensors([], { n: 1 as never }))?.message).toMatch(/metadata must be an object of strings/);
  });
});

describe('the format, byte for byte', () => {
  // {"__metadata__":{"format":"pt"},"a":{…F32 [2]…},"b":{…F16 scalar…}} is 138 bytes, padded to 144 = 0x90
  const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[],"data_offsets":[8,10]}}';
  const handMade = new Uint8Array([
    ...[0x90, 0, 0, 0, 0, 0, 0, 0], // u64 little-endian header length
    ...ascii(json),
    ...ascii('      '), // six spaces of padding
    ...[0x00, 0x00, 0x80, 0x3f], // a[0] = 1.0 (F32 LE)
    ...[0x00, 0x00, 0x20, 0xc0], // a[1] = -2.5
    ...[0x00, 0x3c], // b = 1.0 (F16 LE)
  ]);

  it('the writer produces exactly the spec layout', () => {
    expect(json.length).toBe(138);
    const bytes = writeSafetensors(
      new Map<string, WritableTensor>([
        ['a', { shape: [2], data: Float32Array.of(1, -2.5) }],
        ['b', { shape: [], data: [1], dtype: 'F16' }],
      ]),
      { format: 'pt' },
    );
    expect([...bytes]).toEqual([...handMade]);
  });

  it('the reader reads the hand-made file', () => {
    const file = parseSafetensors(handMade);
    expect(file.byteLength).toBe(8 + 144 + 10);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.entries.get('a')).toEqual({ name: 'a', dtype: 'F32', shape: [2], dataOffsets: [0, 8] });
    expect(file.entries.get('b')).toEqual({ name: 'b', dtype: 'F16', shape: [], dataOffsets: [8, 10] });
    expect([...file.bytes('b')]).toEqual([0x00, 0x3c]);
    expect([...file.float32('a')]).toEqual([1, -2.5]);
    expect([...file.float32('b')]).toEqual([1]);
  });

  it('unaligned data (odd header length, odd byteOffset) reads correctly', () => {
    const data = new Uint8Array(new Float32Array([1.5, -3, 7.25]).buffer);
    const inner = rawFile('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', data); // 55-byte header: data at offset 63
    expect((8 + 55) % 4).not.toBe(0);
    const shifted = new Uint8Array(inner.length + 1);
    shifted.set(inner, 1);
    for (const bytes of [inner, shifted.subarray(1)]) expect([...readSafetensors(bytes).get('x')!.data]).toEqual([1.5, -3, 7.25]);
  });

  it('a file with no tensors is valid; extra keys in an entry are ignored', () => {
    expect(parseSafetensors(rawFile('{}')).names).toEqual([]);
    expect(parseSafetensors(rawFile('{"__metadata__":{}}  ')).names).toEqual([]);
    const file = parseSafetensors(rawFile({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2], future: true } }, 2));
    expect(file.entries.get('x')!.shape).toEqual([2]);
  });
});

describe('malformed files: one SafetensorsError naming the problem', () => {
  const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /file is 0 bytes, too short for the 8-byte header length/],
    ['7 bytes', new Uint8Array(7), /file is 7 bytes, too short/],
    ['header length beyond the file', rawFile('{}', 0, 100n), /header length 100 exceeds the 2 bytes after the length field/],
    ['header length 2^63', rawFile('{}', 0, 2n ** 63n), /header length 9223372036854775808 exceeds/],
    ['header length 0', rawFile('{}', 0, 0n).subarray(0, 8), /header length 0 is too short/],
    ['header not starting with {', rawFile(' {}'), /header does not start with '\{'/],
    ['invalid UTF-8', rawFile('{"_":1}').map((b, i) => (i === 10 ? 0xff : b)), /header is not valid UTF-8/],
    ['invalid JSON', rawFile('{"a":'), /header is not valid JSON/],
    ['a JSON array', rawFile('[]'), /header does not start with '\{'/],
    ['entry not an object', rawFile({ a: 3 }), /tensor "a": entry is not an object/],
    ['unknown dtype', rawFile({ a: { dtype: 'F128', shape: [], data_offsets: [0, 16] } }, 16), /tensor "a": unknown dtype "F128"/],
    ['missing dtype', rawFile({ a: { shape: [], data_offsets: [0, 4] } }, 4), /tensor "a": dtype is missing/],
    ['negative shape', rawFile({ a: f32([-1], [0, 4]) }, 4), /tensor "a": shape \[-1\] is not a list of non-negative integers/],
    ['fractional shape', rawFile({ a: f32([1.5], [0, 4]) }, 4), /tensor "a": shape \[1.5\]/],
    ['string shape', rawFile({ a: { dtype: 'F32', shape: '2', data_offsets: [0, 8] } }, 8), /tensor "a": shape "2"/],
    ['three offsets', rawFile({ a: f32([1], [0, 4, 8]) }, 4), /tensor "a": data_offsets \[0,4,8\] is not a pair/],
    ['negative offset', rawFile({ a: f32([1], [-4, 0]) }, 4), /tensor "a": data_offsets \[-4,0\] is not a pair of non-negative integers/],
    ['offsets reversed', rawFile({ a: f32([0], [4, 0]) }, 4), /tensor "a": data_offsets \[4, 0\] end before they begin/],
    ['size ≠ dtype × shape', rawFile({ a: f32([2, 3], [0, 12]) }, 12), /tensor "a": data_offsets \[0, 12\] hold 12 bytes, but F32 \[2, 3\] needs 24/],
    ['overlapping tensors', rawFile({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/],
    ['a hole between tensors', rawFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12), /tensor "b": data buffer bytes \[4, 8\) belong to no tensor/],
    ['a hole at the start', rawFile({ a: f32([1], [4, 8]) }, 8), /tensor "a": data buffer bytes \[0, 4\) belong to no tensor/],
    ['trailing bytes', rawFile({ a: f32([1], [0, 4]) }, 5), /file has \d+ bytes, more than the \d+ its header indexes/],
    ['truncated data', rawFile({ a: f32([4], [0, 16]) }, 10), /truncated: the header indexes a \d+-byte file, but it has only \d+ bytes/],
    ['metadata not strings', rawFile({ __metadata__: { n: 1 } }), /__metadata__ must be an object of strings/],
    ['metadata an array', rawFile({ __metadata__: ['x'] }), /__metadata__ must be an object of strings/],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    const error = safetensorsErrorOf(() => parseSafetensors(bytes));
    expect(error).toBeInstanceOf(SafetensorsError);
    expect(error!.message).toMatch(/^safetensors: /);
    expect(error!.message).toMatch(message);
  });

  it('F64, I64 and other dtypes do not become float32: the error names tensor and dtype', () => {
    const bytes = rawFile({ w: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, n: { dtype: 'I64', shape: [], data_offsets: [8, 16] } }, 16);
    const file = parseSafetensors(bytes); // the header itself is fine
    const error = safetensorsErrorOf(() => file.float32('w'))!;
    expect(error.tensor).toBe('w');
    expect(error.message).toMatch(/tensor "w": dtype F64 does not convert to float32/);
    expect(safetensorsErrorOf(() => readSafetensors(bytes))?.message).toMatch(/tensor "w": dtype F64/);
    expect(safetensorsErrorOf(() => readSafetensors(bytes, { ignore: (name) => name === 'w' }))?.message).toMatch(/tensor "n": dtype I64/);
    expect([...readSafetensors(bytes, { ignore: (_, dtype) => dtype !== 'F32' }).keys()]).toEqual([]);
    expect(safetensorsErrorOf(() => file.float32('nope'))?.message).toMatch(/tensor "nope": no such tensor/);
  });

  it("PyTorch's I64 num_batches_tracked counters are left out by default", () => {
    const one = new Uint8Array(new Float32Array([2]).buffer);
    const bytes = rawFile(
      {
        'bn1.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        'bn1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [4, 12] },
      },
      new Uint8Array([...one, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    const read = readSafetensors(bytes);
    expect([...read.keys()]).toEqual(['bn1.weight']);
    expect(read.get('bn1.weight')!.data).toEqual(Float32Array.of(2));
  });
});

describe('fuzzing: mutated and truncated files parse or throw SafetensorsError, never anything else', () => {
  const rng = new Rng(2024);
  const original = writeSafetensors(sampleTensors(rng), { format: 'pt' });
  const reference = parseSafetensors(original);
  const dataStart = original.length - [...reference.entries.values()].reduce((a, e) => a + e.dataOffsets[1] - e.dataOffsets[0], 0);

  /** Parses and converts everything; returns the file, or the SafetensorsError. */
  function attempt(bytes: Uint8Array): SafetensorsFile | SafetensorsError {
    let file: SafetensorsFile;
    try {
      file = parseSafetensors(bytes);
    } catch (error) {
      expect(error).toBeInstanceOf(SafetensorsError);
      return error as SafetensorsError;
    }
    for (const name of file.names) safetensorsErrorOf(() => file.float32(name));
    return file;
  }

  it('every truncation (all 1 … n−1 byte prefixes of the file) throws', () => {
    expect(original.length).toBeGreaterThan(300);
    for (let length = 0; length < original.length; length++) {
      expect(attempt(original.slice(0, length)), `prefix of ${length} bytes`).toBeInstanceOf(SafetensorsError);
    }
  });

  it('400 random byte flips: a flip in the data changes only data; elsewhere, parse or throw', () => {
    let thrown = 0;
    for (let trial = 0; trial < 400; trial++) {
      const bytes = original.slice();
      const at = trial < 200 ? rng.int(0, dataStart - 1) : rng.int(0, bytes.length - 1); // half aimed at length + header
      bytes[at] = bytes[at]! ^ (1 << rng.int(0, 7));
      const result = attempt(bytes);
      if (result instanceof SafetensorsError) thrown++;
      if (at >= dataStart) {
        expect(result).not.toBeInstanceOf(SafetensorsError);
        expect((result as SafetensorsFile).entries).toEqual(reference.entries);
      }
    }
    expect(thrown).toBeGreaterThan(50);
  });

  it('300 multi-byte mutations, deletions, insertions and garbage', () => {
    for (let trial = 0; trial < 300; trial++) {
      let bytes = original.slice();
      const kind = trial % 4;
      if (kind === 0) for (let k = rng.int(2, 10); k > 0; k--) bytes[rng.int(0, bytes.length - 1)] = rng.int(0, 255);
      else if (kind === 1) {
        const at = rng.int(0, bytes.length - 1);
        bytes = Uint8Array.of(...bytes.subarray(0, at), ...bytes.subarray(at + rng.int(1, 16)));
        expect(attempt(bytes)).toBeInstanceOf(SafetensorsError); // any deletion breaks the size
        continue;
      } else if (kind === 2) {
        const at = rng.int(0, bytes.length);
        bytes = Uint8Array.of(...bytes.subarray(0, at), ...Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 255)), ...bytes.subarray(at));
      } else {
        // random bytes behind a plausible length: exercises the JSON and UTF-8 paths
        const garbage = Uint8Array.from({ length: rng.int(0, 200) }, () => rng.int(0, 255));
        bytes = rawFile('{', garbage, BigInt(rng.int(1, garbage.length + 2))) as Uint8Array<ArrayBuffer>;
      }
      attempt(bytes);
    }
  });

  it('the streaming reader agrees with the in-memory one on 150 mutated files, chunked at random', async () => {
    for (let trial = 0; trial < 150; trial++) {
      let bytes = original.slice();
      if (trial % 3 === 0) bytes = bytes.slice(0, rng.int(0, bytes.length - 1));
      else for (let k = rng.int(1, 3); k > 0; k--) bytes[rng.int(0, Math.min(bytes.length - 1, dataStart + 8))] ^= 1 << rng.int(0, 7);
      const expected = attempt(bytes);
      const stream = new Response(chunkedStream(bytes, randomChunks(rng, bytes.length, 40)), { headers: { 'content-length': String(bytes.length) } });
      const actual = await loadSafetensors(stream).catch((error: unknown) => error);
      if (expected instanceof SafetensorsError) {
        expect(actual).toBeInstanceOf(SafetensorsError);
        expect((actual as Error).message).toBe(expected.message); // same checks, same words, when the size is known
      } else {
        expect((actual as SafetensorsFile).entries).toEqual(expected.entries);
      }
      // without a known size, the verdict (not always the words) is the same
      const bare = await loadSafetensors(chunkedStream(bytes, randomChunks(rng, bytes.length, 40))).catch((error: unknown) => error);
      expect(bare instanceof SafetensorsError).toBe(expected instanceof SafetensorsError);
    }
  });
});

describe('loadSafetensors: streaming with progress', () => {
  const rng = new Rng(99);
  const tensors = sampleTensors(rng);
  const bytes = writeSafetensors(tensors);
  const expected = readSafetensors(bytes);

  function expectProgress(calls: LoadProgress[], total: number) {
    expect(calls.length).toBeGreaterThan(0);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]!.loadedBytes).toBeGreaterThan(calls[i - 1]!.loadedBytes);
      if (calls[i - 1]!.fraction !== undefined) expect(calls[i]!.fraction!).toBeGreaterThanOrEqual(calls[i - 1]!.fraction!);
    }
    expect(calls.at(-1)).toEqual({ loadedBytes: total, totalBytes: total, fraction: 1 });
  }

  it('a ReadableStream in chunks of random sizes (the 8-byte length split too) gives the same tensors', async () => {
    for (let trial = 0; trial < 30; trial++) {
      const sizes = trial === 0 ? [1, 1, 1, 1, 1, 1, 1, 1] : trial === 1 ? [3, 5, 1] : randomChunks(rng, bytes.length, trial < 15 ? 7 : 200);
      const calls: LoadProgress[] = [];
      const file = await loadSafetensors(chunkedStream(bytes, sizes), { onProgress: (p) => calls.push(p) });
      expect(readSafetensors(file)).toEqual(expected);
      expectProgress(calls, bytes.length);
      // the total is unknown until the header has arrived, then exact
      expect(calls[0]!.totalBytes).toBeUndefined();
    }
  });

  it('a Response with Content-Length reports the total from the first chunk', async () => {
    const calls: LoadProgress[] = [];
    const response = new Response(chunkedStream(bytes, [5, 100, 100]), { headers: { 'content-length': String(bytes.length) } });
    const file = await loadSafetensors(response, { onProgress: (p) => calls.push(p) });
    expect(readSafetensors(file)).toEqual(expected);
    expectProgress(calls, bytes.length);
    expect(calls[0]).toEqual({ loadedBytes: 5, totalBytes: bytes.length, fraction: 5 / bytes.length });
  });

  it('F32 tensors of a streamed file are aligned views (loaded once, not copied again)', async () => {
    const file = await loadSafetensors(chunkedStream(bytes, randomChunks(rng, bytes.length, 50)));
    const a = file.float32('conv1.weight');
    expect(a.byteOffset % 4).toBe(0);
    expect(a.buffer).toBe(file.float32('fc.weight').buffer);
  });

  it('a Uint8Array loads at once, with one progress call', async () => {
    const onProgress = vi.fn();
    expect(readSafetensors(await loadSafetensors(bytes, { onProgress }))).toEqual(expected);
    expect(onProgress).toHaveBeenCalledExactlyOnceWith({ loadedBytes: bytes.length, totalBytes: bytes.length, fraction: 1 });
  });

  it('a stream that ends early is truncated; one that runs on is refused', async () => {
    await expect(loadSafetensors(chunkedStream(bytes.slice(0, -3), [64]))).rejects.toThrow(/truncated/);
    await expect(loadSafetensors(chunkedStream(bytes.slice(0, 5), [2]))).rejects.toThrow(/file is 5 bytes, too short/);
    await expect(loadSafetensors(chunkedStream(bytes.slice(0, 40), [2]))).rejects.toThrow(/truncated: header length \d+ exceeds the 32 bytes/);
    const longer = Uint8Array.of(...bytes, 1, 2, 3);
    await expect(loadSafetensors(chunkedStream(longer, [64]))).rejects.toThrow(/longer than the \d+ bytes its header indexes/);
    const error = new Error('connection reset');
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 20));
        controller.error(error);
      },
    });
    await expect(loadSafetensors(failing)).rejects.toThrow(/reading the stream failed: connection reset/);
    await expect(loadSafetensors(new Response(bytes as Uint8Array<ArrayBuffer>, { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404 Not Found/);
    await expect(loadSafetensors(42 as never)).rejects.toThrow(SafetensorsError);
  });

  it('an AbortSignal cancels a stalled download and the stream', async () => {
    const controller = new AbortController();
    const cancel = vi.fn();
    const stalled = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 100));
      },
      pull: () => new Promise<void>(() => {}), // never delivers again
      cancel,
    });
    const loading = loadSafetensors(stalled, { signal: controller.signal, onProgress: () => controller.abort(new Error('user left')) });
    await expect(loading).rejects.toThrow(AbortError);
    expect(cancel).toHaveBeenCalled();
    await expect(loadSafetensors(chunkedStream(bytes, [10]), { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    await expect(loadSafetensors(bytes, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
  });

  it('a thrown progress callback stops loading and cancels the source', async () => {
    const cancel = vi.fn();
    const reads = [bytes.slice(0, 50), bytes.slice(50)];
    const source = { read: async () => reads.shift(), cancel };
    await expect(readSafetensorsChunks(source, undefined, { onProgress: () => { throw new Error('boom'); } })).rejects.toThrow('boom');
    expect(cancel).toHaveBeenCalledOnce();
  });

  describe('from a URL (a local HTTP server)', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((request, response) => {
        if (request.url === '/model.safetensors') {
          response.writeHead(200, { 'content-length': bytes.length, 'content-type': 'application/octet-stream' });
          // two writes so the body arrives in more than one piece
          response.write(bytes.subarray(0, 30));
          setTimeout(() => response.end(bytes.subarray(30)), 10);
        } else {
          response.writeHead(404).end();
        }
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address() as { port: number };
      base = `http://127.0.0.1:${address.port}`;
    });
    afterAll(() => server.close());

    it('fetches, streams and reports progress against Content-Length', async () => {
      const calls: LoadProgress[] = [];
      const file = await loadSafetensors(`${base}/model.safetensors`, { onProgress: (p) => calls.push(p) });
      expect(readSafetensors(file)).toEqual(expected);
      expectProgress(calls, bytes.length);
      expect(calls[0]!.totalBytes).toBe(bytes.length);
    });

    it('a 404 and an unreachable host are SafetensorsErrors', async () => {
      await expect(loadSafetensors(`${base}/missing`)).rejects.toThrow(/safetensors: HTTP 404/);
      await expect(loadSafetensors('http://127.0.0.1:1/x')).rejects.toThrow(/safetensors: could not fetch/);
    });
  });
});

describe('loadSafetensorsFile (Node)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webgpu-cnn-safetensors-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a multi-chunk file with progress against the file size', async () => {
    const rng = new Rng(5);
    // ~10 MB: more than two of the loader's 4 MiB reads
    const tensors = new Map<string, WritableTensor>([
      ['big', { shape: [2500, 1000], data: rng.array(2_500_000) }],
      ['small', { shape: [3], data: [1, 2, 3], dtype: 'BF16' }],
    ]);
    const bytes = writeSafetensors(tensors);
    const path = join(dir, 'big.safetensors');
    await writeFile(path, bytes);
    const calls: LoadProgress[] = [];
    const file = await loadSafetensorsFile(path, { onProgress: (p) => calls.push(p) });
    expect(file.byteLength).toBe(bytes.length);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.every((c) => c.totalBytes === bytes.length)).toBe(true);
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.fraction!).toBeGreaterThan(calls[i - 1]!.fraction!);
    expect(calls.at(-1)).toEqual({ loadedBytes: bytes.length, totalBytes: bytes.length, fraction: 1 });
    const read = readSafetensors(file);
    const [big, original] = [read.get('big')!.data, tensors.get('big')!.data as Float32Array];
    expect(big.length).toBe(original.length);
    expect(big.every((v, i) => v === original[i])).toBe(true); // (toEqual on 2.5 M values takes half a minute)
    expect([...read.get('small')!.data]).toEqual([1, 2, 3]);
  });

  it('a missing file, a directory and a truncated file are SafetensorsErrors', async () => {
    await expect(loadSafetensorsFile(join(dir, 'nope.safetensors'))).rejects.toThrow(/safetensors: cannot read .*nope\.safetensors/);
    await expect(loadSafetensorsFile(dir)).rejects.toThrow(/not a regular file/);
    const bytes = writeSafetensors([['w', { shape: [100], data: new Float32Array(100) }]]);
    const path = join(dir, 'cut.safetensors');
    await writeFile(path, bytes.subarray(0, bytes.length - 1));
    await expect(loadSafetensorsFile(path)).rejects.toThrow(/truncated: the header indexes a \d+-byte file, but it has only \d+ bytes/);
  });

  it('an aborted signal rejects with AbortError', async () => {
    const path = join(dir, 'small.safetensors');
    await writeFile(path, writeSafetensors([['w', { shape: [1], data: [1] }]]));
    await expect(loadSafetensorsFile(path, { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
  });
});
