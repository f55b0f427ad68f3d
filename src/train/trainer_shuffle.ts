/**
 * The trainer's reproducible randomness: the order of the samples in each
 * epoch and the initial weights of the new output layer, both from a seeded
 * mulberry32, so a run is the same on every machine (and the bench can hand
 * the same permutations and weights to PyTorch).
 */
import { mulberry32 } from '../random.js';
import type { DenseActivation, DenseLayer } from './head.js';

/** mulberry32 started at the seed itself (mod 2³², 0 included): uniform floats in [0, 1). */
export function seededUniform(seed: number): () => number {
  return mulberry32(seed);
}

/**
 * The order of `n` samples in epoch `epoch` (0-based) of a run seeded with
 * `seed`: a Fisher–Yates shuffle (i from n − 1 down to 1 swaps i with
 * ⌊u·(i + 1)⌋) driven by mulberry32 seeded with seed ⊕ (epoch + 1)·0x9e3779b9.
 * @example epochOrder(5, 42, 0) // a permutation of 0…4, the same on every call
 */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array<ArrayBuffer> {
  const next = seededUniform((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * A dense layer initialised as nn.Linear's reset_parameters does: weight and
 * bias uniform in ±1/√inFeatures (kaiming_uniform with a = √5 gives that
 * bound), weights first, row by row, then the bias, from mulberry32(seed).
 * @example initDenseLayer('head', 84, 10, 'none', 7).weight.length // 840
 */
export function initDenseLayer(name: string, inFeatures: number, outFeatures: number, activation: DenseActivation, seed: number): DenseLayer {
  const next = seededUniform(seed);
  const bound = 1 / Math.sqrt(inFeatures);
  const uniform = (length: number) => Float32Array.from({ length }, () => (2 * next() - 1) * bound);
  const weight = uniform(outFeatures * inFeatures);
  return { name, inFeatures, outFeatures, weight, bias: uniform(outFeatures), activation };
}
