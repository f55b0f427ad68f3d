/**
 * npm run bench:kernels [-- --runs 20 --warmup 3 --only resnet50,vgg16,mobilenet_v2 --layer 1×1 --tiles
 *   --strategies direct,im2col,implicit_gemm --scale 0.25 --json out.json]
 *
 * GPU time of every applicable conv strategy on real layer shapes from
 * ResNet-50, VGG-16, MobileNet v1/v2 (batch 1, f32): median, p10 and p90 of
 * N runs after warm-up, GFLOP/s (2 flops per multiply-accumulate) and the
 * scratch memory the strategy needs (im2col's patch matrix).
 * `--tiles` adds every GEMM tile variant (as autotune sees them); `--layer`
 * keeps layers whose name contains the text; `--strategies` keeps those
 * strategies; `--scale` multiplies every layer's input height and width (an
 * emulator's minutes per layer at 224² become seconds at 0.25).
 * GPU timestamps when the adapter has them, queue completion otherwise.
 * On SwiftShader (no GPU) the figures are CPU emulation: compare strategies
 * with each other, not with real GPUs.
 */
import { writeFileSync } from 'node:fs';
import { createTensorBuffer, placeholderBuffer } from '../src/gpu/buffers.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { latencyStats } from '../src/bench/stats.js';
import { PassTimer } from '../src/gpu/timer.js';
import { candidateDispatches, candidateName, convCandidates } from '../src/autotune/candidates.js';
import { chooseConvStrategy, CONV_STRATEGIES } from '../src/kernels/conv2d.js';
import { conv2dShape, type Conv2dParams, type Conv2dShape } from '../src/kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../src/kernels/dispatch.js';
import { option, randomData } from './args.js';

interface Layer {
  model: string;
  name: string;
  params: Conv2dParams;
}

const conv = (inHW: number, cin: number, cout: number, k: number, stride = 1, groups = 1): Conv2dParams => ({
  batch: 1, inHeight: inHW, inWidth: inHW, inChannels: cin, outChannels: cout,
  kernelHeight: k, kernelWidth: k, strideH: stride, strideW: stride, pad: (k - 1) >> 1, groups,
});

/** Real layers: torchvision's resnet50, vgg16 and mobilenet_v2 at 224×224. */
const LAYERS: Layer[] = [
  { model: 'resnet50', name: 'conv1 7×7/2 3→64', params: conv(224, 3, 64, 7, 2) },
  { model: 'resnet50', name: 'layer1 1×1 256→64', params: conv(56, 256, 64, 1) },
  { model: 'resnet50', name: 'layer1 3×3 64→64', params: conv(56, 64, 64, 3) },
  { model: 'resnet50', name: 'layer2 3×3 128→128', params: conv(28, 128, 128, 3) },
  { model: 'resnet50', name: 'layer3 3×3 256→256', params: conv(14, 256, 256, 3) },
  { model: 'resnet50', name: 'layer3 1×1 256→1024', params: conv(14, 256, 1024, 1) },
  { model: 'resnet50', name: 'layer4 3×3 512→512', params: conv(7, 512, 512, 3) },
  { model: 'vgg16', name: 'conv1_1 3×3 3→64', params: conv(224, 3, 64, 3) },
  { model: 'vgg16', name: 'conv1_2 3×3 64→64', params: conv(224, 64, 64, 3) },
  { model: 'vgg16', name: 'conv3_1 3×3 128→256', params: conv(56, 128, 256, 3) },
  { model: 'vgg16', name: 'conv4_2 3×3 512→512', params: conv(28, 512, 512, 3) },
  { model: 'vgg16', name: 'conv5_1 3×3 512→512', params: conv(14, 512, 512, 3) },
  { model: 'mobilenet_v1', name: 'features.1.pw 1×1 8→16 (0.25 width)', params: conv(112, 8, 16, 1) },
  { model: 'mobilenet_v1', name: 'features.2.pw 1×1 16→32 (0.25 width)', params: conv(56, 16, 32, 1) },
  { model: 'mobilenet_v2', name: 'features.0 3×3/2 3→32', params: conv(224, 3, 32, 3, 2) },
  { model: 'mobilenet_v2', name: 'block2 dw 3×3/2 96', params: conv(112, 96, 96, 3, 2, 96) },
  { model: 'mobilenet_v2', name: 'block3 pw 1×1 144→24', params: conv(56, 144, 24, 1) },
  { model: 'mobilenet_v2', name: 'block3 dw 3×3 144', params: conv(56, 144, 144, 3, 1, 144) },
  { model: 'mobilenet_v2', name: 'block14 dw 3×3 960', params: conv(7, 960, 960, 3, 1, 960) },
  { model: 'mobilenet_v2', name: 'conv 1×1 320→1280', params: conv(7, 320, 1280, 1) },
];

function macs(s: Conv2dShape): number {
  return s.batch * s.outHeight * s.outWidth * s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth;
}

const runs = Number(option('runs', '20'));
const warmup = Number(option('warmup', '3'));
const only = option('only', '').split(',').filter(Boolean);
const jsonPath = option('json', '');
const layerFilter = option('layer', '');
const tiles = process.argv.includes('--tiles');
const strategies = option('strategies', '').split(',').filter(Boolean);
const scale = Number(option('scale', '1'));

const ctx = await createNodeGpuContext();
const { device } = ctx;
const timer = new PassTimer(ctx);
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} (${ctx.deviceClass} heuristic for auto)`);
console.log(`timing: ${timer.source}; ${runs} runs after ${warmup} warm-up, batch 1, f32${scale !== 1 ? `; input height and width × ${scale}` : ''}`);

interface Row { model: string; layer: string; strategy: string; auto: boolean; medianMs: number; p10Ms: number; p90Ms: number; gflops: number; scratchBytes: number }
const rows: Row[] = [];
const header = ['model', 'layer', 'strategy', 'median ms', 'p10', 'p90', 'GFLOP/s', 'scratch MiB', ''];
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);

for (const layer of LAYERS.filter((l) => (!only.length || only.includes(l.model)) && l.name.includes(layerFilter))) {
  const p = layer.params;
  const s = conv2dShape(scale === 1 ? p : { ...p, inHeight: Math.max(1, Math.round(p.inHeight * scale)), inWidth: Math.max(1, Math.round(p.inWidth * scale)) });
  const input = createTensorBuffer(device, randomData(s.batch * s.inHeight * s.inWidth * s.inChannels), 'input');
  const output = createTensorBuffer(device, s.batch * s.outHeight * s.outWidth * s.outChannels * 4, 'output');
  const bias = createTensorBuffer(device, randomData(s.outChannels), 'bias');
  const oihw = randomData(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
  const auto = chooseConvStrategy(s, ctx.deviceClass);
  const layerRows: Row[] = [];
  // convCandidates leaves out im2col on depthwise layers (`groups` one-column GEMMs: minutes per run on SwiftShader, never a winner)
  for (const candidate of convCandidates(s, tiles).filter((c) => !strategies.length || strategies.includes(c.strategy))) {
    const name = candidateName(candidate);
    const strategy = CONV_STRATEGIES[candidate.strategy];
    const weight = createTensorBuffer(device, strategy.layoutWeights(s, oihw), 'weight');
    const scratchLength = strategy.scratchLength(s);
    const scratch = scratchLength ? createTensorBuffer(device, scratchLength * 4, 'scratch') : undefined;
    const prepared = await Promise.all(
      candidateDispatches(s, candidate, { input, weight, bias, output, scratch, unused: placeholderBuffer(device) }, { activation: 'relu', hasBias: true })
        .map((d) => prepareDispatch(device, d)),
    );
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
      if (i >= warmup) times.push(t.milliseconds);
    }
    const { median, p10, p90 } = latencyStats(times);
    const row: Row = {
      model: layer.model, layer: layer.name, strategy: name, auto: name === auto,
      medianMs: median, p10Ms: p10, p90Ms: p90, gflops: (2 * macs(s)) / (median * 1e6), scratchBytes: scratchLength * 4,
    };
    layerRows.push(row);
    prepared.forEach(releaseDispatch);
    weight.destroy();
    scratch?.destroy();
  }
  const best = Math.min(...layerRows.map((r) => r.medianMs));
  for (const r of layerRows) {
    const marks = [r.medianMs === best ? 'fastest' : '', r.auto ? 'auto' : ''].filter(Boolean).join(', ');
    console.log(`| ${r.model} | ${r.layer} | ${r.strategy} | ${r.medianMs.toFixed(3)} | ${r.p10Ms.toFixed(3)} | ${r.p90Ms.toFixed(3)} | ${r.gflops.toFixed(2)} | ${(r.scratchBytes / 2 ** 20).toFixed(1)} | ${marks} |`);
  }
  rows.push(...layerRows);
  input.destroy();
  output.destroy();
  bias.destroy();
}

if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({ adapter: ctx.adapter, timing: timer.source, runs, warmup, rows }, null, 2));
  console.log(`\nwrote ${jsonPath}`);
}
timer.destroy();
device.destroy();
process.exit(0);
