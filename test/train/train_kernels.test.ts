/**
 * The head-training kernels (src/kernels/train_*.ts) against float64 CPU
 * code (test/reference/train.ts) on random shapes and data: dense forward
 * and both halves of its backward with each activation, softmax
 * cross-entropy and its gradient, SGD-momentum and Adam steps, the batch
 * gather. Errors are printed.
 */
import { describe, expect, it } from 'vitest';
import { createTensorBuffer, readTensor } from '../../src/gpu/buffers.js';
import { runDispatches, type DispatchSpec } from '../../src/kernels/dispatch.js';
import { gatherBatch } from '../../src/kernels/train_batch.js';
import { denseBackwardInput, denseBackwardParams, denseForward, DENSE_ACTIVATIONS, type DenseActivationName } from '../../src/kernels/train_dense.js';
import { softmaxCrossEntropy } from '../../src/kernels/train_loss.js';
import { adamStep, sgdStep } from '../../src/kernels/train_optimizer.js';
import { testContext } from '../helpers/gpu.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { adamStepRef, denseBackwardRef, denseForwardRef, sgdStepRef, softmaxCrossEntropyRef } from '../reference/train.js';

/** Uploads named arrays, runs the specs built on them, reads back the named ones. */
async function run(inputs: Record<string, Float32Array | Uint32Array>, build: (b: Record<string, GPUBuffer>) => DispatchSpec[], read: string[]): Promise<Record<string, Float32Array>> {
  const { device } = await testContext();
  const buffers: Record<string, GPUBuffer> = {};
  for (const [name, data] of Object.entries(inputs)) buffers[name] = createTensorBuffer(device, new Float32Array(data.buffer, data.byteOffset, data.length), name);
  try {
    await runDispatches(device, build(buffers));
    const out: Record<string, Float32Array> = {};
    for (const name of read) out[name] = await readTensor(device, buffers[name]!, inputs[name]!.length);
    return out;
  } finally {
    Object.values(buffers).forEach((b) => b.destroy());
  }
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('dense layer forward and backward', () => {
  const rng = new Rng(20261202);
  const cases: { rows: number; inF: number; outF: number; act: DenseActivationName }[] = [
    { rows: 1, inF: 1, outF: 2, act: 'none' },
    { rows: 70, inF: 300, outF: 17, act: 'none' },
  ];
  for (let i = 0; i < 6; i++) cases.push({ rows: rng.int(1, 70), inF: rng.int(1, 300), outF: rng.int(1, 120), act: DENSE_ACTIVATIONS[i % 3]! });

  for (const { rows, inF, outF, act } of cases) {
    it(`rows=${rows} in=${inF} out=${outF} act=${act}`, async () => {
      const offset = rng.int(0, 9);
      const params = rng.array(offset + outF * (inF + 1) + 3, -0.3, 0.3);
      const w = params.subarray(offset, offset + outF * inF);
      const b = params.subarray(offset + outF * inF, offset + outF * (inF + 1));
      const x = rng.array(rows * inF, -1, 1);
      const dy = rng.array(rows * outF, -1, 1);
      const shape = { rows, inFeatures: inF, outFeatures: outF, paramOffset: offset, activation: act };
      const yRef = denseForwardRef(x, w, b, rows, inF, outF, act);
      const yGpu = (await run({ x, params, y: new Float32Array(rows * outF) }, (g) => [denseForward(shape, { x: g.x!, weights: g.params!, y: g.y! })], ['y'])).y!;
      // the backward from the GPU's own y, so relu's kink sees the same sign on both sides
      const ref = denseBackwardRef(x, w, yGpu, dy, rows, inF, outF, act);
      const grads = new Float32Array(params.length);
      const out = await run({ x, y: yGpu, dy, params, grads, dx: new Float32Array(rows * inF) }, (g) => [
        denseBackwardParams(shape, { x: g.x!, y: g.y!, dy: g.dy!, grads: g.grads! }),
        denseBackwardInput(shape, { y: g.y!, dy: g.dy!, weights: g.params!, dx: g.dx! }),
      ], ['grads', 'dx']);
      const dW = out.grads!.subarray(offset, offset + outF * inF);
      const db = out.grads!.subarray(offset + outF * inF, offset + outF * (inF + 1));
      const errors = { y: relativeL2(yGpu, yRef), dW: relativeL2(dW, ref.dW), db: relativeL2(db, ref.db), dx: relativeL2(out.dx!, ref.dx) };
      console.log(`dense rows=${rows} in=${inF} out=${outF} ${act}: relative L2 y ${errors.y.toExponential(2)} dW ${errors.dW.toExponential(2)} db ${errors.db.toExponential(2)} dx ${errors.dx.toExponential(2)}`);
      for (const e of Object.values(errors)) expect(e).toBeLessThan(2e-6);
      // nothing outside the layer's slice of the grads buffer is written
      expect(out.grads!.subarray(0, offset).every((v) => v === 0)).toBe(true);
    });
  }
});

describe('softmax cross-entropy', () => {
  const rng = new Rng(77);
  for (let i = 0; i < 5; i++) {
    const rows = i === 0 ? 1 : rng.int(1, 70);
    const classes = rng.int(2, 17);
    it(`rows=${rows} classes=${classes}, loss accumulated over two steps`, async () => {
      // logits of size ~±20 exercise the max subtraction
      const logits = rng.array(rows * classes, -20, 20);
      const labels = Uint32Array.from({ length: rows }, () => rng.int(0, classes - 1));
      const ref = softmaxCrossEntropyRef(logits, labels, rows, classes);
      const spec = (g: Record<string, GPUBuffer>) => softmaxCrossEntropy({ rows, classes }, { logits: g.logits!, labels: g.labels!, grad: g.grad!, stats: g.stats! });
      const out = await run({ logits, labels, grad: new Float32Array(rows * classes), stats: new Float32Array([0, 0, 5]) }, (g) => [spec(g), spec(g)], ['grad', 'stats']);
      const lossErr = Math.abs(out.stats![0]! / 2 - ref.loss) / Math.abs(ref.loss);
      const gradErr = relativeL2(out.grad!, ref.grad);
      console.log(`softmax CE rows=${rows} classes=${classes}: loss ${ref.loss.toFixed(4)} relative error ${lossErr.toExponential(2)}, grad relative L2 ${gradErr.toExponential(2)}`);
      expect(lossErr).toBeLessThan(2e-6);
      expect(gradErr).toBeLessThan(2e-6);
      expect([out.stats![1], out.stats![2]]).toEqual([2, 7]);
    });
  }

  it('a non-finite logit gives a NaN loss', async () => {
    const logits = new Float32Array([1, 2, Infinity, 0.5, 0.25, -1]);
    const out = await run({ logits, labels: new Uint32Array([0, 1]), grad: new Float32Array(6), stats: new Float32Array(3) }, (g) => [
      softmaxCrossEntropy({ rows: 2, classes: 3 }, { logits: g.logits!, labels: g.labels!, grad: g.grad!, stats: g.stats! }),
    ], ['stats']);
    expect(Number.isNaN(out.stats![0])).toBe(true);
  });
});

describe('optimizer steps', () => {
  const rng = new Rng(4242);
  it('SGD with momentum and weight decay, three steps', async () => {
    const count = rng.int(200, 3000);
    const o = { lr: 0.05, momentum: 0.9, weightDecay: 1e-2 };
    const p = rng.array(count);
    const grads = [rng.array(count), rng.array(count), rng.array(count)];
    const pRef = Float64Array.from(p);
    const vRef = new Float64Array(count);
    let worst = 0;
    let current: Float32Array = p;
    let velocity: Float32Array = new Float32Array(count);
    for (const g of grads) {
      sgdStepRef(pRef, g, vRef, o);
      const out = await run({ weights: current, grads: g, velocity }, (b) => [sgdStep({ count, ...o }, { weights: b.weights!, grads: b.grads!, velocity: b.velocity! })], ['weights', 'velocity']);
      current = out.weights!;
      velocity = out.velocity!;
      worst = Math.max(worst, maxAbs(current, pRef));
    }
    console.log(`sgd count=${count}: max abs error after 3 steps ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
  });

  it('Adam with weight decay, three steps (t kept in stats[2])', async () => {
    const count = rng.int(200, 3000);
    const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 };
    const p = rng.array(count);
    const pRef = Float64Array.from(p);
    const mRef = new Float64Array(count);
    const vRef = new Float64Array(count);
    let state: Record<string, Float32Array> = { weights: p, m: new Float32Array(count), v: new Float32Array(count) };
    let worst = 0;
    for (let t = 1; t <= 3; t++) {
      const g = rng.array(count);
      adamStepRef(pRef, g, mRef, vRef, t, o);
      const out = await run({ ...state, grads: g, stats: new Float32Array([0, 0, t]) }, (b) => [
        adamStep({ count, ...o }, { weights: b.weights!, grads: b.grads!, m: b.m!, v: b.v!, stats: b.stats! }),
      ], ['weights', 'm', 'v']);
      state = { weights: out.weights!, m: out.m!, v: out.v! };
      worst = Math.max(worst, maxAbs(state.weights!, pRef));
    }
    console.log(`adam count=${count}: max abs error after 3 steps ${worst.toExponential(2)} (lr ${o.lr})`);
    // Adam's first steps move each weight by ≈ lr whatever the gradient's size: the error scales with lr
    expect(worst).toBeLessThan(3e-5 * o.lr);
  });
});

describe('batch gather', () => {
  it('takes the rows and labels the order names', async () => {
    const rng = new Rng(9);
    const samples = 53;
    const width = rng.int(1, 40);
    const rows = 17;
    const start = 20;
    const features = rng.array(samples * width);
    const labels = Uint32Array.from({ length: samples }, () => rng.int(0, 9));
    const order = Uint32Array.from({ length: samples }, (_, i) => (i * 31) % samples);
    const out = await run({ features, labels, order, x: new Float32Array(rows * width), labelsOut: new Uint32Array(rows) }, (g) => [
      gatherBatch({ rows, width, start }, { features: g.features!, labels: g.labels!, order: g.order!, x: g.x!, labelsOut: g.labelsOut! }),
    ], ['x', 'labelsOut']);
    const x = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) x.set(features.subarray(order[start + r]! * width, (order[start + r]! + 1) * width), r * width);
    expect(out.x).toEqual(x);
    expect(new Uint32Array(out.labelsOut!.buffer)).toEqual(Uint32Array.from({ length: rows }, (_, r) => labels[order[start + r]!]!));
  });
});
