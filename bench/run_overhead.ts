/**
 * npm run bench:overhead [-- --models lenet5,mobilenet_v2,resnet50 --size 224 --runs 20 --warmup 3 --device-class gpu]
 *
 * The CPU time a run spends before the GPU can start: from the call of
 * run() to the return of the queue.submit() that carries the model's
 * command buffer, with pre-encoding off (every run encodes its command
 * buffer: compile option `preEncode: false`) and on (the default: the run
 * submits a buffer encoded after the previous run's submit). Also how much
 * of that is the submit() call itself, and the whole synchronous part of
 * run(). Median of `runs` steady-state runs (each awaited) after `warmup`,
 * and the 10th percentile of run→submit (what a run costs when no other
 * process takes the CPU from it midway: the shared test machines are busy).
 * Random weights, batch 1; `--size` sets the input (SwiftShader runs
 * ResNet-50 at 224 slowly: the CPU side hardly depends on it).
 *
 * The submit is timed from outside: the model's device is a proxy whose
 * queue.submit notes when it was called and when it returned.
 */
import { compile } from '../src/graph/executor.js';
import type { DeviceClass, GpuContext } from '../src/gpu/device.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { median, quantile } from '../src/gpu/timer.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { option } from './args.js';

const models = option('models', 'lenet5,mobilenet_v2,resnet50').split(',');
const sizeOption = option('size', '');
const runs = Number(option('runs', '20'));
const warmup = Number(option('warmup', '3'));
const deviceClass = option('device-class', 'gpu') as DeviceClass;

/** The last submit's call and return times (performance.now()). */
const submits = { start: 0, end: 0 };

/** `base` with a device whose queue.submit is timed; every other call goes straight through. */
function timedContext(base: GpuContext): GpuContext {
  const real = base.device;
  const queue = new Proxy(real.queue, {
    get(target, key) {
      if (key === 'submit') {
        return (buffers: GPUCommandBuffer[]) => {
          submits.start = performance.now();
          target.submit(buffers);
          submits.end = performance.now();
        };
      }
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const device = new Proxy(real, {
    get(target, key) {
      if (key === 'queue') return queue;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...base, device };
}

const base = await createNodeGpuContext();
const ctx = timedContext(base);
console.log(`adapter: ${base.adapter.vendor} ${base.adapter.architecture} ${base.adapter.description} (${base.deviceClass} class; ${deviceClass} heuristics)`);
console.log(`batch 1, random weights, ${runs} runs after ${warmup} warm-up, medians in ms\n`);
console.log('| model | input | dispatches | pre-encode | run→submit | run→submit p10 | of which submit() | run() sync | run wall | speed-up run→submit (median, p10) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');

const ms = (x: number) => x.toFixed(3);
for (const id of models) {
  const entry = zooModel(id);
  const size = sizeOption ? Number(sizeOption) : entry.inputSize;
  const graph = entry.build({ batch: 1, inputSize: size });
  const weights = randomWeights(graph, 7);
  const input = new Float32Array(entry.inputChannels * size * size).map((_, i) => Math.sin(i));
  let before: number[] = [];
  for (const preEncode of [false, true]) {
    const model = await compile(ctx, graph, weights, { deviceClass, preEncode });
    const toSubmit: number[] = [];
    const inSubmit: number[] = [];
    const sync: number[] = [];
    const wall: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      const running = model.run(input);
      const t1 = performance.now();
      await running;
      const t2 = performance.now();
      if (i < warmup) continue;
      toSubmit.push(submits.end - t0);
      inSubmit.push(submits.end - submits.start);
      sync.push(t1 - t0);
      wall.push(t2 - t0);
    }
    const m = median(toSubmit);
    const p10 = quantile(toSubmit, 0.1);
    if (!preEncode) before = [m, p10];
    const speedUp = preEncode ? `${(before[0]! / m).toFixed(1)}×, ${(before[1]! / p10).toFixed(1)}×` : '';
    console.log(`| ${id} | ${size} | ${model.info.dispatches} | ${preEncode ? 'on' : 'off'} | ${ms(m)} | ${ms(p10)} | ${ms(median(inSubmit))} | ${ms(median(sync))} | ${median(wall).toFixed(1)} | ${speedUp} |`);
    model.dispose();
  }
}
