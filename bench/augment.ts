/**
 * npm run bench:augment [-- --runs 5 --warmup 1 --batch 128]
 *
 * Samples per second of GPU batch augmentation (src/train/augment.ts): one
 * Augmenter.run per batch — the CPU draws, the upload of the per-sample
 * records, the one dispatch, queue completion — on a batch resident on the
 * GPU, at 3×224×224 → 3×224×224 (random crop, mirror, colour shift, PCA
 * colour noise) and 1×32×32 → 1×32×32 (random crop, mirror). Median, p10,
 * p90 of wall time over N runs after warm-up; the draws alone are timed too.
 * On SwiftShader this measures CPU emulation: compare with itself only.
 */
import { timeWall } from '../src/bench/stats.js';
import { createTensorBuffer } from '../src/gpu/buffers.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { Augmenter, type AugmentOptions } from '../src/train/augment.js';
import { pcaColourBasis } from '../src/train/augment_pca.js';
import { option } from './args.js';

function randomData(length: number): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = Math.random();
  return a;
}

const runs = Number(option('runs', '5'));
const warmup = Number(option('warmup', '1'));
const batch = Number(option('batch', '128'));

const ctx = await createNodeGpuContext();
const { device } = ctx;
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} (${ctx.deviceClass})`);
console.log(`timing: wall time of Augmenter.run (draws + record upload + dispatch + queue completion); ${runs} runs after ${warmup} warm-up, batch ${batch}, f32`);

const crop = { scale: [0.08, 1], aspect: [3 / 4, 4 / 3] } as const;
const CASES: { channels: number; size: number; options: AugmentOptions; label: string }[] = [
  { channels: 3, size: 224, options: { mirror: 0.5, crop, colourShift: 0.1, seed: 1 }, label: 'crop, mirror, colour shift, PCA' },
  { channels: 1, size: 32, options: { mirror: 0.5, crop, seed: 1 }, label: 'crop, mirror' },
];

console.log('\n| batch | in → out | augmentations | median ms | p10 | p90 | samples/s | draws ms (CPU) |\n|---|---|---|---|---|---|---|---|');
for (const c of CASES) {
  const g = { batch, channels: c.channels, inHeight: c.size, inWidth: c.size, outHeight: c.size, outWidth: c.size };
  const length = batch * c.channels * c.size * c.size;
  const data = randomData(length);
  // the PCA basis from the first few images, as a training set's would be computed once
  const options = c.channels === 3 ? { ...c.options, pca: { sigma: 0.1, basis: pcaColourBasis(data.subarray(0, 8 * length / batch), [8, 3, c.size, c.size]) } } : c.options;
  const input = createTensorBuffer(device, data, 'augment input');
  const output = createTensorBuffer(device, length * 4, 'augment output');
  const augmenter = new Augmenter(ctx, g, options);
  const stats = await timeWall(() => augmenter.run(input, output), runs, warmup);
  const draws = await timeWall(async () => augmenter.nextSamples(), Math.max(runs, 20), 2);
  const shape = `${c.channels}×${c.size}×${c.size}`;
  console.log(
    `| ${batch} | ${shape} → ${shape} | ${c.label} | ${stats.median.toFixed(1)} | ${stats.p10.toFixed(1)} | ${stats.p90.toFixed(1)} | ${((batch * 1000) / stats.median).toFixed(0)} | ${draws.median.toFixed(3)} |`,
  );
  await augmenter.destroy();
  input.destroy();
  output.destroy();
}
device.destroy();
