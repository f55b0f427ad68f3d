/** The Node default autotune store: one JSON file, ~/.cache/webgpu-cnn/autotune.json unless told otherwise. */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument, type AutotuneStore } from './store.js';

export function defaultAutotuneFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'webgpu-cnn', 'autotune.json');
}

/**
 * @example
 * const model = await compile(ctx, graph, weights, { autotune: { store: fileAutotuneStore('./tuned.json') } });
 */
export function fileAutotuneStore(path = defaultAutotuneFile(), onNotice?: (message: string) => void): AutotuneStore {
  return {
    async load() {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      return parseDocument(text, { source: `the autotune cache ${path}`, onNotice });
    },
    async save(document) {
      await mkdir(dirname(path), { recursive: true });
      // write then rename, so a crash or a second process never leaves half a file
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify(document, null, 1));
      await rename(temp, path);
    },
  };
}
