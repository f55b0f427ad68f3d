/**
 * Raw little-endian float32 files, the CLI's tensor interchange: no header,
 * NCHW order, exactly the tensor's elements. Every file the CLI reads comes
 * through readBytes: regular files only, under a size cap, checked first.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import { formatBytes } from '../errors.js';
import { CliFileError, InputFileError } from './usage_error.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkStats(stats: Stats, path: string, what: string, maxBytes: number): number {
  if (!stats.isFile()) throw new InputFileError(path, 'not-regular', `${what} ${path} is ${kindOf(stats)}, not a regular file`);
  if (stats.size > maxBytes) throw new InputFileError(path, 'too-large', `${what} ${path} is ${formatBytes(stats.size)}, more than the ${formatBytes(maxBytes)} the CLI reads`);
  return stats.size;
}

function unreadable(path: string, what: string, cause: unknown): CliFileError {
  return new CliFileError(`cannot read ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
}

/** The size of a file about to be read, refusing what is not a regular file or is over `maxBytes`; reads nothing. */
export async function inspectFile(path: string, what: string, maxBytes: number): Promise<number> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (cause) {
    throw unreadable(path, what, cause);
  }
  return checkStats(stats, path, what, maxBytes);
}

/**
 * A whole regular file of at most `maxBytes`. The check is made on the open
 * file (fstat), and the open never blocks: a FIFO is refused, not waited on.
 */
export async function readBytes(path: string, what: string, maxBytes: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw unreadable(path, what, cause);
  }
  try {
    const size = checkStats(await handle.stat(), path, what, maxBytes);
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(size - at, 2 ** 30), at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    if (at !== size) throw new InputFileError(path, 'truncated', `${what} ${path} shrank while being read (${at} of ${size} bytes)`);
    return bytes;
  } catch (cause) {
    throw cause instanceof CliFileError ? cause : unreadable(path, what, cause);
  } finally {
    await handle.close();
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
