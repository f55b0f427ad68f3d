/**
 * Random heads for the tests of src/train/ (the trainer is tested apart):
 * dense layers in PyTorch's default weight scale, and labelled feature rows
 * for a kNN head. Only types come from src/.
 */
import type { ClassifierHead, DenseActivation, DenseLayer } from '../../src/train/head.js';
import type { Rng } from '../helpers/random.js';

/** A dense layer with weights uniform in ±1/√in (PyTorch's default scale), so logits are neither flat nor saturated. */
export function randomLayer(rng: Rng, name: string, inFeatures: number, outFeatures: number, activation: DenseActivation): DenseLayer {
  const s = 1 / Math.sqrt(inFeatures);
  return { name, inFeatures, outFeatures, activation, weight: rng.array(outFeatures * inFeatures, -s, s), bias: rng.array(outFeatures, -s, s) };
}

/** A head of widths[0] features through widths[1..] (the last is the class count), hidden activations drawn from relu / tanh. */
export function randomHead(rng: Rng, featureLayer: string, widths: readonly number[], names = widths.slice(1).map((_, i) => `head.${i}`)): ClassifierHead {
  const layers = widths.slice(1).map((out, i) => randomLayer(rng, names[i]!, widths[i]!, out, i === widths.length - 2 ? 'none' : rng.pick(['relu', 'tanh'] as const)));
  return { featureLayer, features: widths[0]!, classes: Array.from({ length: widths.at(-1)! }, (_, i) => `class ${i}`), layers };
}
