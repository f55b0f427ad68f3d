/**
 * Classifier.withHead (image/classifier.ts): the shipped LeNet-5 classifier
 * as the base, a random 2-layer head over three made-up classes (and a kNN
 * head over MNIST digits' features) appended as one compiled model, with the
 * base's digit preprocessing. classify()'s scores are checked against the
 * float64 reference of the composed model on preprocess()'s tensor: the
 * interpreter on the cut backbone, then the dense head and softmax (or the
 * brute-force neighbours and vote) written from their definitions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { lenet5 } from '../../src/models/lenet.js';
import { loadPretrainedWeights } from '../../src/models/pretrained_node.js';
import { createClassifier, type Classifier } from '../../src/node.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { loadHead, saveHead } from '../../src/train/head_file.js';
import { knnHead } from '../../src/train/knn.js';
import { mnistTestDigits } from '../e2e/mnist_images.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { denseHeadRef, knnVoteRef, nearestRef, softmaxRowsRef } from '../reference/dense_head.js';
import { runGraphRef } from '../reference/graph.js';
import { randomHead } from '../reference/random_head.js';

const DIGITS = mnistTestDigits(16).map((d) => ({ label: d.label, image: { width: 28, height: 28, data: rgbaOf(d.pixels) } }));

function rgbaOf(pixels: Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(pixels.length * 4);
  pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
  return rgba;
}

let base: Classifier;
let weights: ReadonlyMap<string, Float32Array>;

/** Float64 features at `layer` of the shipped LeNet-5 for preprocessed tensors. */
function featuresRef(tensors: readonly Float32Array[], layer: string): Float64Array {
  const images = new Float32Array(tensors.length * 32 * 32);
  tensors.forEach((t, i) => images.set(t, i * 32 * 32));
  return runGraphRef(cutBackbone(lenet5({ batch: tensors.length }), layer).graph, weights, new Map([['image', images]])).get(FEATURES_OUTPUT)!;
}

beforeAll(async () => {
  base = await createClassifier('lenet5', { ctx: await testContext() });
  weights = await loadPretrainedWeights('lenet5');
});

afterAll(() => base?.dispose());

describe('Classifier.withHead', () => {
  it('a trained head (saved and loaded): classify() = softmax of the composed model’s float64 reference', async () => {
    const rng = new Rng(51);
    const head = loadHead(saveHead({ ...randomHead(rng, 'act4', [84, 16, 3]), classes: ['cat', 'dog', 'fox'] }));
    const pets = await base.withHead(head);
    try {
      expect(pets.labels).toEqual(['cat', 'dog', 'fox']);
      expect(pets.preprocessing).toEqual(base.preprocessing);
      expect(pets.model.graph.outputs.map((o) => o.name)).toEqual(['logits']);
      let worst = 0;
      for (const { image } of DIGITS.slice(0, 4)) {
        const scores = await pets.classify(image, { topK: Infinity });
        const tensor = await pets.preprocess(image);
        const reference = softmaxRowsRef(denseHeadRef(head, featuresRef([tensor], 'act4')), 3);
        expect(scores.map((s) => s.label)).toEqual([0, 1, 2].sort((a, b) => reference[b]! - reference[a]!).map((i) => head.classes[i]));
        for (const { label, score } of scores) worst = Math.max(worst, Math.abs(score - reference[head.classes.indexOf(label)]!));
      }
      console.log(`[withHead] LeNet-5 + 84→16→3 head on 4 digits: max |score − float64 softmax| ${worst.toExponential(2)} (${pets.model.info.dispatches} dispatches, one model)`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      pets.dispose();
    }
  });

  it('a kNN head over 12 MNIST digits’ features reads the other 4 as the float64 brute-force vote does', async () => {
    const tensors = await Promise.all(DIGITS.map(({ image }) => base.preprocess(image)));
    const stored = DIGITS.slice(0, 12);
    const examples = featuresRef(tensors.slice(0, 12), 'act4');
    const labels = stored.map((d) => d.label);
    const knn = knnHead({ features: Float32Array.from(examples), width: 84, layer: 'act4', labels, classes: Array.from({ length: 10 }, (_, i) => `digit ${i}`), k: 3 });
    const reader = await base.withHead(knn);
    try {
      let worst = 0;
      const answers: string[] = [];
      for (let i = 12; i < 16; i++) {
        const scores = await reader.classify(DIGITS[i]!.image, { topK: 10 });
        const reference = knnVoteRef(nearestRef(examples, 84, featuresRef([tensors[i]!], 'act4'), 3), labels);
        expect(scores.map((s) => s.label)).toEqual(reference.map((r) => knn.classes[r.index]));
        scores.forEach((s, j) => (worst = Math.max(worst, Math.abs(s.score - reference[j]!.score))));
        answers.push(`${DIGITS[i]!.label}→${scores[0]!.label.slice(-1)}`);
      }
      console.log(`[withHead] kNN (k=3, 12 examples) on 4 digits: ${answers.join(' ')}; max |score − float64 vote| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      reader.dispose();
    }
  });

  it('a base made from a compiled model needs the weights given', async () => {
    const ctx = await testContext();
    const model = await compile(ctx, lenet5(), weights);
    const fromModel = await createClassifier(model, { ctx });
    try {
      const head = randomHead(new Rng(52), 'act4', [84, 2]);
      await expect(fromModel.withHead(head)).rejects.toThrow(InvalidParameterError);
      await expect(fromModel.withHead(head)).rejects.toThrow(/pass the base weights as \{ weights \}/);
      const given = await fromModel.withHead(head, { weights });
      expect(given.labels).toEqual(['class 0', 'class 1']);
      given.dispose();
    } finally {
      fromModel.dispose();
      model.dispose();
    }
  });
});
