/**
 * npm run bench:model -- <zoo-id> [--runs 10] [--warmup 2] [--batch 1] [--size 224] [--strategy auto] [--device-class gpu|cpu] [--top 10] [--json out.json]
 *
 * Whole-network figures for one zoo model with seeded random weights:
 * compile time cold (new device, empty pipeline cache) and warm (same
 * device, cached pipelines), the first run, then the run latency (median,
 * p10, p90 of N runs after warm-up, wall time including input upload and
 * output readback), the GPU time of one profiled run, and planned activation
 * memory against the naive sum. `--device-class` forces the heuristic that
 * `auto` uses (default: the adapter's class, see deviceClassOf).
 */
import { writeFileSync } from 'node:fs';
import { latencyStats } from '../src/bench/stats.js';
import { compile } from '../src/graph/executor.js';
import type { StrategyChoice } from '../src/graph/passes/index.js';
import type { DeviceClass } from '../src/gpu/device.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { option } from './args.js';

const id = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--')) ?? 'resnet50';
const entry = zooModel(id);
const runs = Number(option('runs', '10'));
const warmup = Number(option('warmup', '2'));
const batch = Number(option('batch', '1'));
const size = Number(option('size', String(entry.inputSize)));
const strategy = option('strategy', 'auto') as StrategyChoice;
const deviceClassOption = option('device-class', '') as DeviceClass | '';
if (deviceClassOption && deviceClassOption !== 'gpu' && deviceClassOption !== 'cpu') throw new Error(`--device-class must be gpu or cpu, got ${deviceClassOption}`);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

const graph = entry.build({ batch, inputSize: size });
const weights = randomWeights(graph, 7);
const input = new Float32Array(batch * entry.inputChannels * size * size).map((_, i) => Math.sin(i));

const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}`);
const deviceClass = deviceClassOption || ctx.deviceClass;
console.log(`model: ${id} batch ${batch} input ${size}×${size}, strategy ${strategy} (${deviceClass} heuristic), random weights`);

let t = performance.now();
const model = await compile(ctx, graph, weights, { strategy, deviceClass });
const compileCold = performance.now() - t;
t = performance.now();
await model.run(input);
const firstRun = performance.now() - t;
t = performance.now();
const second = await compile(ctx, graph, weights, { strategy, deviceClass });
const compileWarm = performance.now() - t;
second.dispose();

for (let i = 0; i < warmup; i++) await model.run(input);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  t = performance.now();
  await model.run(input);
  times.push(performance.now() - t);
}
const latency = latencyStats(times);
const { profile } = await model.run(input, { profile: true });
const info = model.info;

const rows: [string, string][] = [
  ['dispatches per run', String(info.dispatches)],
  ['compile, cold (new device)', `${compileCold.toFixed(0)} ms`],
  ['compile, warm pipeline cache', `${compileWarm.toFixed(0)} ms`],
  ['first run (cold start)', `${firstRun.toFixed(1)} ms`],
  [`run latency median (${runs} runs)`, `${latency.median.toFixed(2)} ms`],
  ['run latency p10 / p90', `${latency.p10.toFixed(2)} / ${latency.p90.toFixed(2)} ms`],
  ['GPU time (timestamps, one run)', profile?.available ? `${profile.totalMilliseconds.toFixed(2)} ms` : `n/a: ${profile?.reason}`],
  ['planned activation memory', `${mib(info.plannedBytes)} in ${info.arenas} arenas`],
  ['naive (one buffer per tensor)', mib(info.naiveBytes)],
  ['weights on the GPU', mib(info.weightBytes)],
];
console.log(`\n| ${id} | |\n|---|---|`);
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
const top = Number(option('top', '0'));
if (top && profile?.available) {
  console.log(`\n| slowest nodes (GPU ms) | kind | ms |\n|---|---|---|`);
  const kinds = new Map(info.nodes.map((n) => [n.name, n.strategy ?? n.kind]));
  for (const n of [...profile.nodes].sort((a, b) => b.milliseconds - a.milliseconds).slice(0, top)) {
    console.log(`| ${n.sources.join('+')} | ${kinds.get(n.name) ?? ''} | ${n.milliseconds.toFixed(2)} |`);
  }
}
if (info.notices.length) console.log(`\nnotices:\n${info.notices.join('\n')}`);
const jsonPath = option('json', '');
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ adapter: ctx.adapter, id, batch, size, strategy, deviceClass, compileCold, compileWarm, firstRun, times, profile, info }, null, 2));
model.dispose();
ctx.device.destroy();
process.exit(0);
