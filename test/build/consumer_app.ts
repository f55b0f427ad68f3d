/**
 * The project test/build/package.test.ts installs the packed tarball into:
 * what a user would write, through the package's public entry points only.
 * Kept as text (not files under test/) because the repo's own tsconfig would
 * typecheck `import … from 'webgpu-cnn'` against this checkout.
 */

/**
 * Node: the shipped LeNet-5 on the first `count` digits of an MNIST IDX
 * file; prints the predicted digits and the ImageNet labels' size and #281.
 */
const CLASSIFY_MJS = `import { readFileSync } from 'node:fs';
import { compile, createNodeGpuContext, lenet5, lenet5Input, loadPretrainedWeights } from 'webgpu-cnn/node';
import { imagenetLabels } from 'webgpu-cnn';

const [imagesPath, count] = [process.argv[2], Number(process.argv[3])];
const pixels = readFileSync(imagesPath).subarray(16, 16 + count * 784);
const ctx = await createNodeGpuContext();
const model = await compile(ctx, lenet5({ batch: count }), await loadPretrainedWeights('lenet5'));
const logits = await model.predict(lenet5Input(pixels));
const predictions = [];
for (let i = 0; i < count; i++) {
  const row = Array.from(logits.subarray(10 * i, 10 * i + 10));
  predictions.push(row.indexOf(Math.max(...row)));
}
const labels = await imagenetLabels();
process.stdout.write(JSON.stringify({ predictions, labels: labels.length, label281: labels[281] }) + '\\n');
model.dispose();
ctx.device.destroy();
`;

/** A LeNet-only web app: window.classify(pixels of n digits) → n predicted digits. */
const MAIN_JS = `import { compile, createGpuContext, lenet5, lenet5Input, loadPretrainedWeights } from 'webgpu-cnn';

const models = new Map();
window.classify = async (pixels) => {
  const count = pixels.length / 784;
  if (!models.has(count)) {
    models.set(count, (async () => compile(await createGpuContext(), lenet5({ batch: count }), await loadPretrainedWeights('lenet5')))());
  }
  const logits = await (await models.get(count)).predict(lenet5Input(Uint8Array.from(pixels)));
  return Array.from({ length: count }, (_, i) => {
    const row = Array.from(logits.subarray(10 * i, 10 * i + 10));
    return row.indexOf(Math.max(...row));
  });
};
document.querySelector('#status').textContent = 'ready';
`;

const INDEX_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>LeNet-only app</title></head>
<body><p id="status">loading</p><script type="module" src="./main.js"></script></body></html>
`;

/** Typechecked, never run: the browser entry's types. */
const BROWSER_TS = `import { compile, createGpuContext, imagenetLabels, lenet5, lenet5Input, loadPretrainedWeights, zooModel, type WeightMap } from 'webgpu-cnn';
const ctx = await createGpuContext();
const weights: WeightMap = await loadPretrainedWeights('lenet5', { onProgress: ({ fraction }) => console.log(fraction) });
const model = await compile(ctx, zooModel('lenet5').build(), weights);
const logits: Float32Array = await model.predict(lenet5Input(new Uint8Array(784)));
const labels: readonly string[] = await imagenetLabels();
const device: GPUDevice = ctx.device;
console.log(logits.length, labels[0], device.label, lenet5().inputs.length);
`;

/** Typechecked, never run: the Node entry's types. */
const NODE_TS = `import { compile, createNodeGpuContext, lenet5, lenet5Input, loadPretrainedWeights, loadSafetensorsFile } from 'webgpu-cnn/node';
const ctx = await createNodeGpuContext();
const model = await compile(ctx, lenet5(), await loadPretrainedWeights('lenet5'));
const logits: Float32Array = await model.predict(lenet5Input(new Uint8Array(784)));
console.log(logits.length, typeof loadSafetensorsFile, process.version);
`;

/** A consumer tsconfig: strict, skipLibCheck off, the given module settings and libs. */
function tsconfig(file: string, options: { module: string; moduleResolution: string; lib: string[]; types: string[] }): string {
  return `${JSON.stringify(
    {
      compilerOptions: { target: 'ES2022', ...options, strict: true, skipLibCheck: false, noEmit: true },
      files: [file],
    },
    null,
    2,
  )}\n`;
}

/**
 * The one-line fix the README gives a Node project: WebGPU's types live in
 * TypeScript's DOM library (TypeScript 6+) or need it (@webgpu/types), so a
 * Node tsconfig adds "DOM" to `lib`.
 */
export const NODE_LIB_FIX = ['ES2022', 'DOM'];

/** path → contents of the consumer project (package.json is written by npm install). */
export function consumerFiles(): Record<string, string> {
  return {
    'classify.mjs': CLASSIFY_MJS,
    'web/index.html': INDEX_HTML,
    'web/main.js': MAIN_JS,
    'types/browser.ts': BROWSER_TS,
    'types/node.ts': NODE_TS,
    'tsconfig.browser.json': tsconfig('types/browser.ts', { module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'], types: [] }),
    'tsconfig.node.json': tsconfig('types/node.ts', { module: 'NodeNext', moduleResolution: 'NodeNext', lib: NODE_LIB_FIX, types: ['node'] }),
    'tsconfig.node-without-dom.json': tsconfig('types/node.ts', { module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022'], types: ['node'] }),
  };
}
