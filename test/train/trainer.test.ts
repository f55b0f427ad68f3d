/**
 * trainHead (src/train/trainer.ts) end to end on SwiftShader: a small
 * separable random problem reaches a low loss; the same seed gives the
 * same head bit for bit; two epochs with an unfrozen hidden layer match a
 * float64 CPU trainer (test/reference/train.ts) given the same
 * permutations and initial weights, and the hidden layer's weights move;
 * bad input gets typed errors.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, InputError, InvalidParameterError } from '../../src/errors.js';
import type { DenseLayer } from '../../src/train/head.js';
import { trainHead, type TrainingData } from '../../src/train/trainer.js';
import { epochOrder, initDenseLayer } from '../../src/train/trainer_shuffle.js';
import { testContext } from '../helpers/gpu.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { adamStepRef, denseBackwardRef, denseForwardRef, softmaxCrossEntropyRef } from '../reference/train.js';

/** Gaussian-ish clusters around random class centres: separable, not trivially so. */
function clusters(rng: Rng, n: number, width: number, classes: number, spread: number): TrainingData {
  const centres = Array.from({ length: classes }, () => rng.array(width, -1, 1));
  const features = new Float32Array(n * width);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(0, classes - 1);
    labels[i] = c;
    for (let k = 0; k < width; k++) features[i * width + k] = centres[c]![k]! + spread * (rng.next() + rng.next() - 1);
  }
  return { features, labels, classes: Array.from({ length: classes }, (_, i) => `class ${i}`) };
}

describe('trainHead', () => {
  const rng = new Rng(31337);
  const data = clusters(rng, 300, 12, 4, 0.6);

  it('reaches a low loss on a separable problem, and a seed reproduces it', async () => {
    const ctx = await testContext();
    const options = { featureLayer: 'features', optimizer: { kind: 'adam', lr: 0.05 } as const, batchSize: 32, epochs: 15, seed: 5, lossEvery: 4 };
    const progress: number[] = [];
    const t0 = performance.now();
    const a = await trainHead(ctx, data, { ...options, onProgress: (p) => progress.push(p.loss) });
    const ms = performance.now() - t0;
    const b = await trainHead(ctx, data, options);
    console.log(`trainHead 300×12 → 4 classes, Adam lr 0.05, 15 epochs: loss ${a.history[0]!.loss.toFixed(4)} → ${a.history.at(-1)!.loss.toFixed(4)}, ${progress.length} progress reports, ${((300 * 15) / (ms / 1000)).toFixed(0)} samples/s`);
    expect(a.history).toHaveLength(15);
    expect(a.history.at(-1)!.loss).toBeLessThan(0.05);
    expect(a.history.at(-1)!.loss).toBeLessThan(a.history[0]!.loss / 10);
    // 10 steps per epoch read back every 4 steps: 3 reports an epoch
    expect(progress).toHaveLength(45);
    expect(b.head.layers[0]!.weight).toEqual(a.head.layers[0]!.weight);
    expect(b.history).toEqual(a.history);
    expect(a.head).toMatchObject({ featureLayer: 'features', features: 12, classes: data.classes });
    // and it classifies: training accuracy from the returned head, on the CPU
    const head = a.head.layers[0]!;
    const logits = denseForwardRef(data.features, head.weight, head.bias, 300, 12, 4, 'none');
    let right = 0;
    for (let i = 0; i < 300; i++) {
      const row = Array.from(logits.subarray(i * 4, i * 4 + 4));
      if (row.indexOf(Math.max(...row)) === data.labels[i]) right++;
    }
    expect(right / 300).toBeGreaterThan(0.97);
  });

  it('with an unfrozen hidden layer matches a float64 trainer for two epochs (ragged last batch)', async () => {
    const ctx = await testContext();
    const n = 70;
    const small = clusters(new Rng(8), n, 9, 3, 0.8);
    const hiddenInit = initDenseLayer('fc1', 9, 6, 'relu', 99);
    const hidden: DenseLayer = { ...hiddenInit, weight: Float32Array.from(hiddenInit.weight), bias: Float32Array.from(hiddenInit.bias) };
    const o = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3 };
    const seed = 12;
    const batchSize = 16; // 70 = 4 × 16 + 6
    const { head, history } = await trainHead(ctx, small, { featureLayer: 'x', hidden: [hidden], optimizer: { kind: 'adam', lr: o.lr, weightDecay: o.weightDecay }, batchSize, epochs: 2, seed });

    // the float64 trainer: same permutations, same initial output layer
    const out = initDenseLayer('head', 6, 3, 'none', seed);
    const p = [Float64Array.from(hidden.weight), Float64Array.from(hidden.bias), Float64Array.from(out.weight), Float64Array.from(out.bias)];
    const m = p.map((a) => new Float64Array(a.length));
    const v = p.map((a) => new Float64Array(a.length));
    let t = 0;
    const losses: number[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const order = epochOrder(n, seed, epoch);
      let sum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const rows = Math.min(batchSize, n - start);
        const x = new Float64Array(rows * 9);
        const labels = new Int32Array(rows);
        for (let r = 0; r < rows; r++) {
          x.set(small.features.subarray(order[start + r]! * 9, order[start + r]! * 9 + 9), r * 9);
          labels[r] = small.labels[order[start + r]!]!;
        }
        const h = denseForwardRef(x, p[0]!, p[1]!, rows, 9, 6, 'relu');
        const z = denseForwardRef(h, p[2]!, p[3]!, rows, 6, 3, 'none');
        const { loss, grad } = softmaxCrossEntropyRef(z, labels, rows, 3);
        sum += loss;
        const g2 = denseBackwardRef(h, p[2]!, z, grad, rows, 6, 3, 'none');
        const g1 = denseBackwardRef(x, p[0]!, h, g2.dx, rows, 9, 6, 'relu');
        t++;
        [g1.dW, g1.db, g2.dW, g2.db].forEach((g, i) => adamStepRef(p[i]!, g, m[i]!, v[i]!, t, o));
      }
      losses.push(sum / Math.ceil(n / batchSize));
    }
    const errors = [relativeL2(head.layers[0]!.weight, p[0]!), relativeL2(head.layers[0]!.bias, p[1]!), relativeL2(head.layers[1]!.weight, p[2]!), relativeL2(head.layers[1]!.bias, p[3]!)];
    console.log(`2 epochs, fc1 (relu) + head, Adam: relative L2 vs float64 W1 ${errors[0]!.toExponential(2)} b1 ${errors[1]!.toExponential(2)} W2 ${errors[2]!.toExponential(2)} b2 ${errors[3]!.toExponential(2)}; loss ${history.map((h) => h.loss.toFixed(5)).join(', ')} vs ${losses.map((l) => l.toFixed(5)).join(', ')}`);
    for (const e of errors) expect(e).toBeLessThan(1e-5);
    history.forEach((h, i) => expect(Math.abs(h.loss - losses[i]!)).toBeLessThan(1e-5));
    // the unfrozen layer trained: it moved, and the caller's copy did not
    expect(relativeL2(head.layers[0]!.weight, hidden.weight)).toBeGreaterThan(1e-3);
    expect(hidden.weight).toEqual(hiddenInit.weight);
    expect(head.layers.map((l) => l.name)).toEqual(['fc1', 'head']);
  });

  it('refuses bad input with typed errors that name the problem', async () => {
    const ctx = await testContext();
    const base = { featureLayer: 'f', optimizer: { kind: 'sgd', lr: 0.1 } as const, batchSize: 8, epochs: 1, seed: 1 };
    const labels = Int32Array.from(data.labels);
    labels[17] = 4;
    await expect(trainHead(ctx, { ...data, labels }, base)).rejects.toThrow(InputError);
    await expect(trainHead(ctx, { ...data, labels }, base)).rejects.toThrow(/sample 17 has label 4, outside \[0, 4\)/);
    await expect(trainHead(ctx, { ...data, labels: new Int32Array(0), features: new Float32Array(0) }, base)).rejects.toThrow(/no samples/);
    await expect(trainHead(ctx, { ...data, features: data.features.subarray(1) }, base)).rejects.toThrow(/not a whole row/);
    await expect(trainHead(ctx, data, { ...base, hidden: [initDenseLayer('fc1', 11, 5, 'relu', 1)] })).rejects.toThrow(/rows are 12 wide but layer "fc1" takes 11/);
    await expect(trainHead(ctx, data, { ...base, batchSize: 0 })).rejects.toThrow(InvalidParameterError);
    await expect(trainHead(ctx, data, { ...base, optimizer: { kind: 'adam', lr: -1 } })).rejects.toThrow(/optimizer.lr/);
    const controller = new AbortController();
    controller.abort();
    await expect(trainHead(ctx, data, { ...base, signal: controller.signal })).rejects.toThrow(AbortError);
  });

  it('stops with a clear error when the loss turns NaN', async () => {
    const ctx = await testContext();
    const big = { ...data, features: data.features.map((f) => f * 1e4) };
    const error = await trainHead(ctx, big, { featureLayer: 'f', optimizer: { kind: 'sgd', lr: 1e35 }, batchSize: 32, epochs: 3, seed: 1, lossEvery: 2 }).catch((e: unknown) => e);
    console.log(`diverged: ${(error as Error).message}`);
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as Error).message).toMatch(/the loss became (NaN|Infinity) at epoch 0, steps \d+–\d+: training diverged; try a lower learning rate than 1e\+35/);
  });
});
