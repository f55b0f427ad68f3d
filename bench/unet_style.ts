/**
 * npm run bench:unet-style [-- --size 256 --runs 3 --models unet,style_transfer --peers all|none]
 *
 * The zoo's dense-prediction models (U-Net, fast style transfer) at one
 * resolution, batch 1, f32, random weights. Each is exported to ONNX once;
 * ours runs that file through the importer and ONNX Runtime Web's WebGPU EP
 * (and TF.js's WebGPU backend where it has the ops) runs the same file on
 * the same Dawn GPU in the same process (src/bench/peers_node.ts). One table
 * per model: median wall latency of `runs` runs after one warm-up (upload
 * and readback included, for every runtime), cold start, dispatches, and
 * our planned activation memory against the naive one-buffer-per-tensor
 * sum, plus each peer's relative L2 from our output. On SwiftShader the
 * figures are CPU emulation: compare the runtimes with each other only.
 */
import { timeWall } from '../src/bench/stats.js';
import { runNodePeers, type PeerResult } from '../src/bench/peers_node.js';
import { compile } from '../src/graph/executor.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { exportOnnx } from '../src/onnx/export.js';
import { parseOnnx } from '../src/onnx/import.js';
import { option } from './args.js';

const size = Number(option('size', '256'));
const runs = Number(option('runs', '3'));
const ids = option('models', 'unet,style_transfer').split(',');
// --peers none: ours only (ORT-web on SwiftShader takes several times our time)
const withPeers = option('peers', 'all') !== 'none';
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const ms = (v: number) => v.toFixed(0);
const log = (line: string) => console.error(`  ${line}`);

const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture}; ${size}×${size}, batch 1, f32, random weights; median of ${runs} runs after 1 warm-up (wall: upload + run + readback)`);

for (const id of ids) {
  const zoo = zooModel(id);
  const zooGraph = zoo.build({ inputSize: size });
  const onnx = exportOnnx(zooGraph, randomWeights(zooGraph, 1));
  // ours runs the very file the peers get
  const { graph, weights } = parseOnnx(onnx);
  const inputName = graph.inputs[0]!.name;
  const outputName = graph.outputs[0]!.name;
  const input = new Float32Array(3 * size * size).map((_, i) => Math.sin(i * 0.37));
  log(`${id}: compiling`);
  const start = performance.now();
  const model = await compile(ctx, graph, weights, { label: id });
  let out = (await model.run({ [inputName]: input })).float(outputName);
  const coldMs = performance.now() - start;
  const wall = await timeWall(async () => (out = (await model.run({ [inputName]: input })).float(outputName)), runs, 1);
  const info = model.info;
  model.dispose();
  // our row first: a peer that takes many minutes on an emulated GPU should not hold it back
  console.log(`\n### ${id} ${size}×${size} (${(onnx.byteLength / 2 ** 20).toFixed(1)} MiB ONNX, ${graph.nodes.length} nodes)\n`);
  console.log('| runtime | median ms | p10–p90 ms | cold ms | dispatches | planned MiB (arenas) | naive MiB | rel L2 vs ours |\n|---|---|---|---|---|---|---|---|');
  console.log(`| webgpu-cnn | ${ms(wall.median)} | ${ms(wall.p10)}–${ms(wall.p90)} | ${ms(coldMs)} | ${info.dispatches} | ${mib(info.plannedBytes)} (${info.arenas}) | ${mib(info.naiveBytes)} | — |`);
  if (!withPeers) continue;
  log(`${id}: peers`);
  const peers: PeerResult[] = await runNodePeers(ctx, { graph, weights, onnx, inputs: { [inputName]: input }, ours: { [outputName]: out }, runs, warmup: 1 }, log);
  for (const p of peers) {
    if (!p.available || !p.wallMs) console.log(`| ${p.name} | — (${p.reason}) | | | | | | |`);
    else console.log(`| ${p.name} | ${ms(p.wallMs.median)} | ${ms(p.wallMs.p10)}–${ms(p.wallMs.p90)} | ${ms(p.coldMs!)} | n/a | n/a | n/a | ${p.relL2!.toExponential(1)} |`);
  }
}
ctx.device.destroy();
process.exit(0);
