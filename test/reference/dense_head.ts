/**
 * Float64 references for the heads of src/train/: a dense head's logits on
 * feature rows, and a k-nearest-neighbour vote by brute force over the raw
 * (unnormalised) examples. Written from the definitions, not from the code
 * under test: only types come from src/.
 */
import type { ClassifierHead } from '../../src/train/head.js';

/** Logits [n, classes] of `head` on `features` [n, head.features]. */
export function denseHeadRef(head: ClassifierHead, features: ArrayLike<number>): Float64Array {
  let x = Float64Array.from(features);
  let width = head.features;
  const n = x.length / width;
  for (const layer of head.layers) {
    const y = new Float64Array(n * layer.outFeatures);
    for (let r = 0; r < n; r++) {
      for (let o = 0; o < layer.outFeatures; o++) {
        let acc = layer.bias[o]!;
        for (let i = 0; i < width; i++) acc += x[r * width + i]! * layer.weight[o * width + i]!;
        y[r * layer.outFeatures + o] = layer.activation === 'relu' ? Math.max(acc, 0) : layer.activation === 'tanh' ? Math.tanh(acc) : acc;
      }
    }
    x = y;
    width = layer.outFeatures;
  }
  return x;
}

/** Softmax of each row of [n, c]. */
export function softmaxRowsRef(logits: ArrayLike<number>, c: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / c; r++) {
    let max = -Infinity;
    for (let i = 0; i < c; i++) max = Math.max(max, logits[r * c + i]!);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += (out[r * c + i] = Math.exp(logits[r * c + i]! - max));
    for (let i = 0; i < c; i++) out[r * c + i]! /= sum;
  }
  return out;
}

/** The k examples most cosine-similar to `query`, nearest first (ties by lower index), with their similarities. */
export function nearestRef(examples: ArrayLike<number>, width: number, query: ArrayLike<number>, k: number): { index: number; similarity: number }[] {
  const norm = (a: ArrayLike<number>, at: number) => {
    let s = 0;
    for (let i = 0; i < width; i++) s += a[at + i]! ** 2;
    return Math.sqrt(s);
  };
  const q = norm(query, 0);
  const all: { index: number; similarity: number }[] = [];
  for (let e = 0; e < examples.length / width; e++) {
    let dot = 0;
    for (let i = 0; i < width; i++) dot += examples[e * width + i]! * query[i]!;
    const d = norm(examples, e * width) * q;
    all.push({ index: e, similarity: d > 0 ? dot / d : 0 });
  }
  all.sort((a, b) => b.similarity - a.similarity || a.index - b.index);
  return all.slice(0, k);
}

/**
 * The similarity-weighted vote of `neighbours` (nearest first): class
 * weights are the sums of positive similarities (one vote each when none is
 * positive), shares of their total; equal weights rank by the nearer
 * neighbour. Answers class indices with shares, best first.
 */
export function knnVoteRef(neighbours: readonly { index: number; similarity: number }[], labels: ArrayLike<number>): { index: number; score: number }[] {
  const anyPositive = neighbours.some((n) => n.similarity > 0);
  const weight = new Map<number, number>();
  const firstRank = new Map<number, number>();
  neighbours.forEach((n, rank) => {
    const c = labels[n.index]!;
    weight.set(c, (weight.get(c) ?? 0) + (anyPositive ? Math.max(n.similarity, 0) : 1));
    if (!firstRank.has(c)) firstRank.set(c, rank);
  });
  let total = 0;
  for (const w of weight.values()) total += w;
  return [...weight.keys()]
    .sort((a, b) => weight.get(b)! - weight.get(a)! || firstRank.get(a)! - firstRank.get(b)!)
    .map((c) => ({ index: c, score: weight.get(c)! / total }));
}
