/**
 * npm run bench:peers -- <zoo-id,...> [--size N] [--runs 3] [--warmup 1] [--autotune] [--autotune-file f.json] [--json out.json]
 *
 * Whole-network latency, batch 1, seeded random weights: ours (auto, and
 * tuned with --autotune) vs ONNX Runtime Web's WebGPU EP and TF.js's WebGPU
 * backend on the same Dawn GPU, each peer's output checked against ours;
 * with --autotune also the winner per conv layer shape over all the models.
 */
import { writeFileSync } from 'node:fs';
import { memoryAutotuneStore } from '../src/autotune/store.js';
import { fileAutotuneStore } from '../src/autotune/store_node.js';
import { runTuned, type TunedRun } from '../src/bench/compare.js';
import { runNodePeers } from '../src/bench/peers_node.js';
import { speedup } from '../src/bench/ratio.js';
import { timeWall, type LatencyStats } from '../src/bench/stats.js';
import { mergeWinnerRows, winnerCounts, winnersTable } from '../src/bench/winners.js';
import { compile } from '../src/graph/executor.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { option } from './args.js';
const ids = (process.argv.slice(2).find((a, i, all) => a !== '--' && !a.startsWith('--') && !all[i - 1]?.startsWith('--')) ?? 'lenet5').split(',');
const runs = Number(option('runs', '3'));
const warmup = Number(option('warmup', '1'));
const tune = process.argv.includes('--autotune');
const tuneFile = option('autotune-file', '');
// one store for every model: a shape two models share is measured once
const store = tuneFile ? fileAutotuneStore(tuneFile) : memoryAutotuneStore();
const ctx = await createNodeGpuContext();
const log = (line: string) => console.error(`  ${line}`);
const fmt = (s?: LatencyStats) => (s ? `${s.median.toFixed(s.median < 10 ? 2 : 1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : 'n/a');
// src/bench/ratio.ts's convention: peer ÷ ours, above 1 ours is faster
const ratio = (ours?: LatencyStats, peer?: LatencyStats) => speedup(peer?.median, ours?.median)?.toFixed(2) ?? '–';
const err = (p?: { available: boolean; relL2?: number; reason?: string }) => (p?.available ? p.relL2!.toExponential(1) : `n/a: ${p?.reason}`);
const header = [
  `adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}; batch 1; ${runs} runs after ${warmup} warm-up; wall ms (median (min–max)) incl. upload + readback; ratios are peer ÷ ours (above 1: ours faster)`,
  '',
  '| model | input | ours auto | ours tuned | ORT-web WebGPU | TF.js WebGPU | ORT÷auto | TF.js÷auto | ORT÷tuned | TF.js÷tuned | tuned rel. L2 | ORT rel. L2 | TF.js rel. L2 |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const lines: string[] = [];
const rows: unknown[] = [];
const tunedRuns: TunedRun[] = [];
for (const id of ids) {
  const entry = zooModel(id);
  // LeNet-5 is built for 32×32 only
  const size = id.startsWith('lenet') ? entry.inputSize : Number(option('size', String(entry.inputSize)));
  const graph = entry.build({ inputSize: size });
  const weights = randomWeights(graph, 7);
  const image = new Float32Array(entry.inputChannels * size * size).map((_, i) => Math.sin(i * 0.37));
  const inputs = { [graph.inputs[0]!.name]: image };
  log(`${id}: compiling (auto)`);
  const model = await compile(ctx, graph, weights, { label: id });
  const ours = (await model.run(inputs)).floats();
  const auto = await timeWall(() => model.run(inputs), runs, warmup);
  model.dispose();
  log(`${id}: ours auto ${fmt(auto)} ms`);
  const tuned = tune ? await runTuned(ctx, { graph, weights, inputs, ours, runs, warmup, store, label: id }, (l) => log(`${id}: ${l}`)) : undefined;
  if (tuned) tunedRuns.push(tuned);
  const peers = await runNodePeers(ctx, { graph, weights, inputs, ours, runs, warmup }, (l) => log(`${id}: ${l}`));
  const ort = peers.find((p) => p.name.startsWith('ort'));
  const tf = peers.find((p) => p.name.startsWith('tfjs'));
  const line = `| ${id} | ${size}² | ${fmt(auto)} | ${fmt(tuned?.wallMs)} | ${fmt(ort?.wallMs)} | ${fmt(tf?.wallMs)} | ${ratio(auto, ort?.wallMs)} | ${ratio(auto, tf?.wallMs)} | ${ratio(tuned?.wallMs, ort?.wallMs)} | ${ratio(tuned?.wallMs, tf?.wallMs)} | ${tuned ? tuned.relL2.toExponential(1) : '–'} | ${err(ort)} | ${err(tf)} |`;
  lines.push(line);
  console.error(line);
  rows.push({ id, size, auto, tuned: tuned && { wallMs: tuned.wallMs, relL2: tuned.relL2, layers: tuned.report.layers, winners: tuned.winners }, peers });
}
console.log([...header, ...lines].join('\n'));
if (tunedRuns.length) {
  const winners = mergeWinnerRows(tunedRuns.flatMap((t) => t.winners));
  console.log(`\nWinner per conv layer shape (autotune's GPU-timestamp medians; ${winners.length} shapes: ${winnerCounts(winners)}):\n`);
  console.log(winnersTable(winners).join('\n'));
}
const json = option('json', '');
if (json) writeFileSync(json, JSON.stringify({ adapter: ctx.adapter, runs, warmup, rows }, null, 1));
process.exit(0);
