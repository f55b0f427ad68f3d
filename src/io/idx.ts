/**
 * IDX, the file format of MNIST and Fashion-MNIST (yann.lecun.com/exdb/mnist):
 * a big-endian header — two zero bytes, an element-type byte (0x08: uint8),
 * the number of dimensions — then one u32 per dimension, then the data. The
 * demo, the evaluation scripts and the tests read the digits through this
 * one parser; only uint8 payloads are supported, as those datasets use.
 */
import { InputError } from '../errors.js';

/** The uint8 element type's code in an IDX header. */
const IDX_UINT8 = 0x08;

export interface IdxTensor {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of uint8 elements; `name` (a path, say) goes into the
 * errors. `dimensions`, when given, must match the header's count (1 for
 * labels, 3 for images).
 * @example
 * const { dims, data } = parseIdx(readFileSync('t10k-images-idx3-ubyte'), 'test images', 3);   // dims [10000, 28, 28]
 */
export function parseIdx(bytes: Uint8Array, name = 'IDX file', dimensions?: number): IdxTensor {
  if (bytes.length < 4) throw new InputError(name, `is ${bytes.length} bytes long, shorter than an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [zero, type, rank] = [view.getUint16(0), bytes[2]!, bytes[3]!];
  if (zero !== 0 || type !== IDX_UINT8) throw new InputError(name, `is not an IDX file of uint8 elements (header ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`);
  if (dimensions !== undefined && rank !== dimensions) throw new InputError(name, `has ${rank} dimensions, expected ${dimensions}`);
  if (bytes.length < 4 + 4 * rank) throw new InputError(name, `ends inside its header of ${rank} dimensions`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * rank);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new InputError(name, `holds ${data.length} bytes of data for dimensions [${dims.join(', ')}] (${expected})`);
  return { dims, data };
}
