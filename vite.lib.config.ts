import { readFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import MagicString from 'magic-string';
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

/**
 * The shipped WGSL without its comments and indentation. The shaders in
 * shaders/ are written to be read (about 60% of their bytes are comments);
 * an app that bundles the library downloads them as strings it only hands
 * to the GPU, so the library build keeps the code and drops the prose
 * (gzip: 25 KiB → 10 KiB for all shaders). WGSL has no string literals, so
 * a `//` always starts a comment; the shaders use no block comments (the
 * build fails if one appears rather than guess at nesting). Line numbers
 * in a compile error then refer to the stripped text; the dev server and
 * the tests load the shaders as written.
 */
function compactWgsl(): Plugin {
  return {
    name: 'webgpu-cnn:compact-wgsl',
    enforce: 'pre',
    load(id) {
      const [file, query] = id.split('?');
      if (!file!.endsWith('.wgsl') || query !== 'raw') return null;
      const source = readFileSync(file!, 'utf8');
      if (source.includes('/*')) this.error(`${file}: block comments are not stripped; use // comments`);
      const code = source
        .split('\n')
        .map((line) => line.replace(/\/\/.*$/, '').trim())
        .filter((line) => line.length > 0)
        .join('\n');
      return `export default ${JSON.stringify(code + '\n')};`;
    },
  };
}

/** `new URL('./relative/file.ext', import.meta.url)` with a plain string literal: the asset pattern bundlers recognise. */
const ASSET_URL = /new\s+URL\(\s*(['"])(\.\.?\/[^'"]+)\1\s*,\s*import\.meta\.url\s*\)/g;
/** What the transform leaves in place of an asset's path until the chunk's own location is known. */
const PLACEHOLDER = /(?:\/\*\s*@vite-ignore\s*\*\/\s*)?"__webgpu_cnn_asset__([^"]+)__"/g;
const SCRIPT = /\.[cm]?[jt]sx?$/;
/** Block comments and whole-line comments, blanked (same length) so an example in a doc comment is not taken for code. */
const blankComments = (code: string) => code.replace(/\/\*[\s\S]*?\*\/|^[ \t]*\/\/.*$/gm, (c) => c.replace(/[^\n]/g, ' '));

/**
 * Ships the files src/ references as `new URL('./x', import.meta.url)` (the
 * LeNet-5 weights) as real files under dist/lib/assets/, and leaves that
 * same pattern in the built code, pointing from each chunk to its copy. A
 * library build of Vite would inline them as base64 data: URLs (+33%, in
 * every chunk that uses them, and no longer a file an app's bundler can
 * copy and cache). An app's Vite, webpack or Rollup sees the pattern in our
 * dist and copies the file; Node resolves it to a file: URL in the package.
 */
function shipUrlAssets(): Plugin {
  const emitted = new Map<string, string>(); // asset file name → source path
  return {
    name: 'webgpu-cnn:ship-url-assets',
    enforce: 'pre',
    buildStart() {
      emitted.clear();
    },
    transform: {
      filter: { id: /\/src\/.*\.ts$/, code: /import\.meta\.url/ },
      handler(code, id) {
        let s: MagicString | undefined;
        for (const match of blankComments(code).matchAll(ASSET_URL)) {
          const file = resolve(dirname(id), match[2]!);
          if (SCRIPT.test(file)) continue;
          const fileName = `assets/${basename(file)}`;
          const previous = emitted.get(fileName);
          if (previous !== undefined && previous !== file) this.error(`two assets named ${fileName}: ${previous} and ${file}`);
          if (previous === undefined) {
            emitted.set(fileName, file);
            this.emitFile({ type: 'asset', fileName, source: readFileSync(file) });
          }
          this.addWatchFile(file);
          s ??= new MagicString(code);
          // @vite-ignore keeps Vite's own asset plugin (which inlines in library builds) off this one
          s.overwrite(match.index, match.index + match[0].length, `new URL(/* @vite-ignore */ "__webgpu_cnn_asset__${fileName}__", import.meta.url)`);
        }
        return s ? { code: s.toString(), map: s.generateMap({ hires: 'boundary', source: id }) } : undefined;
      },
    },
    renderChunk(code, chunk) {
      if (!code.includes('__webgpu_cnn_asset__')) return null;
      const s = new MagicString(code);
      for (const match of code.matchAll(PLACEHOLDER)) {
        let path = relative(dirname(chunk.fileName), match[1]!).replaceAll('\\', '/');
        if (!path.startsWith('.')) path = `./${path}`;
        s.overwrite(match.index, match.index + match[0].length, JSON.stringify(path));
      }
      return { code: s.toString(), map: s.generateMap({ hires: 'boundary' }) };
    },
  };
}

/**
 * The declaration entries for TypeScript 5 and older: dist/lib/ts5/index.d.ts
 * and node.d.ts add `@webgpu/types` to the program and re-export the entry's
 * declarations. TypeScript 6 and later declare WebGPU in their own DOM lib,
 * which `@webgpu/types` clashes with (`Duplicate identifier
 * 'GPUCommandBufferDescriptor'`), so the entries tsc writes carry no
 * reference, and package.json's `types@>=6` conditions send TypeScript 6+
 * straight to them.
 */
function typeScript5Entries(): Plugin {
  const entry = (name: string) => `/// <reference types="@webgpu/types" />
// TypeScript < 6 has no WebGPU in its DOM lib; @webgpu/types supplies it (see package.json's types@>=6 conditions)
export * from '../${name}.js';
`;
  return {
    name: 'webgpu-cnn:typescript5-entries',
    generateBundle() {
      for (const name of ['index', 'node']) this.emitFile({ type: 'asset', fileName: `ts5/${name}.d.ts`, source: entry(name) });
    },
  };
}

// the library: dist/lib/index.js (browser) and dist/lib/node.js (Node, adds Dawn);
// WGSL arrives inlined through `?raw` imports; the shipped weights are files in dist/lib/assets/
// (shipUrlAssets); declarations come from tsconfig.build.json, plus the TypeScript 5 entries (typeScript5Entries)
export default defineConfig({
  publicDir: false,
  plugins: [compactWgsl(), shipUrlAssets(), typeScript5Entries(), browserEntryStaysBrowserSafe()],
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
      output: {
        chunkFileNames: 'chunks/[name]-[hash].js',
        // protobufjs (the ONNX reader and writer, ~120 KB unminified, CommonJS
        // and so never tree-shaken) gets a chunk of its own: left to the
        // default grouping it shares one with the op table, and every app,
        // even a LeNet-only one that never touches ONNX, then bundles it.
        codeSplitting: {
          groups: [
            // the error classes come first, or they follow proto.ts (which throws them) into the protobuf chunk
            { name: 'errors', test: /src[\\/]errors\.ts$/, priority: 2 },
            { name: 'protobuf', test: /node_modules[\\/](protobufjs|long|@protobufjs)[\\/]|src[\\/]onnx[\\/]proto\.ts$/, priority: 1 },
          ],
        },
      },
    },
  },
});
