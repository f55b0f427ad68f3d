/**
 * npm run soak [-- --runs 5000 --cycles 200 --concurrent 50]
 *
 * Does the runtime stay flat and right under long use? LeNet-5 with its
 * shipped weights on MNIST-shaped inputs:
 * - `runs` runs, printing RSS and live GPU buffers every 500, each output
 *   checked against the first run of the same input;
 * - `cycles` compile/dispose cycles, RSS and live buffers every 50;
 * - `concurrent` runs in flight at once against the same number in
 *   sequence: wall time and whether every output matches;
 * - what the GPU error scopes cost a run (3 push/pop pairs), against the
 *   median run.
 * Run with NODE_OPTIONS=--expose-gc for RSS after a collection.
 * Live buffers are counted through a device proxy (test/helpers/faulty_device.ts, no faults planned).
 */
import { readFileSync } from 'node:fs';
import { compile, type CompiledModel } from '../src/graph/executor.js';
import { withErrorScopes } from '../src/gpu/error_capture.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { median } from '../src/gpu/timer.js';
import { parseSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { lenet5, type LeNet5Variant } from '../src/models/lenet.js';
import { weightsForGraph } from '../src/models/weights.js';
import { faultyContext } from '../test/helpers/faulty_device.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

const runs = option('runs', 5000);
const cycles = option('cycles', 200);
const concurrent = option('concurrent', 50);
const weightsDir = new URL('../src/models/weights/', import.meta.url);
const info = JSON.parse(readFileSync(new URL('lenet5.json', weightsDir), 'utf8')) as { variant: LeNet5Variant };
const graph = lenet5({ variant: info.variant });
const weights = weightsForGraph(graph, readSafetensors(parseSafetensors(readFileSync(new URL('lenet5.safetensors', weightsDir)))));
const base = await createNodeGpuContext();
const counted = faultyContext(base);
const ctx = counted.ctx;
// with NODE_OPTIONS=--expose-gc, collect first so RSS shows what is really held
const mib = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return (process.memoryUsage().rss / 2 ** 20).toFixed(1);
};

let seed = 1;
const input = (): Float32Array => {
  const x = new Float32Array(32 * 32);
  for (let i = 0; i < x.length; i++) x[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 0.5;
  return x;
};
const inputs = Array.from({ length: 16 }, input);
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

console.log(`adapter: ${base.adapter.vendor} ${base.adapter.architecture} (${base.deviceClass} class); LeNet-5, batch 1`);
const model = await compile(ctx, graph, weights);
const expected = await Promise.all(inputs.map((x) => model.predict(x)));

console.log(`\n## ${runs} runs\n\n| runs | RSS MiB | live GPU buffers | wrong outputs |\n|---|---|---|---|`);
let wrong = 0;
const latencies: number[] = [];
for (let i = 1; i <= runs; i++) {
  const k = i % inputs.length;
  const t = performance.now();
  const y = await model.predict(inputs[k]!);
  latencies.push(performance.now() - t);
  if (!same(y, expected[k]!)) wrong++;
  if (i % 500 === 0 || i === 1 || i === runs) console.log(`| ${i} | ${mib()} | ${counted.liveBuffers()} | ${wrong} |`);
}

console.log(`\n## ${cycles} compile/dispose cycles\n\n| cycles | RSS MiB | live GPU buffers |\n|---|---|---|`);
const baselineBuffers = counted.liveBuffers();
for (let i = 1; i <= cycles; i++) {
  const m: CompiledModel = await compile(ctx, graph, weights);
  await m.predict(inputs[0]!);
  m.dispose();
  if (i % 50 === 0 || i === 1 || i === cycles) console.log(`| ${i} | ${mib()} | ${counted.liveBuffers()} (the open model holds ${baselineBuffers}) |`);
}

console.log(`\n## ${concurrent} runs: concurrent vs sequential\n\n| mode | wall ms | wrong outputs |\n|---|---|---|`);
for (const mode of ['sequential', 'concurrent'] as const) {
  const start = performance.now();
  let bad = 0;
  if (mode === 'sequential') {
    for (let i = 0; i < concurrent; i++) if (!same(await model.predict(inputs[i % inputs.length]!), expected[i % inputs.length]!)) bad++;
  } else {
    const ys = await Promise.all(Array.from({ length: concurrent }, (_, i) => model.predict(inputs[i % inputs.length]!)));
    ys.forEach((y, i) => (bad += same(y, expected[i % inputs.length]!) ? 0 : 1));
  }
  console.log(`| ${mode} | ${(performance.now() - start).toFixed(1)} | ${bad} |`);
}

// the run path's only addition for error capture: three scopes pushed and popped per run (one more per GPUBuffer input)
const scopeMs: number[] = [];
for (let i = 0; i < 2000; i++) {
  const t = performance.now();
  await withErrorScopes(base.device, { operation: 'probe' }, () => undefined).error;
  scopeMs.push(performance.now() - t);
}
console.log(`\nerror scopes per run: ${(median(scopeMs) * 1000).toFixed(1)} µs median (3 push/pop pairs, awaited alone) vs a median LeNet-5 run of ${median(latencies).toFixed(3)} ms; no extra mapAsync or submit`);
model.dispose();
console.log(`\nafter dispose: ${counted.liveBuffers()} live GPU buffers (the device's shared placeholder binding stays)`);
