/**
 * npx vite-node bench/stem_nchw.ts [-- --models resnet18,mobilenet_v2 --size 64 --batch 1 --runs 20 --warmup 3 --device-class gpu]
 *
 * What reading the NCHW input in the stem saves (compile option
 * `readNchwInputs`, graph/placement.ts): per model, the dispatches and the
 * planned arena bytes with and without the input's permute, the median wall
 * time of a whole run (runs of the two compiles interleaved, so drift of a
 * shared machine hits both alike), and — where the adapter has timestamps —
 * the GPU time of the input permute plus the stem conv against the stem
 * conv reading NCHW. Random weights.
 */
import { compile, type CompiledModel } from '../src/graph/executor.js';
import type { DeviceClass } from '../src/gpu/device.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { median } from '../src/gpu/timer.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { option } from './args.js';

const models = option('models', 'resnet18,mobilenet_v2').split(',');
const size = Number(option('size', '64'));
const batch = Number(option('batch', '1'));
const runs = Number(option('runs', '20'));
const warmup = Number(option('warmup', '3'));
const deviceClass = option('device-class', 'gpu') as DeviceClass;

const ctx = await createNodeGpuContext();
const info = ctx.adapter;
console.log(`adapter: ${info.vendor} ${info.architecture} ${info.description} (class ${ctx.deviceClass}); rules ${deviceClass}; batch ${batch} at ${size}×${size}; median of ${runs} runs after ${warmup}`);
console.log('| model | stem | dispatches (permute → NCHW stem) | arena MiB | run ms (permute → NCHW stem) | input permute + stem GPU ms → stem GPU ms |');
console.log('|---|---|---|---|---|---|');

/** GPU ms of the first steps up to and including the stem (the input permute, when there is one). */
async function stemGpuMs(model: CompiledModel, x: Float32Array, stem: string): Promise<number | undefined> {
  const samples: number[] = [];
  for (let i = 0; i < Math.min(runs, 10); i++) {
    const { profile } = await model.run(x, { profile: true });
    if (!profile?.available) return undefined;
    const upTo = profile.nodes.findIndex((n) => n.name === stem);
    samples.push(profile.nodes.slice(0, upTo + 1).reduce((s, n) => s + n.milliseconds, 0));
  }
  return median(samples);
}

for (const id of models) {
  const graph = zooModel(id).build({ batch, inputSize: size });
  const weights = randomWeights(graph);
  const x = new Float32Array(graph.tensors[graph.inputs[0]!.tensor]!.shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  const permuted = await compile(ctx, graph, weights, { deviceClass, readNchwInputs: false });
  const direct = await compile(ctx, graph, weights, { deviceClass });
  const stem = direct.info.nodes.find((n) => n.kind === 'conv')!;
  for (let i = 0; i < warmup; i++) for (const m of [permuted, direct]) await m.run(x);
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, m] of [permuted, direct].entries()) {
      const t = performance.now();
      await m.run(x);
      times[k]!.push(performance.now() - t);
    }
  }
  const [gpuBefore, gpuAfter] = [await stemGpuMs(permuted, x, stem.name), await stemGpuMs(direct, x, stem.name)];
  const mib = (m: CompiledModel) => (m.info.plannedBytes / 2 ** 20).toFixed(2);
  const gpu = gpuBefore === undefined || gpuAfter === undefined ? 'no timestamps' : `${gpuBefore.toFixed(3)} → ${gpuAfter.toFixed(3)}`;
  console.log(
    `| ${id} | ${stem.name} ${stem.strategy} | ${permuted.info.dispatches} → ${direct.info.dispatches} | ${mib(permuted)} → ${mib(direct)} | ` +
      `${median(times[0]).toFixed(2)} → ${median(times[1]).toFixed(2)} | ${gpu} |`,
  );
  permuted.dispose();
  direct.dispose();
}
ctx.device.destroy();
