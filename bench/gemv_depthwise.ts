/**
 * npm run bench:gemv-depthwise [-- --runs 10 --warmup 2 --only fc|dw --layer fc8]
 *
 * GPU time of the specialised kernels against what they replace, on real
 * layer shapes at batch 1 (f32): the GEMV vs the tiled GEMM on its 4x256
 * tile for the fully connected layers of VGG-16 and AlexNet (and, where the
 * device has the `subgroups` feature, the GEMV reducing with subgroupAdd
 * against its workgroup-memory tree: `speed-up` is then over the tree), and the
 * register-tiled depthwise variant vs the generic depthwise kernel on
 * MobileNetV2 / EfficientNet-B0 layers. Median, p10, p90 of N runs after
 * warm-up; GB/s counts the weight bytes (what bounds a GEMV), GFLOP/s 2 per
 * multiply-accumulate. GPU timestamps when the adapter has them, queue
 * completion otherwise; on SwiftShader compare kernels with each other only.
 * `--layer` keeps layers whose name contains the text.
 */
import { createTensorBuffer, placeholderBuffer } from '../src/gpu/buffers.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { latencyStats } from '../src/bench/stats.js';
import { PassTimer } from '../src/gpu/timer.js';
import { depthwiseGenericDispatch, depthwiseStrategy, depthwiseTiledDispatch } from '../src/kernels/conv2d_depthwise.js';
import { conv2dShape, fullSlice } from '../src/kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type DispatchSpec } from '../src/kernels/dispatch.js';
import { gemm, linearWeightToGemm } from '../src/kernels/gemm.js';
import { gemv, gemvWeight } from '../src/kernels/gemv.js';
import { option, randomData } from './args.js';

const runs = Number(option('runs', '10'));
const warmup = Number(option('warmup', '2'));
const only = option('only', '');
const layerFilter = option('layer', '');

const ctx = await createNodeGpuContext();
const { device } = ctx;
const timer = new PassTimer(ctx);
const unused = placeholderBuffer(device);
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} (${ctx.deviceClass})`);
console.log(`timing: ${timer.source}; ${runs} runs after ${warmup} warm-up, batch 1, f32; subgroups ${ctx.features.subgroups ? 'on' : 'not offered'}`);

async function time(specs: DispatchSpec[]): Promise<ReturnType<typeof latencyStats>> {
  const prepared = await Promise.all(specs.map((d) => prepareDispatch(device, d)));
  const times: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
    if (i >= warmup) times.push(t.milliseconds);
  }
  prepared.forEach(releaseDispatch);
  return latencyStats(times);
}

const row = (cells: (string | number)[]) => console.log(`| ${cells.join(' | ')} |`);

if (!only || only === 'fc') {
  // [model, layer, in, out]; VGG's fc6 weight (411 MB) exceeds a 128 MiB binding: measured where the adapter allows it
  const FC = [
    ['vgg16', 'classifier.0 (fc6)', 25088, 4096],
    ['vgg16', 'classifier.3 (fc7)', 4096, 4096],
    ['vgg16', 'classifier.6 (fc8)', 4096, 1000],
    ['alexnet', 'classifier.1 (fc6)', 9216, 4096],
    // not a zoo layer: K so short that the workgroup reduction is a large share of the GEMV
    ['synthetic', 'short K (reduction-bound)', 128, 16384],
  ] as const;
  console.log('\n| model | layer | K×N | kernel | median ms | p10 | p90 | GB/s | speed-up |\n|---|---|---|---|---|---|---|---|---|');
  for (const [model, layer, k, n] of FC.filter((l) => l[1].includes(layerFilter))) {
    if (k * n * 4 > ctx.limits.maxStorageBufferBindingSize) {
      row([model, layer, `${k}×${n}`, '(weight over one binding here)', '', '', '', '', '']);
      continue;
    }
    const w = randomData(k * n);
    const x = createTensorBuffer(device, randomData(k), 'x');
    const bias = createTensorBuffer(device, randomData(n), 'bias');
    const output = createTensorBuffer(device, n * 4, 'y');
    const bGemm = createTensorBuffer(device, linearWeightToGemm(w, n, k), 'w gemm');
    const gemmStats = await time([gemm({ m: 1, n, k, ldc: n }, { a: x, b: bGemm, bias, output, unused }, { activation: 'relu' }, '4x256')]);
    bGemm.destroy();
    const bGemv = createTensorBuffer(device, gemvWeight(w, n, k), 'w gemv');
    const gemvStats = await time([gemv({ m: 1, n, k }, { x, weight: bGemv, bias, output, unused }, { activation: 'relu' })]);
    const subgroupStats = ctx.features.subgroups
      ? await time([gemv({ m: 1, n, k }, { x, weight: bGemv, bias, output, unused }, { activation: 'relu' }, 'gemv subgroups', { subgroups: true })])
      : undefined;
    bGemv.destroy();
    const gbs = (ms: number) => ((k * n * 4) / (ms * 1e6)).toFixed(2);
    row([model, layer, `${k}×${n}`, 'gemm 4x256', gemmStats.median.toFixed(3), gemmStats.p10.toFixed(3), gemmStats.p90.toFixed(3), gbs(gemmStats.median), '']);
    row([model, layer, `${k}×${n}`, 'gemv', gemvStats.median.toFixed(3), gemvStats.p10.toFixed(3), gemvStats.p90.toFixed(3), gbs(gemvStats.median), `${(gemmStats.median / gemvStats.median).toFixed(2)}×`]);
    if (subgroupStats) {
      const st = subgroupStats;
      row([model, layer, `${k}×${n}`, 'gemv subgroups', st.median.toFixed(3), st.p10.toFixed(3), st.p90.toFixed(3), gbs(st.median), `${(gemvStats.median / st.median).toFixed(2)}× over gemv`]);
    }
    [x, bias, output].forEach((b) => b.destroy());
  }
}

if (!only || only === 'dw') {
  const dw = (hw: number, c: number, k: number, stride: number) =>
    conv2dShape({ batch: 1, inHeight: hw, inWidth: hw, inChannels: c, outChannels: c, kernelHeight: k, kernelWidth: k, strideH: stride, strideW: stride, pad: (k - 1) >> 1, groups: c });
  const DW = [
    ['mobilenet_v2', 'features.2 dw 3×3/2 96', dw(112, 96, 3, 2)],
    ['mobilenet_v2', 'features.3 dw 3×3 144', dw(56, 144, 3, 1)],
    ['mobilenet_v2', 'features.7 dw 3×3 384', dw(14, 384, 3, 1)],
    ['mobilenet_v2', 'features.17 dw 3×3 960', dw(7, 960, 3, 1)],
    ['efficientnet_b0', 'features.3 dw 5×5/2 144', dw(56, 144, 5, 2)],
    ['efficientnet_b0', 'features.5 dw 5×5 672', dw(14, 672, 5, 1)],
  ] as const;
  console.log('\n| model | layer | kernel | median ms | p10 | p90 | GFLOP/s | speed-up |\n|---|---|---|---|---|---|---|---|');
  for (const [model, layer, s] of DW.filter((l) => l[1].includes(layerFilter))) {
    const input = createTensorBuffer(device, randomData(s.inHeight * s.inWidth * s.inChannels), 'input');
    const output = createTensorBuffer(device, s.outHeight * s.outWidth * s.outChannels * 4, 'output');
    const bias = createTensorBuffer(device, randomData(s.outChannels), 'bias');
    const weight = createTensorBuffer(device, depthwiseStrategy.layoutWeights(s, randomData(s.outChannels * s.kernelHeight * s.kernelWidth)), 'weight');
    const io = { input, weight, bias, output, unused };
    const epilogue = { activation: 'relu6' as const };
    const generic = await time([depthwiseGenericDispatch(s, io, epilogue, fullSlice(s.outChannels))]);
    const tiled = await time([depthwiseTiledDispatch(s, io, epilogue, fullSlice(s.outChannels))]);
    const gflops = (ms: number) => ((2 * s.outHeight * s.outWidth * s.outChannels * s.kernelHeight * s.kernelWidth) / (ms * 1e6)).toFixed(2);
    row([model, layer, 'generic', generic.median.toFixed(3), generic.p10.toFixed(3), generic.p90.toFixed(3), gflops(generic.median), '']);
    row([model, layer, 'tiled', tiled.median.toFixed(3), tiled.p10.toFixed(3), tiled.p90.toFixed(3), gflops(tiled.median), `${(generic.median / tiled.median).toFixed(2)}×`]);
    [input, output, bias, weight].forEach((b) => b.destroy());
  }
}

timer.destroy();
device.destroy();
process.exit(0);
