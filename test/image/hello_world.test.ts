/**
 * The README's Node "hello world" (the ```js block that starts with
 * `// hello.mjs`), run exactly as written, as its own Node process, beside a
 * digit.png of an MNIST test digit: it must print LeNet-5's top 3 as
 * `[{ label, score }]` with the right digit first, and exit by itself (the
 * classifier's own GPU context released by dispose()). `webgpu-cnn/node`
 * resolves to this checkout's src/node.ts through vite-node, the way
 * bin/webgpu-cnn.js runs the CLI from source.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, expect, test } from 'vitest';
import { mnistTestDigits } from '../e2e/mnist_images.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'webgpu-cnn-hello-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The README's code block whose first line is `// hello.mjs…`. */
function helloWorld(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((code) => code.startsWith('// hello.mjs'));
  if (!block) throw new Error('README.md has no ```js block starting with // hello.mjs');
  return block;
}

test('the README hello world prints [{ label, score }] with the digit first, in ≤ 10 lines', async () => {
  const script = helloWorld();
  expect(script.trim().split('\n').length).toBeLessThanOrEqual(10);
  writeFileSync(join(dir, 'hello.mjs'), script);
  const digit = mnistTestDigits(1)[0]!; // a 7
  const png = new PNG({ width: 28, height: 28 });
  digit.pixels.forEach((v, i) => png.data.set([v, v, v, 255], 4 * i));
  writeFileSync(join(dir, 'digit.png'), PNG.sync.write(png));
  writeFileSync(
    join(dir, 'vite.config.mjs'),
    `export default { root: ${JSON.stringify(ROOT)}, resolve: { alias: [{ find: /^webgpu-cnn\\/node$/, replacement: ${JSON.stringify(join(ROOT, 'src/node.ts'))} }] } };\n`,
  );
  const viteNode = createRequire(import.meta.url).resolve('vite-node/cli');
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(process.execPath, [viteNode, '--config', join(dir, 'vite.config.mjs'), join(dir, 'hello.mjs')], { cwd: dir, timeout: 180_000 }, (error, out, err) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(code, stderr).toBe(0);
  const printed = [...stdout.matchAll(/\{\s*label: '([^']*)',\s*score: ([\d.e+-]+)\s*\}/g)].map((m) => ({ label: m[1]!, score: Number(m[2]) }));
  expect(printed, stdout).toHaveLength(3);
  expect(printed[0]!.label).toBe(String(digit.label));
  expect(printed[0]!.score).toBeGreaterThan(0.5);
  expect(printed[0]!.score).toBeGreaterThanOrEqual(printed[1]!.score);
  expect(printed.reduce((a, p) => a + p.score, 0)).toBeLessThanOrEqual(1 + 1e-9);
  console.log(`hello.mjs printed: ${stdout.trim().replace(/\s+/g, ' ')}`);
});
