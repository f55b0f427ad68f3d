/**
 * Logits → the k most likely classes with their softmax probabilities and
 * names: what a classifier's caller wants to show. One helper for the
 * library's classify(), the CLI and the demo.
 */
import { InvalidParameterError } from '../errors.js';

/** One class of a classification: its name, probability (softmax), index and raw logit. */
export interface ClassScore {
  label: string;
  /** Softmax probability in [0, 1]; the scores of all classes sum to 1. */
  score: number;
  /** Index of the class in the model's output. */
  index: number;
  logit: number;
}

/**
 * The softmax of one row of logits, computed in float64 after subtracting
 * the maximum (no overflow for large logits).
 *
 * @example softmax([1, 2, 3]) // Float64Array [0.090, 0.245, 0.665]
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Refuses a k that is not a whole number ≥ 1 (Infinity: every class). */
export function checkTopK(k: number): void {
  if (typeof k !== 'number' || !(k >= 1) || (Number.isFinite(k) && !Number.isInteger(k))) throw new InvalidParameterError('topK', `must be a whole number ≥ 1 (or Infinity for every class), got ${String(k)}`);
}

/** The name of class `index`: `labels[index]`, else `class N`. */
export function labelOf(index: number, labels?: readonly string[]): string {
  return labels?.[index] ?? `class ${index}`;
}

/**
 * The `k` largest of one row of logits, most likely first (ties by index),
 * with softmax probabilities over the whole row. `k` larger than the row
 * gives every class; `labels` name them (default `class N`).
 *
 * @example
 * const logits = await model.predict(input);
 * topK(logits, 3, ['cat', 'dog', 'bird', 'fish']); // [{ label: 'dog', score: 0.71, index: 1, logit: 2.3 }, …]
 */
export function topK(logits: ArrayLike<number>, k: number, labels?: readonly string[]): ClassScore[] {
  checkTopK(k);
  const probabilities = softmax(logits);
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((a, b) => logits[b]! - logits[a]! || a - b);
  return order.slice(0, Math.min(k, order.length)).map((index) => ({ label: labelOf(index, labels), score: probabilities[index]!, index, logit: logits[index]! }));
}

/**
 * The `k` most likely classes of one row of probabilities (a multi-crop or
 * ensemble mean, already a softmax), most likely first (ties by index);
 * `logit` is log(probability), what a softmax turns back into it.
 *
 * @example rankProbabilities([0.1, 0.7, 0.2], 2, ['cat', 'dog', 'bird']) // [{ label: 'dog', score: 0.7, index: 1, … }, { label: 'bird', … }]
 */
export function rankProbabilities(probabilities: ArrayLike<number>, k: number, labels?: readonly string[]): ClassScore[] {
  checkTopK(k);
  const order = Array.from({ length: probabilities.length }, (_, i) => i).sort((a, b) => probabilities[b]! - probabilities[a]! || a - b);
  return order.slice(0, Math.min(k, order.length)).map((index) => ({ label: labelOf(index, labels), score: probabilities[index]!, index, logit: Math.log(probabilities[index]!) }));
}
