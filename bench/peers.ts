/**
 * npm run bench:peers -- <zoo-id,...> [--size N] [--runs 3] [--warmup 1] [--autotune] [--json out.json]
 *
 * Whole-network latency, batch 1, seeded random weights: ours (auto, and
 * tuned with --autotune) vs ONNX Runtime Web's WebGPU EP and TF.js's WebGPU
 * backend on the same Dawn GPU, each peer's output checked against ours.
 */
import { writeFileSync } from 'node:fs';
import { memoryAutotuneStore } from '../src/autotune/store.js';
import { runNodePeers } from '../src/bench/peers_node.js';
import { timeWall, type LatencyStats } from '../src/bench/stats.js';
import { compile, type CompileOptions } from '../src/graph/executor.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const ids = (process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--')) ?? 'lenet5').split(',');
const runs = Number(option('runs', '3'));
const warmup = Number(option('warmup', '1'));
const tune = process.argv.includes('--autotune');
const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}; ${runs} runs after ${warmup} warm-up, wall ms incl. upload + readback`);
const fmt = (s?: LatencyStats) => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : 'n/a');
const rows: unknown[] = [];
console.log('\n| model | input | ours auto | ours tuned | ORT-web WebGPU | TF.js WebGPU | ORT rel. L2 | TF.js rel. L2 |\n|---|---|---|---|---|---|---|---|');
for (const id of ids) {
  const entry = zooModel(id);
  // LeNet-5 is built for 32×32 only
  const size = id.startsWith('lenet') ? entry.inputSize : Number(option('size', String(entry.inputSize)));
  const graph = entry.build({ inputSize: size });
  const weights = randomWeights(graph, 7);
  const image = new Float32Array(entry.inputChannels * size * size).map((_, i) => Math.sin(i * 0.37));
  const inputs = { [graph.inputs[0]!.name]: image };
  const ours = async (options: CompileOptions) => {
    const model = await compile(ctx, graph, weights, options);
    const first = await model.run(inputs);
    const wall = await timeWall(() => model.run(inputs), runs, warmup);
    const info = model.info;
    model.dispose();
    return { wall, outputs: first.outputs, info };
  };
  const auto = await ours({});
  const tuned = tune ? await ours({ autotune: { store: memoryAutotuneStore(), runs: 2, warmup: 0 } }) : undefined;
  const peers = await runNodePeers(ctx, { graph, weights, inputs, ours: auto.outputs, runs, warmup }, (l) => console.error(`  ${id}: ${l}`));
  const ort = peers.find((p) => p.name.startsWith('ort'));
  const tf = peers.find((p) => p.name.startsWith('tfjs'));
  const err = (p?: { available: boolean; relL2?: number; reason?: string }) => (p?.available ? p.relL2!.toExponential(1) : `n/a: ${p?.reason}`);
  console.log(`| ${id} | ${size}² | ${fmt(auto.wall)} | ${fmt(tuned?.wall)} | ${fmt(ort?.wallMs)} | ${fmt(tf?.wallMs)} | ${err(ort)} | ${err(tf)} |`);
  rows.push({ id, size, auto: auto.wall, tuned: tuned?.wall, tunedLayers: tuned?.info.autotune?.layers, peers });
}
const json = option('json', '');
if (json) writeFileSync(json, JSON.stringify({ adapter: ctx.adapter, runs, warmup, rows }, null, 1));
process.exit(0);
