/**
 * npx vite-node bench/conv_transpose.ts [-- --runs 20 --warmup 3]
 *
 * GPU time of the two transposed-convolution strategies (direct gather vs
 * GEMM + col2im, src/kernels/conv_transpose2d.ts) on U-Net and DCGAN-like
 * upsampling layers (batch 1, f32, bias + ReLU): median, p10 and p90 of N
 * runs after warm-up, and gemm/direct. Both outputs are compared, so a
 * strategy that is fast and wrong shows. GPU timestamps when the adapter
 * has them, queue completion otherwise; on SwiftShader the figures are CPU
 * emulation: compare the strategies with each other only.
 */
import { createTensorBuffer, placeholderBuffer, readTensor } from '../src/gpu/buffers.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { latencyStats, relL2 } from '../src/bench/stats.js';
import { PassTimer } from '../src/gpu/timer.js';
import {
  CONV_TRANSPOSE_STRATEGIES,
  convTranspose2d,
  convTranspose2dShape,
  convTransposeScratchLength,
  convTransposeUnsupportedReason,
  layoutConvTransposeWeights,
  type ConvTranspose2dParams,
} from '../src/kernels/conv_transpose2d.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../src/kernels/dispatch.js';
import { option, randomData } from './args.js';

/** A square transposed conv of batch 1. */
const up = (inHW: number, cin: number, cout: number, k: number, stride: number, pad = 0, outputPadding = 0): ConvTranspose2dParams => ({
  batch: 1, inChannels: cin, inHeight: inHW, inWidth: inHW, outChannels: cout, kernelHeight: k, kernelWidth: k,
  strideH: stride, strideW: stride, dilationH: 1, dilationW: 1, padTop: pad, padLeft: pad, padBottom: pad, padRight: pad,
  outputPaddingH: outputPadding, outputPaddingW: outputPadding, groups: 1,
});

const LAYERS: { name: string; params: ConvTranspose2dParams }[] = [
  { name: 'U-Net up 2×2/2 256→128 at 8²', params: up(8, 256, 128, 2, 2) },
  { name: 'U-Net up 2×2/2 128→64 at 16²', params: up(16, 128, 64, 2, 2) },
  { name: 'U-Net up 2×2/2 64→32 at 32²', params: up(32, 64, 32, 2, 2) },
  { name: '3×3/2 p1 op1 64→32 at 32²', params: up(32, 64, 32, 3, 2, 1, 1) },
  { name: 'DCGAN 4×4/2 p1 128→64 at 16²', params: up(16, 128, 64, 4, 2, 1) },
];

const runs = Number(option('runs', '20'));
const warmup = Number(option('warmup', '3'));

const ctx = await createNodeGpuContext();
const { device } = ctx;
const timer = new PassTimer(ctx);
const maxBinding = device.limits.maxStorageBufferBindingSize;
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description}`);
console.log(`timing: ${timer.source}; ${runs} runs after ${warmup} warm-up, batch 1, f32, bias + relu`);
const header = ['layer', 'output', 'strategy', 'median ms', 'p10', 'p90', 'GFLOP/s', 'gemm/direct', 'rel L2 vs direct'];
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);

for (const layer of LAYERS) {
  const s = convTranspose2dShape(layer.params);
  const outLength = s.batch * s.outHeight * s.outWidth * s.outChannels;
  const macs = s.batch * s.inHeight * s.inWidth * s.inChannels * s.outChannels * s.kernelHeight * s.kernelWidth;
  const input = createTensorBuffer(device, randomData(s.batch * s.inHeight * s.inWidth * s.inChannels), 'input');
  const bias = createTensorBuffer(device, randomData(s.outChannels), 'bias');
  const output = createTensorBuffer(device, outLength * 4, 'output');
  const w = randomData(s.inChannels * s.outChannels * s.kernelHeight * s.kernelWidth);
  let direct: { median: number; y: Float32Array } | undefined;
  for (const strategy of CONV_TRANSPOSE_STRATEGIES) {
    const reason = convTransposeUnsupportedReason(strategy, s, maxBinding);
    if (reason) {
      console.log(`| ${layer.name} | ${s.outHeight}² | ${strategy} | — (${reason}) |`);
      continue;
    }
    const weight = createTensorBuffer(device, layoutConvTransposeWeights(strategy, s, w), 'weight');
    const scratchLength = convTransposeScratchLength(strategy, s);
    const scratch = scratchLength ? createTensorBuffer(device, scratchLength * 4, 'scratch') : undefined;
    const prepared = await Promise.all(
      convTranspose2d(strategy, s, { input, weight, bias, output, scratch, unused: placeholderBuffer(device) }, { activation: 'relu' }).map((d) => prepareDispatch(device, d)),
    );
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
      if (i >= warmup) times.push(t.milliseconds);
    }
    const y = await readTensor(device, output, outLength);
    const { median, p10, p90 } = latencyStats(times);
    direct ??= { median, y };
    const ratio = strategy === 'direct' ? '1' : (median / direct.median).toFixed(2);
    const error = strategy === 'direct' ? '—' : relL2(y, direct.y).toExponential(1);
    console.log(`| ${layer.name} | ${s.outHeight}² | ${strategy} | ${median.toFixed(3)} | ${p10.toFixed(3)} | ${p90.toFixed(3)} | ${((2 * macs) / (median * 1e6)).toFixed(2)} | ${ratio} | ${error} |`);
    prepared.forEach(releaseDispatch);
    weight.destroy();
    scratch?.destroy();
  }
  input.destroy();
  bias.destroy();
  output.destroy();
}

timer.destroy();
device.destroy();
process.exit(0);
