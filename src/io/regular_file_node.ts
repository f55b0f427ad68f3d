/**
 * Reading a whole file a user named, safely: regular files only, under a
 * size cap checked on the open file (fstat), and an open that never blocks
 * (a FIFO is refused, not waited on). Callers turn each refusal into their
 * own typed error (the CLI's, the image decoder's), so the checks exist once.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Why a file was not read. */
export type FileRefusal =
  | { readonly reason: 'unreadable'; readonly cause: unknown }
  | { readonly reason: 'not-regular'; readonly kind: string }
  | { readonly reason: 'too-large'; readonly size: number }
  | { readonly reason: 'truncated'; readonly read: number; readonly size: number };

/** Makes the caller's error for a refusal. */
export type RefuseFile = (refusal: FileRefusal) => Error;

interface FileKind {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  readonly size: number;
}

function kindOf(stats: FileKind): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function checkedSize(stats: FileKind, maxBytes: number, refuse: RefuseFile): number {
  if (!stats.isFile()) throw refuse({ reason: 'not-regular', kind: kindOf(stats) });
  if (stats.size > maxBytes) throw refuse({ reason: 'too-large', size: stats.size });
  return stats.size;
}

/** The size of a file about to be read, refusing what is not a regular file or is over `maxBytes`; reads nothing. */
export async function inspectRegularFile(path: string | URL, maxBytes: number, refuse: RefuseFile): Promise<number> {
  let stats: FileKind;
  try {
    stats = await stat(path);
  } catch (cause) {
    throw refuse({ reason: 'unreadable', cause });
  }
  return checkedSize(stats, maxBytes, refuse);
}

/** A whole regular file of at most `maxBytes`. */
export async function readRegularFile(path: string | URL, maxBytes: number, refuse: RefuseFile): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw refuse({ reason: 'unreadable', cause });
  }
  try {
    let stats: FileKind;
    try {
      stats = await handle.stat();
    } catch (cause) {
      throw refuse({ reason: 'unreadable', cause });
    }
    const size = checkedSize(stats, maxBytes, refuse);
    const bytes = new Uint8Array(size);
    let at = 0;
    try {
      while (at < size) {
        const { bytesRead } = await handle.read(bytes, at, Math.min(size - at, 2 ** 30), at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
    } catch (cause) {
      throw refuse({ reason: 'unreadable', cause });
    }
    if (at !== size) throw refuse({ reason: 'truncated', read: at, size });
    return bytes;
  } finally {
    await handle.close();
  }
}

/** An I/O failure as messages print it: its errno code, else its message. */
export function ioReason(cause: unknown): string {
  return (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause);
}
