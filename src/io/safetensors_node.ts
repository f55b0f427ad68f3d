/**
 * Loading safetensors files from disk in Node (node:fs streams). Kept apart
 * from safetensors.ts so the browser entry never reaches node: modules.
 *
 * @example
 * import { loadSafetensorsFile, readSafetensors } from 'webgpu-cnn/node';
 * const file = await loadSafetensorsFile('resnet18.safetensors', {
 *   onProgress: ({ fraction }) => process.stdout.write(`\r${(100 * fraction!).toFixed(0)}%`),
 * });
 * const tensors = readSafetensors(file);
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { SafetensorsError } from '../errors.js';
import { readSafetensorsChunks, type LoadSafetensorsOptions, type SafetensorsFile } from './safetensors.js';

/** Big reads: a model file is hundreds of MB, and every chunk is copied once into place. */
const CHUNK_BYTES = 4 << 20;

/**
 * Streams a safetensors file from disk into memory, validating it as it
 * goes; progress is reported against the file's size from the start.
 */
export async function loadSafetensorsFile(path: string | URL, options: LoadSafetensorsOptions = {}): Promise<SafetensorsFile> {
  const cannotRead = (cause: unknown) => new SafetensorsError(`cannot read ${String(path)}: ${(cause as Error)?.message ?? cause}`, { cause });
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    size = info.size;
  } catch (cause) {
    throw cannotRead(cause);
  }
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return readSafetensorsChunks(
    {
      async read() {
        let result: IteratorResult<Uint8Array>;
        try {
          result = await chunks.next();
        } catch (cause) {
          throw cannotRead(cause);
        }
        return result.done ? undefined : result.value;
      },
      cancel() {
        stream.destroy();
      },
    },
    size,
    options,
  );
}
