/**
 * The library build keeps Dawn and Node built-ins out of the browser entry,
 * and produces every file the package's exports map points at.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
// `webgpu` is Dawn's package; `webgpu-cnn` (our own name, e.g. in a doc example) is not it
const NODE_ONLY = /^(webgpu(\/|$)|node:|fs$|path$|child_process$|module$)/;
let outDir: string;

/** Static and dynamic import specifiers of an ES module's text. */
function importsOf(code: string): string[] {
  const specifiers: string[] = [];
  // doc comments keep `import … from 'webgpu-cnn'` examples: they are not imports
  code = code.replace(/\/\*[\s\S]*?\*\//g, '');
  const pattern = /\b(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
  for (const match of code.matchAll(pattern)) specifiers.push(match[1] ?? match[2]!);
  return specifiers;
}

/** Every bare or built-in specifier reachable from one output file, following relative imports. */
function externalImportsReachableFrom(entry: string): Set<string> {
  const external = new Set<string>();
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else external.add(specifier);
    }
  }
  return external;
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'webgpu-cnn-lib-'));
  await build({ configFile: join(ROOT, 'vite.lib.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: ROOT,
    stdio: 'pipe',
  });
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

test('the browser entry reaches neither webgpu (Dawn) nor Node built-ins', () => {
  const external = [...externalImportsReachableFrom(join(outDir, 'index.js'))];
  expect(external.filter((specifier) => NODE_ONLY.test(specifier))).toEqual([]);
});

test('the Node entry loads Dawn from the optional peer dependency', () => {
  const external = externalImportsReachableFrom(join(outDir, 'node.js'));
  expect(external.has('webgpu')).toBe(true);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.peerDependenciesMeta?.webgpu?.optional).toBe(true);
  expect(pkg.dependencies?.webgpu).toBeUndefined();
});

test('every path in the exports map is produced by the build', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.exports);
  collect([pkg.main, pkg.module, pkg.types]);
  const built = targets.filter((target) => target.startsWith('./dist/lib/'));
  expect(built.length).toBeGreaterThan(4);
  for (const target of built) {
    expect(existsSync(join(outDir, target.slice('./dist/lib/'.length))), target).toBe(true);
  }
});
