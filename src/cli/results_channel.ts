/**
 * Where results go. Dawn, Vulkan drivers and layers print from native code
 * straight to fd 1, which no process.stdout wrapper can catch; so the bin
 * launcher runs the command with its fd 1 on stderr and hands it the real
 * stdout as another fd, named by WEBGPU_CNN_RESULTS_FD. Without that
 * variable (dist/lib/cli.js run directly, tests) results go to process.stdout.
 */
import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { isatty, WriteStream } from 'node:tty';

export const RESULTS_FD_VARIABLE = 'WEBGPU_CNN_RESULTS_FD';

export interface ResultsChannel {
  write(text: string): void;
  /** Calls `done` once everything written has left the process (or the reader is gone). */
  flush(done: () => void): void;
}

function streamChannel(stream: NodeJS.WritableStream): ResultsChannel {
  let closed = false;
  // a reader that went away (`| head -1`) ends the output, not the command with a stack trace
  stream.on('error', () => (closed = true));
  return {
    write: (text) => void (closed || stream.write(text)),
    flush: (done) => (closed ? done() : stream.write('', () => done())),
  };
}

/** A file or /dev/null: plain blocking writes. */
function fileChannel(fd: number): ResultsChannel {
  return {
    write(text) {
      const bytes = Buffer.from(text);
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    },
    flush: (done) => done(),
  };
}

export function resultsChannel(fdText = process.env[RESULTS_FD_VARIABLE]): ResultsChannel {
  const fd = Number(fdText);
  if (fdText === undefined || !Number.isInteger(fd) || fd < 3) return streamChannel(process.stdout);
  let stats;
  try {
    stats = fstatSync(fd);
  } catch {
    return streamChannel(process.stdout);
  }
  // the same choice Node makes for its own stdout: a terminal, a pipe or socket (non-blocking), or a file
  if (isatty(fd)) return streamChannel(new WriteStream(fd));
  if (stats.isFIFO() || stats.isSocket()) return streamChannel(new Socket({ fd, readable: false, writable: true }));
  return fileChannel(fd);
}
