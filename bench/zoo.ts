/**
 * npm run bench:zoo [-- --runs 3 --models lenet5,resnet18,...]
 *
 * One line per zoo model (random weights, batch 1, standard size): fused
 * dispatches, planned activation memory against the naive sum, weights on
 * the GPU, compile time on a device whose pipeline cache is shared across
 * the models, and the median run latency (wall, incl. upload and readback)
 * after one warm-up run.
 */
import { compile } from '../src/graph/executor.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { median } from '../src/gpu/timer.js';
import { randomWeights } from '../src/models/random_weights.js';
import { ZOO, zooModel } from '../src/models/zoo.js';
import { option } from './args.js';

const runs = Number(option('runs', '3'));
const ids = option('models', ZOO.map((e) => e.id).join(',')).split(',');
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture}; batch 1, f32, random weights, ${runs} runs after 1 warm-up`);
console.log('\n| model | input | dispatches | planned MiB (arenas) | naive MiB | weights MiB | compile ms | run median ms |\n|---|---|---|---|---|---|---|---|');
for (const id of ids) {
  const entry = zooModel(id);
  const graph = entry.build();
  const weights = randomWeights(graph, 1);
  let t = performance.now();
  const model = await compile(ctx, graph, weights);
  const compileMs = performance.now() - t;
  const input = new Float32Array(entry.inputChannels * entry.inputSize ** 2).map((_, i) => Math.cos(i));
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    t = performance.now();
    await model.predict(input);
    if (i > 0) times.push(performance.now() - t);
  }
  const info = model.info;
  console.log(`| ${id} | ${entry.inputSize}² | ${info.dispatches} | ${mib(info.plannedBytes)} (${info.arenas}) | ${mib(info.naiveBytes)} | ${mib(info.weightBytes)} | ${compileMs.toFixed(0)} | ${median(times).toFixed(1)} |`);
  model.dispose();
}
ctx.device.destroy();
process.exit(0);
