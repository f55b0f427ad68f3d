/**
 * trainHeadOnImages (src/train/trainer_images.ts): every step augments its
 * batch on the GPU, runs the frozen backbone and trains the head, with the
 * next batch's augmentation in the same submit. Checked against a float64
 * trainer that replays the same draws (test/reference/augment.ts), crops
 * and mirrors them, runs the float64 graph interpreter over the cut
 * backbone and takes the same Adam steps; without augmentation it must
 * agree with trainHead over extractFeatures; bad input gets typed errors.
 */
import { describe, expect, it } from 'vitest';
import { InputError, InvalidParameterError } from '../../src/errors.js';
import { lenet5 } from '../../src/models/lenet.js';
import type { AugmentOptions } from '../../src/train/augment.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { extractFeatures } from '../../src/train/features.js';
import { trainHead } from '../../src/train/trainer.js';
import { trainHeadOnImages } from '../../src/train/trainer_images.js';
import { epochOrder, initDenseLayer } from '../../src/train/trainer_shuffle.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { augmentRef, drawSamplesRef } from '../reference/augment.js';
import { runGraphRef } from '../reference/graph.js';
import { adamStepRef, denseBackwardRef, denseForwardRef, softmaxCrossEntropyRef } from '../reference/train.js';

const BATCH = 4;
const CLASSES = ['a', 'b', 'c'];

describe('trainHeadOnImages', () => {
  const rng = new Rng(2718);
  const weights = randomWeights(lenet5(), rng);
  const n = 11; // 2 full batches of 4 and a ragged one of 3
  const labels = Int32Array.from({ length: n }, () => rng.int(0, CLASSES.length - 1));

  it('matches a float64 trainer that replays the augmentation, over two epochs', async () => {
    const ctx = await testContext();
    const [h, w] = [36, 38];
    const images = rng.array(n * h * w);
    const augment: AugmentOptions = { mirror: 0.5, crop: { scale: [0.55, 0.85], aspect: [0.8, 1.25] }, seed: 404 };
    const seed = 9;
    const epochs = 2;
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const progress: number[] = [];
    const { head, history } = await trainHeadOnImages(ctx, lenet5({ batch: BATCH }), weights, { images, shape: [1, h, w], labels, classes: CLASSES }, {
      featureLayer: 'act4',
      augment,
      optimizer: { kind: 'adam', lr: o.lr },
      epochs,
      seed,
      lossEvery: 2,
      onProgress: (p) => progress.push(p.step),
    });

    // float64: batch k of the run (epochs × steps of them) uses the k-th draws
    const cut = cutBackbone(lenet5({ batch: BATCH }), 'act4');
    const draws = new Rng(augment.seed!);
    const out = initDenseLayer('head', 84, 3, 'none', seed);
    const p = [Float64Array.from(out.weight), Float64Array.from(out.bias)];
    const m = p.map((a) => new Float64Array(a.length));
    const v = p.map((a) => new Float64Array(a.length));
    const losses: number[] = [];
    let t = 0;
    let nonZero = false;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = epochOrder(n, seed, epoch);
      let sum = 0;
      for (let start = 0; start < n; start += BATCH) {
        const rows = Math.min(BATCH, n - start);
        const raw = new Float64Array(BATCH * h * w);
        const batchLabels = new Int32Array(rows);
        for (let r = 0; r < rows; r++) {
          raw.set(images.subarray(order[start + r]! * h * w, (order[start + r]! + 1) * h * w), r * h * w);
          batchLabels[r] = labels[order[start + r]!]!;
        }
        const samples = drawSamplesRef(() => draws.next(), BATCH, 1, h, w, augment);
        const augmented = augmentRef(raw, [BATCH, 1, h, w], [32, 32], samples);
        const features = runGraphRef(cut.graph, weights, new Map([['image', augmented]])).get(FEATURES_OUTPUT)!.subarray(0, rows * 84);
        nonZero ||= features.some((f) => f !== 0);
        const z = denseForwardRef(features, p[0]!, p[1]!, rows, 84, 3, 'none');
        const { loss, grad } = softmaxCrossEntropyRef(z, batchLabels, rows, 3);
        sum += loss;
        const g = denseBackwardRef(features, p[0]!, z, grad, rows, 84, 3, 'none');
        t++;
        [g.dW, g.db].forEach((d, i) => adamStepRef(p[i]!, d, m[i]!, v[i]!, t, o));
      }
      losses.push(sum / Math.ceil(n / BATCH));
    }
    const errors = [relativeL2(head.layers[0]!.weight, p[0]!), relativeL2(head.layers[0]!.bias, p[1]!)];
    console.log(`[trainHeadOnImages] 2 epochs over 11 augmented 36×38 images, LeNet-5 act4 → 3 classes: relative L2 vs float64 W ${errors[0]!.toExponential(2)} b ${errors[1]!.toExponential(2)}; loss ${history.map((x) => x.loss.toFixed(6)).join(', ')} vs ${losses.map((x) => x.toFixed(6)).join(', ')}`);
    expect(nonZero).toBe(true);
    // measured 4.7e-7 (W) and 5.5e-8 (b) on SwiftShader
    for (const e of errors) expect(e).toBeLessThan(5e-6);
    history.forEach((x, i) => expect(Math.abs(x.loss - losses[i]!)).toBeLessThan(5e-6));
    // it trained: the output layer moved from its initial weights
    expect(relativeL2(head.layers[0]!.weight, out.weight)).toBeGreaterThan(1e-3);
    // 3 steps an epoch, reported after steps 2 and 3 of each
    expect(progress).toEqual([2, 3, 5, 6]);
    expect(head).toMatchObject({ featureLayer: 'act4', features: 84, classes: CLASSES });
  });

  it('without augmentation agrees with trainHead over extractFeatures', async () => {
    const ctx = await testContext();
    const images = rng.array(n * 32 * 32);
    const options = { featureLayer: 'act3', optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 } as const, epochs: 3, seed: 21 };
    const onImages = await trainHeadOnImages(ctx, lenet5({ batch: BATCH }), weights, { images, shape: [1, 32, 32], labels, classes: CLASSES }, { ...options, augment: {} });
    const { features } = await extractFeatures(ctx, lenet5({ batch: BATCH }), weights, images, { layer: 'act3' });
    const onFeatures = await trainHead(ctx, { features, labels, classes: CLASSES }, { ...options, batchSize: BATCH });
    const error = relativeL2(onImages.head.layers[0]!.weight, onFeatures.head.layers[0]!.weight);
    console.log(`[trainHeadOnImages] no augmentation vs trainHead: relative L2 ${error.toExponential(2)}`);
    expect(error).toBeLessThan(1e-6);
    onImages.history.forEach((x, i) => expect(Math.abs(x.loss - onFeatures.history[i]!.loss)).toBeLessThan(1e-6));
  });

  it('refuses bad input with typed errors that name the problem', async () => {
    const ctx = await testContext();
    const images = rng.array(n * 32 * 32);
    const data = { images, shape: [1, 32, 32] as const, labels, classes: CLASSES };
    const base = { featureLayer: 'act4', augment: {}, optimizer: { kind: 'sgd', lr: 0.1 } as const, epochs: 1, seed: 1 };
    const graph = lenet5({ batch: BATCH });
    await expect(trainHeadOnImages(ctx, graph, weights, { ...data, images: images.subarray(3) }, base)).rejects.toThrow(/not 11 images of \[1, 32, 32\]/);
    await expect(trainHeadOnImages(ctx, graph, weights, { ...data, shape: [3, 32, 32], images: rng.array(n * 3 * 32 * 32) }, base)).rejects.toThrow(InputError);
    await expect(trainHeadOnImages(ctx, graph, weights, data, { ...base, augment: { colourShift: 0.1 } })).rejects.toThrow(/colourShift/);
    await expect(trainHeadOnImages(ctx, graph, weights, data, { ...base, featureLayer: 'nope' })).rejects.toThrow(/nope/);
    await expect(trainHeadOnImages(ctx, graph, weights, data, { ...base, epochs: 0 })).rejects.toThrow(InvalidParameterError);
  });
});
