/**
 * Raw little-endian float32 files, the CLI's tensor interchange: no header,
 * NCHW order, exactly the tensor's elements. Every file the CLI reads comes
 * through readBytes: regular files only, under a size cap, checked first.
 */
import { writeFile } from 'node:fs/promises';
import { formatBytes } from '../errors.js';
import { inspectRegularFile, ioReason, readRegularFile, type RefuseFile } from '../io/regular_file_node.js';
import { CliFileError, InputFileError } from './usage_error.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A refused file as the CLI's errors name it (io/regular_file_node.ts makes the checks). */
function refuseCliFile(path: string, what: string, maxBytes: number): RefuseFile {
  return (r) => {
    switch (r.reason) {
      case 'unreadable':
        return new CliFileError(`cannot read ${what} ${path}: ${ioReason(r.cause)}`, { cause: r.cause });
      case 'not-regular':
        return new InputFileError(path, 'not-regular', `${what} ${path} is ${r.kind}, not a regular file`);
      case 'too-large':
        return new InputFileError(path, 'too-large', `${what} ${path} is ${formatBytes(r.size)}, more than the ${formatBytes(maxBytes)} the CLI reads`);
      case 'truncated':
        return new InputFileError(path, 'truncated', `${what} ${path} shrank while being read (${r.read} of ${r.size} bytes)`);
    }
  };
}

/** The size of a file about to be read, refusing what is not a regular file or is over `maxBytes`; reads nothing. */
export function inspectFile(path: string, what: string, maxBytes: number): Promise<number> {
  return inspectRegularFile(path, maxBytes, refuseCliFile(path, what, maxBytes));
}

/**
 * A whole regular file of at most `maxBytes`. The check is made on the open
 * file (fstat), and the open never blocks: a FIFO is refused, not waited on.
 */
export function readBytes(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  return readRegularFile(path, maxBytes, refuseCliFile(path, what, maxBytes));
}

/** The floats of a raw float32 file; its size must be a multiple of 4 bytes. */
export function decodeFloat32(bytes: Uint8Array, path: string): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new CliFileError(`${path}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

export function encodeFloat32(data: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return bytes;
}

/** Little-endian int64s (an index output's ONNX element type). */
export function encodeInt64(data: BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.length * 8);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return bytes;
}

/** The raw output file: float32 LE, or int64 LE for an int64 output. */
export async function writeOutputTensor(path: string, data: Float32Array | BigInt64Array): Promise<void> {
  try {
    await writeFile(path, data instanceof BigInt64Array ? encodeInt64(data) : encodeFloat32(data));
  } catch (cause) {
    throw new CliFileError(`cannot write ${path}: ${ioReason(cause)}`, { cause });
  }
}
