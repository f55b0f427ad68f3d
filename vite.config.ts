import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const ROOT = import.meta.dirname;
/** The site's front page is the demo: demo/index.html is served and built as /index.html. */
const SITE_INDEX = resolve(ROOT, 'index.html');
const DEMO_HTML = resolve(ROOT, 'demo/index.html');

/**
 * Puts the demo at the site root without moving it out of demo/: in the dev
 * server `/` serves demo/index.html, in the build a virtual /index.html holds
 * it. Pages reference their scripts root-absolute (`/demo/main.ts`) so they
 * resolve the same from either place.
 */
function demoAtSiteRoot(): Plugin {
  return {
    name: 'webgpu-cnn:demo-at-site-root',
    resolveId(id) {
      return id === SITE_INDEX ? SITE_INDEX : undefined;
    },
    load(id) {
      return id === SITE_INDEX ? readFileSync(DEMO_HTML, 'utf8') : undefined;
    },
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const path = req.url?.split('?')[0];
        if (path === '/' || path === '/index.html') req.url = '/demo/index.html';
        next();
      });
    },
  };
}

// the static pages: dist/site/index.html (demo) and dist/site/bench/index.html;
// relative asset paths so the folder can be served from anywhere. ONNX Runtime
// Web's one wasm file reaches assets/ through bench/peers_browser.ts's `?url`
// import (and is served from node_modules by the dev server): no copy step.
export default defineConfig({
  root: ROOT,
  base: './',
  publicDir: false,
  plugins: [demoAtSiteRoot()],
  appType: 'mpa',
  build: {
    outDir: 'dist/site',
    emptyOutDir: true,
    target: 'es2022',
    // every browser with WebGPU has modulepreload
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: { index: SITE_INDEX, bench: resolve(ROOT, 'bench/index.html') },
    },
  },
});
