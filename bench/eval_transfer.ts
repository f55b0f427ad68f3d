/**
 * npm run eval:transfer [-- --epochs 20 --skip-variants --skip-layer-variants --aug-samples 1000]
 *
 * Transfer learning as the course's P128 does it: the shipped MNIST LeNet-5
 * (src/models/weights/lenet5.safetensors) frozen up to fc1's 84 features
 * after ReLU (feature layer 'act4'), and a new softmax trained on
 * Fashion-MNIST (/usr/share/datasets/fashion-mnist) with a fixed recipe:
 * Adam, lr 1e-3, batch 128, 20 epochs, no weight decay, seeded shuffling.
 * The same recipe runs in PyTorch (bench/eval_transfer_torch.py, Debian's
 * /usr/bin/python3) on the SAME features, permutations and initial weights,
 * and the two test accuracies are compared. Then variants: the head on
 * conv3's 120 features ('flatten'), and fc1 unfrozen (trained with the
 * head). Images are preprocessed exactly as for MNIST (pad 2 to 32×32,
 * mean 0.1307, std 0.3081). The last line is `accuracy NN.NN%` (ours, the
 * main recipe).
 *
 * On SwiftShader the backbone passes dominate: ~11 minutes per feature layer
 * for the 70,000 images (two cores), while the 20 epochs of head training take
 * ~40 s. `--skip-variants` runs the main recipe alone (one feature pass);
 * `--epochs N` shortens the recipe for a smoke run; `--skip-layer-variants`
 * skips the second feature pass (conv3's features, for the 120-feature and
 * fc1-unfrozen rows).
 *
 * Shift augmentation is measured where it matters, with little data: the
 * first `--aug-samples` (default 1000) training images, the same recipe,
 * once on their fixed features (trainHead) and once with every batch shifted
 * afresh by up to ±2 px on the GPU (trainHeadOnImages over the images padded
 * to 36×36, random 32×32 crops), both tested on the 10,000 test features.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import type { GpuContext } from '../src/gpu/device.js';
import { parseSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { lenet5, lenet5Input, type LeNet5Variant } from '../src/models/lenet.js';
import { weightsForGraph } from '../src/models/weights.js';
import { parseIdx } from '../src/io/idx.js';
import { unfrozenLayers } from '../src/train/backbone.js';
import { extractFeatures } from '../src/train/features.js';
import type { ClassifierHead, DenseLayer } from '../src/train/head.js';
import { trainHead, type TrainHeadResult } from '../src/train/trainer.js';
import { trainHeadOnImages } from '../src/train/trainer_images.js';
import { epochOrder, initDenseLayer } from '../src/train/trainer_shuffle.js';
import type { Graph, WeightMap } from '../src/graph/ir.js';
import { option } from './args.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist/';
const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const SEED = 2026;
const RECIPE = { lr: 1e-3, batchSize: 128 };

/** A gzipped IDX file's uint8 payload (src/io/idx.ts checks its header); magic 0x803 is images, 0x801 labels. */
function readIdxGz(name: string, magic: number): Uint8Array {
  return parseIdx(gunzipSync(readFileSync(`${FASHION}${name}.gz`)), name, magic & 0xff).data;
}

/** [n, 1, 32, 32] → [n, 1, 32 + 2·pad, 32 + 2·pad], the border filled with the background value (the corner of a padded digit). */
function padImages(images: Float32Array, pad: number): Float32Array {
  const side = 32;
  const out = side + 2 * pad;
  const n = images.length / (side * side);
  const padded = new Float32Array(n * out * out).fill(images[0]!);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < side; y++) padded.set(images.subarray((i * side + y) * side, (i * side + y + 1) * side), i * out * out + (y + pad) * out + pad);
  }
  return padded;
}

/** Test accuracy of a trained head, on the CPU in float64 (independent of the GPU kernels that trained it). */
function accuracy(head: ClassifierHead, features: Float32Array, labels: Uint8Array): number {
  const n = labels.length;
  let right = 0;
  for (let i = 0; i < n; i++) {
    let x = Float64Array.from(features.subarray(i * head.features, (i + 1) * head.features));
    for (const l of head.layers) {
      const y = new Float64Array(l.outFeatures);
      for (let o = 0; o < l.outFeatures; o++) {
        let s = l.bias[o]!;
        for (let k = 0; k < l.inFeatures; k++) s += l.weight[o * l.inFeatures + k]! * x[k]!;
        y[o] = l.activation === 'relu' ? Math.max(0, s) : l.activation === 'tanh' ? Math.tanh(s) : s;
      }
      x = y;
    }
    let best = 0;
    for (let c = 1; c < x.length; c++) if (x[c]! > x[best]!) best = c;
    if (best === labels[i]) right++;
  }
  return right / n;
}

async function features(ctx: GpuContext, graph: Graph, weights: WeightMap, images: Float32Array, layer: string): Promise<{ features: Float32Array; width: number; seconds: number }> {
  const t0 = performance.now();
  const { features, width } = await extractFeatures(ctx, graph, weights, images, { layer, compile: { strategy: 'direct' } });
  return { features, width, seconds: (performance.now() - t0) / 1000 };
}

/** Runs the PyTorch side on the same features, permutations and initial layer; answers its test accuracy. */
function torchAccuracy(train: Float32Array, trainLabels: Uint8Array, test: Float32Array, testLabels: Uint8Array, width: number, epochs: number): { accuracy: number; losses: string } {
  const dir = mkdtempSync(join(tmpdir(), 'eval-transfer-'));
  try {
    const n = trainLabels.length;
    const init = initDenseLayer('head', width, CLASSES.length, 'none', SEED);
    const order = new BigInt64Array(epochs * n);
    for (let e = 0; e < epochs; e++) epochOrder(n, SEED, e).forEach((v, i) => (order[e * n + i] = BigInt(v)));
    const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, 'train_x.f32'), bytes(train));
    writeFileSync(join(dir, 'test_x.f32'), bytes(test));
    writeFileSync(join(dir, 'train_y.i64'), bytes(BigInt64Array.from(trainLabels, (v) => BigInt(v))));
    writeFileSync(join(dir, 'test_y.i64'), bytes(BigInt64Array.from(testLabels, (v) => BigInt(v))));
    writeFileSync(join(dir, 'order.i64'), bytes(order));
    writeFileSync(join(dir, 'init_weight.f32'), bytes(init.weight));
    writeFileSync(join(dir, 'init_bias.f32'), bytes(init.bias));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n, width, classes: CLASSES.length, epochs, batchSize: RECIPE.batchSize, lr: RECIPE.lr }));
    const out = execFileSync('/usr/bin/python3', [root('bench/eval_transfer_torch.py'), dir], { encoding: 'utf8', timeout: 30 * 60_000 });
    const acc = /torch_accuracy ([0-9.]+)/.exec(out);
    if (!acc) throw new Error(`eval_transfer_torch.py printed no accuracy:\n${out}`);
    return { accuracy: Number(acc[1]), losses: /torch_losses (.*)/.exec(out)?.[1] ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (a: number) => `${(100 * a).toFixed(2)}%`;

async function main(): Promise<void> {
  const epochs = Number(option('epochs', '20'));
  const skipVariants = process.argv.includes('--skip-variants');
  const trainLabels = readIdxGz('train-labels-idx1-ubyte', 0x801);
  const testLabels = readIdxGz('t10k-labels-idx1-ubyte', 0x801);
  const trainImages = lenet5Input(readIdxGz('train-images-idx3-ubyte', 0x803));
  const testImages = lenet5Input(readIdxGz('t10k-images-idx3-ubyte', 0x803));
  const file = parseSafetensors(readFileSync(root('src/models/weights/lenet5.safetensors')));
  const graph = lenet5({ batch: 500, variant: file.metadata.variant as LeNet5Variant });
  const weights = weightsForGraph(graph, readSafetensors(file));
  const ctx = await createNodeGpuContext();
  console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.description || ctx.adapter.architecture}`);

  const train84 = await features(ctx, graph, weights, trainImages, 'act4');
  const test84 = await features(ctx, graph, weights, testImages, 'act4');
  console.log(`features at act4 (${train84.width}): ${trainLabels.length + testLabels.length} images in ${(train84.seconds + test84.seconds).toFixed(1)} s`);

  const train = async (x: Float32Array, hidden: DenseLayer[] = []): Promise<TrainHeadResult & { seconds: number }> => {
    const t0 = performance.now();
    const r = await trainHead(ctx, { features: x, labels: Int32Array.from(trainLabels), classes: CLASSES }, {
      featureLayer: hidden.length ? 'flatten' : 'act4',
      hidden,
      optimizer: { kind: 'adam', lr: RECIPE.lr },
      batchSize: RECIPE.batchSize,
      epochs,
      seed: SEED,
    });
    return { ...r, seconds: (performance.now() - t0) / 1000 };
  };
  const main84 = await train(train84.features);
  const ours = accuracy(main84.head, test84.features, testLabels);
  const samplesPerSecond = (trainLabels.length * epochs) / main84.seconds;
  console.log(`ours   per-epoch loss: ${main84.history.map((h) => h.loss.toFixed(5)).join(' ')}`);
  const torch = torchAccuracy(train84.features, trainLabels, test84.features, testLabels, train84.width, epochs);
  console.log(`torch  per-epoch loss: ${torch.losses}`);
  console.log('');
  console.log(`| recipe: Adam lr ${RECIPE.lr}, batch ${RECIPE.batchSize}, ${epochs} epochs, act4 (84) → 10 | test accuracy |`);
  console.log('|---|---|');
  console.log(`| ours (GPU) | ${pct(ours)} |`);
  console.log(`| PyTorch ${'1.13'} (same features, order, init) | ${pct(torch.accuracy)} |`);
  console.log(`| abs diff | ${(100 * Math.abs(ours - torch.accuracy)).toFixed(2)} points |`);
  console.log('');
  console.log(`head training: ${samplesPerSecond.toFixed(0)} samples/s (${main84.seconds.toFixed(1)} s for ${epochs} epochs of ${trainLabels.length})`);

  const rows: string[] = [`| main | act4 (84) | softmax | 60,000 | ${pct(ours)} | ${pct(torch.accuracy)} | ${samplesPerSecond.toFixed(0)} |`];
  if (!skipVariants && !process.argv.includes('--skip-layer-variants')) {
    const train120 = await features(ctx, graph, weights, trainImages, 'flatten');
    const test120 = await features(ctx, graph, weights, testImages, 'flatten');
    const head120 = await train(train120.features);
    // the 120-feature run is a softmax over conv3: its featureLayer is 'flatten'
    const acc120 = accuracy({ ...head120.head, featureLayer: 'flatten' }, test120.features, testLabels);
    const torch120 = torchAccuracy(train120.features, trainLabels, test120.features, testLabels, train120.width, epochs);
    const { layers } = unfrozenLayers(graph, weights, 1);
    const unfrozen = await train(train120.features, layers);
    const accUnfrozen = accuracy(unfrozen.head, test120.features, testLabels);
    rows.push(`| conv3 features | flatten (120) | softmax | 60,000 | ${pct(acc120)} | ${pct(torch120.accuracy)} | ${((trainLabels.length * epochs) / head120.seconds).toFixed(0)} |`);
    rows.push(`| fc1 unfrozen | flatten (120) | fc1 (ReLU) + softmax | 60,000 | ${pct(accUnfrozen)} | — | ${((trainLabels.length * epochs) / unfrozen.seconds).toFixed(0)} |`);
  }
  if (!skipVariants) {
    const few = Number(option('aug-samples', '1000'));
    const fewLabels = Int32Array.from(trainLabels.subarray(0, few));
    const recipe = { featureLayer: 'act4', optimizer: { kind: 'adam', lr: RECIPE.lr } as const, epochs, seed: SEED };
    const t0 = performance.now();
    const plain = await trainHead(ctx, { features: train84.features.subarray(0, few * train84.width), labels: fewLabels, classes: CLASSES }, { ...recipe, batchSize: RECIPE.batchSize });
    const plainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    // a 32×32 crop of the 36×36 padded digit: the whole digit, shifted by up to ±2 px each way
    const shifted = await trainHeadOnImages(
      ctx,
      lenet5({ batch: RECIPE.batchSize, variant: file.metadata.variant as LeNet5Variant }),
      weights,
      { images: padImages(trainImages.subarray(0, few * 32 * 32), 2), shape: [1, 36, 36], labels: fewLabels, classes: CLASSES },
      { ...recipe, augment: { crop: { scale: [(32 / 36) ** 2, (32 / 36) ** 2], aspect: [1, 1] }, seed: SEED }, compile: { strategy: 'direct' } },
    );
    const shiftedSeconds = (performance.now() - t1) / 1000;
    rows.push(`| ${few} samples | act4 (84) | softmax | ${few} | ${pct(accuracy(plain.head, test84.features, testLabels))} | — | ${((few * epochs) / plainSeconds).toFixed(0)} |`);
    rows.push(`| ${few} samples, shifted ±2 px every batch (GPU) | act4 (84) | softmax, backbone run every step | ${few} | ${pct(accuracy(shifted.head, test84.features, testLabels))} | — | ${((few * epochs) / shiftedSeconds).toFixed(0)} |`);
  }
  if (rows.length > 1) {
    console.log('');
    console.log('| variant | features | trained | training images | ours | PyTorch | samples/s |');
    console.log('|---|---|---|---|---|---|---|');
    rows.forEach((r) => console.log(r));
  }
  ctx.device.destroy();
  console.log(`accuracy ${(100 * ours).toFixed(2)}%`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
