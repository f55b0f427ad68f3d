/**
 * Raw little-endian float32 files, the CLI's tensor interchange: no header,
 * NCHW order, exactly the tensor's elements.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CliFileError } from './usage_error.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new CliFileError(`cannot read ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
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

export async function writeFloat32(path: string, data: Float32Array): Promise<void> {
  try {
    await writeFile(path, encodeFloat32(data));
  } catch (cause) {
    throw new CliFileError(`cannot write ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
  }
}
