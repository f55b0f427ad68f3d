/**
 * AlexNet, VGG and ResNet from the zoo: parameter counts, names and shapes
 * against torchvision 0.14 (test/fixtures/torchvision_keys/*.json, made by
 * test/fixtures/torchvision_keys.py), output shapes at the standard and a
 * reduced resolution, and small numeric runs against the float64
 * interpreter with random weights.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_CLASSES, expectMatchesReference, type GemmStrategy } from '../helpers/graph_check.js';
import type { Graph } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import { alexnet, alexnetOriginal } from '../../src/models/alexnet.js';
import type { ModelOptions } from '../../src/models/options.js';
import { resnet101, resnet152, resnet18, resnet34, resnet50 } from '../../src/models/resnet.js';
import { vgg11, vgg11_bn, vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn } from '../../src/models/vgg.js';

type Builder = (o?: ModelOptions) => Graph;

/** Every model with a torchvision twin, by torchvision's name, with torchvision's parameter count. */
const TORCHVISION: Record<string, [Builder, number]> = {
  alexnet: [alexnet, 61_100_840],
  vgg11: [vgg11, 132_863_336],
  vgg13: [vgg13, 133_047_848],
  vgg16: [vgg16, 138_357_544],
  vgg19: [vgg19, 143_667_240],
  vgg11_bn: [vgg11_bn, 132_868_840],
  vgg13_bn: [vgg13_bn, 133_053_736],
  vgg16_bn: [vgg16_bn, 138_365_992],
  vgg19_bn: [vgg19_bn, 143_678_248],
  resnet18: [resnet18, 11_689_512],
  resnet34: [resnet34, 21_797_672],
  resnet50: [resnet50, 25_557_032],
  resnet101: [resnet101, 44_549_160],
  resnet152: [resnet152, 60_192_808],
};

interface TorchvisionKeys {
  model: string;
  parameters: number;
  state_dict: { name: string; shape: number[]; learnable: boolean }[];
}

function torchvisionKeys(model: string): TorchvisionKeys {
  return JSON.parse(readFileSync(new URL(`../fixtures/torchvision_keys/${model}.json`, import.meta.url), 'utf8')) as TorchvisionKeys;
}

const entries = (graph: Graph): { name: string; shape: number[]; learnable: boolean }[] =>
  [...graph.parameters.values()].map((p) => ({ name: p.name, shape: [...p.shape], learnable: p.learnable }));

const outputShape = (graph: Graph): readonly number[] => graph.tensors[graph.outputs[0]!.tensor]!.shape;

/** The output shape of the named layer. */
const layerShape = (graph: Graph, name: string): readonly number[] => summary(graph).layers.find((l) => l.name === name)!.outputShape;

describe('torchvision twins', () => {
  for (const [model, [build, count]] of Object.entries(TORCHVISION)) {
    it(`${model}: ${count.toLocaleString('en-US')} parameters, torchvision's names and shapes`, () => {
      const graph = build();
      const reference = torchvisionKeys(model);
      expect(reference.parameters).toBe(count);
      expect(summary(graph).totalParameters).toBe(count);
      expect(entries(graph)).toEqual(reference.state_dict);
      expect(graph.inputs).toEqual([{ name: 'image', tensor: 0 }]);
      expect(graph.tensors[0]!.shape).toEqual([1, 3, 224, 224]);
      expect(graph.outputs.map((o) => o.name)).toEqual(['logits']);
      expect(outputShape(graph)).toEqual([1, 1000]);
    });

    it(`${model}: batch 3, 64×64 input, 10 classes`, () => {
      const graph = build({ batch: 3, inputSize: 64, numClasses: 10 });
      expect(graph.tensors[0]!.shape).toEqual([3, 3, 64, 64]);
      expect(outputShape(graph)).toEqual([3, 10]);
      // adaptive / global pooling keeps every shape but the last layer's rows
      const full = entries(build());
      const reduced = entries(graph);
      expect(reduced.map((p) => p.name)).toEqual(full.map((p) => p.name));
      expect(reduced.slice(0, -2)).toEqual(full.slice(0, -2));
      expect(reduced.slice(-2).map((p) => p.shape)).toEqual([[10, full.at(-2)!.shape[1]!], [10]]);
    });
  }

  it('feature maps have the textbook sizes at 224', () => {
    expect(layerShape(alexnet(), 'features.0')).toEqual([1, 64, 55, 55]);
    expect(layerShape(alexnet(), 'features.10')).toEqual([1, 256, 13, 13]);
    expect(layerShape(vgg16(), 'features.28')).toEqual([1, 512, 14, 14]);
    expect(layerShape(resnet18(), 'layer1.1.bn2')).toEqual([1, 64, 56, 56]);
    expect(layerShape(resnet50(), 'layer4.2.bn3')).toEqual([1, 2048, 7, 7]);
    expect(layerShape(resnet50(), 'layer2.0.conv2')).toEqual([1, 128, 28, 28]);
    expect(layerShape(resnet50(), 'layer2.0.conv1')).toEqual([1, 128, 56, 56]);
  });
});

describe('alexnetOriginal (Krizhevsky et al. 2012)', () => {
  it('227×227 → 55×55 after conv1, grouped convs, LRN, 60,965,224 parameters', () => {
    const graph = alexnetOriginal();
    expect(graph.tensors[0]!.shape).toEqual([1, 3, 227, 227]);
    expect(layerShape(graph, 'conv1')).toEqual([1, 96, 55, 55]);
    expect(layerShape(graph, 'conv2')).toEqual([1, 256, 27, 27]);
    expect(layerShape(graph, 'conv5')).toEqual([1, 256, 13, 13]);
    expect(outputShape(graph)).toEqual([1, 1000]);
    expect(summary(graph).totalParameters).toBe(60_965_224);
    expect(entries(graph).map((p) => `${p.name} [${p.shape.join(', ')}]`)).toEqual([
      'conv1.weight [96, 3, 11, 11]',
      'conv1.bias [96]',
      'conv2.weight [256, 48, 5, 5]',
      'conv2.bias [256]',
      'conv3.weight [384, 256, 3, 3]',
      'conv3.bias [384]',
      'conv4.weight [384, 192, 3, 3]',
      'conv4.bias [384]',
      'conv5.weight [256, 192, 3, 3]',
      'conv5.bias [256]',
      'fc6.weight [4096, 9216]',
      'fc6.bias [4096]',
      'fc7.weight [4096, 4096]',
      'fc7.bias [4096]',
      'fc8.weight [1000, 4096]',
      'fc8.bias [1000]',
    ]);
    const lrns = graph.nodes.filter((n) => n.op === 'lrn');
    expect(lrns.map((n) => n.op === 'lrn' && [n.size, n.alpha / n.size, n.beta, n.k])).toEqual([
      [5, 1e-4, 0.75, 2],
      [5, 1e-4, 0.75, 2],
    ]);
    const groups = graph.nodes.flatMap((n) => (n.op === 'conv2d' ? [n.attrs.groups] : []));
    expect(groups).toEqual([1, 2, 1, 2, 2]);
  });

  it('builds at a reduced 131×131 input', () => {
    const graph = alexnetOriginal({ batch: 2, inputSize: 131 });
    expect(layerShape(graph, 'conv5')).toEqual([2, 256, 7, 7]);
    expect(outputShape(graph)).toEqual([2, 1000]);
  });
});

/**
 * SwiftShader's time here goes mostly to streaming weights through the tiled
 * GEMM (AlexNet's head alone is 58M weights), so the inputs are small and
 * VGG, whose first FC layer has 103M weights at any input size, is left out.
 */
describe('numerics vs the float64 interpreter (random weights, reduced inputs)', () => {
  // gemm: run under the 'gpu' rules too (batch 2, so the GEMM paths see a batch), with the strategies that must then appear
  const cases: [string, () => Graph, number, (readonly GemmStrategy[])?][] = [
    // its 1×1 shortcuts have stride 2, which pointwise does not take
    ['resnet18 batch 2 at 32×32', () => resnet18({ batch: 2, inputSize: 32 }), 18, ['implicit_gemm']],
    ['alexnet batch 1 at 64×64', () => alexnet({ inputSize: 64 }), 64],
    ['alexnetOriginal batch 2 at 67×67, 10 classes (grouped convs, LRN)', () => alexnetOriginal({ batch: 2, inputSize: 67, numClasses: 10 }), 67, ['implicit_gemm']],
  ];
  for (const deviceClass of DEVICE_CLASSES) {
    for (const [title, build, seed, gemm] of cases.filter((c) => deviceClass === 'cpu' || c[3])) {
      it(`${title}, ${deviceClass} rules`, () => expectMatchesReference(build(), seed, { deviceClass }, { gemm: gemm ?? [] }));
    }
  }
});
