import { defineConfig, type Plugin } from 'vite';

/** Module ids that must never reach a browser bundle. */
const NODE_ONLY = /^(webgpu|node:.*|fs|path|child_process|module|url)$/;

/**
 * Fails the build when the browser entry (index) or any chunk it loads,
 * statically or dynamically, imports Dawn or a Node built-in. The Node entry
 * may; the browser one never.
 */
function browserEntryStaysBrowserSafe(entry = 'index'): Plugin {
  return {
    name: 'webgpu-cnn:browser-entry-guard',
    generateBundle(_options, bundle) {
      const chunks = new Map<string, { imports: string[]; dynamicImports: string[] }>();
      for (const [fileName, item] of Object.entries(bundle)) {
        if (item.type === 'chunk') chunks.set(fileName, item);
      }
      const start = Object.entries(bundle).find(([, item]) => item.type === 'chunk' && item.isEntry && item.name === entry);
      if (!start) this.error(`no entry chunk named "${entry}"`);
      const seen = new Set<string>();
      const queue = [start[0]];
      const offending: string[] = [];
      while (queue.length > 0) {
        const fileName = queue.pop()!;
        if (seen.has(fileName)) continue;
        seen.add(fileName);
        const chunk = chunks.get(fileName);
        if (!chunk) {
          if (NODE_ONLY.test(fileName)) offending.push(fileName);
          continue;
        }
        queue.push(...chunk.imports, ...chunk.dynamicImports);
      }
      if (offending.length > 0) {
        this.error(`the browser entry ${start[0]} reaches Node-only modules: ${offending.join(', ')}`);
      }
    },
  };
}

// the library: dist/lib/index.js (browser) and dist/lib/node.js (Node, adds Dawn);
// WGSL arrives inlined through `?raw` imports; declarations come from tsconfig.build.json
export default defineConfig({
  publicDir: false,
  plugins: [browserEntryStaysBrowserSafe()],
  build: {
    outDir: 'dist/lib',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: {
      // cli: the `webgpu-cnn` command (bin/webgpu-cnn.js runs it in the published package)
      entry: { index: 'src/index.ts', node: 'src/node.ts', cli: 'src/cli/bin.ts' },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: {
      // the CLI's image decoders are dependencies, loaded from node_modules at run time;
      // the bench peers (ORT-web, TF.js) are optional dev tools, never bundled into the library
      external: (id) =>
        id === 'webgpu' ||
        id.startsWith('webgpu/') ||
        id.startsWith('node:') ||
        id === 'pngjs' ||
        id === 'jpeg-js' ||
        id.startsWith('onnxruntime-web') ||
        id.startsWith('@tensorflow/'),
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
