/**
 * Bundles bench/gpu/bench_gpu.ts into one ES module, .gpu/bench.mjs, for the
 * lent GPU machine (which has no node_modules): every dependency and the
 * WGSL `?raw` imports inlined, except `webgpu` (Dawn's native addon, which
 * shared/gpu/pack.sh puts in .gpu/node_modules) and onnxruntime-web (its dist
 * module finds its wasm beside itself; bench/gpu/pack.sh carries both).
 * TF.js is external too: this bench never loads it.
 *   vite build -c bench/gpu/vite.config.ts
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const EXTERNAL = [/^webgpu$/, /^onnxruntime-web(\/.*)?$/, /^@tensorflow\//];

export default defineConfig({
  root: ROOT,
  logLevel: 'warn',
  // bundle node_modules too: nothing but the externals exists on the device
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: resolve(ROOT, 'bench/gpu/bench_gpu.ts'),
    outDir: resolve(ROOT, '.gpu'),
    emptyOutDir: false,
    target: 'node20',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    // LeNet's shipped weights (a `new URL(…, import.meta.url)` asset) are inlined rather than emitted: the bench never loads them
    assetsInlineLimit: 1 << 20,
    rollupOptions: {
      external: EXTERNAL,
      output: { format: 'es', entryFileNames: 'bench.mjs', codeSplitting: false },
    },
  },
});
