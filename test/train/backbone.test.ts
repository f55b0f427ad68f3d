/**
 * Cutting a graph at its feature layer (train/backbone.ts, graph/prune.ts):
 * which layer is chosen, what the cut keeps, and the dense tail that
 * unfreezing hands the trainer. Pure: no device.
 */
import { describe, expect, it } from 'vitest';
import { GraphError, InvalidParameterError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { pruneGraph } from '../../src/graph/prune.js';
import { lenet5 } from '../../src/models/lenet.js';
import { resnet } from '../../src/models/resnet.js';
import { vgg } from '../../src/models/vgg.js';
import { cutBackbone, featureLayer, FEATURES_OUTPUT, unfrozenLayers } from '../../src/train/backbone.js';
import { randomWeights } from '../helpers/random_graph.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';

describe('featureLayer', () => {
  it('is the input of the last linear layer, or of the k-th before it', () => {
    expect(featureLayer(lenet5())).toBe('act4'); // fc1's 84 features after ReLU
    expect(featureLayer(lenet5(), 1)).toBe('flatten'); // conv3's 120 features
    const vgg16 = vgg('vgg16', { inputSize: 32 });
    const linears = vgg16.nodes.filter((n) => n.op === 'linear').map((n) => n.name);
    expect(linears).toHaveLength(3);
    // VGG's classifier is fc → ReLU → dropout → fc → ReLU → dropout → fc: unfreezing walks through the dropouts
    expect(vgg16.nodes[vgg16.tensors[vgg16.nodes.find((n) => n.name === linears[0])!.inputs[0]!]!.producer]!.name).toBe(featureLayer(vgg16, 2));
  });

  it('refuses to unfreeze through a non-dense layer, or more linear layers than there are', () => {
    const resnet18 = resnet('resnet18', { inputSize: 32 });
    expect(() => featureLayer(resnet18, 1)).toThrow(GraphError);
    expect(thrown(() => featureLayer(resnet18, 1)).message).toMatch(/sits between linear layers, so at most 0 of them can be unfrozen, not 1/);
    expect(() => featureLayer(lenet5(), 2)).toThrow(/sits between linear layers, so at most 1 of them can be unfrozen, not 2/);
    expect(() => featureLayer(lenet5(), -1)).toThrow(InvalidParameterError);
    const g = new GraphBuilder();
    g.output(g.relu(g.input('x', [1, 4])), 'y');
    expect(() => featureLayer(g.build())).toThrow(/has no linear layer/);
  });
});

describe('cutBackbone', () => {
  it('keeps only what the feature layer needs, flattened, with dense ids and the used parameters', () => {
    const full = lenet5({ batch: 3 });
    const { graph, features } = cutBackbone(full, 'act4');
    expect(features).toBe(84);
    expect(graph.outputs).toEqual([{ name: FEATURES_OUTPUT, tensor: graph.nodes.at(-1)!.output }]);
    expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual([3, 84]);
    expect(graph.nodes.map((n) => n.name)).not.toContain('fc2');
    expect([...graph.parameters.keys()].filter((p) => p.startsWith('fc2'))).toEqual([]);
    expect(graph.parameters.has('fc1.weight')).toBe(true);
    graph.nodes.forEach((n, i) => expect(n.id).toBe(i));
    graph.tensors.forEach((t, i) => expect(t.id).toBe(i));
    for (const n of graph.nodes) expect(graph.tensors[n.output]!.producer).toBe(n.id);

    // a rank-4 layer is flattened: conv3 gives [N, 120, 1, 1]
    const conv = cutBackbone(full, 'act3');
    expect(conv.features).toBe(120);
    expect(conv.graph.tensors[conv.graph.outputs[0]!.tensor]!.shape).toEqual([3, 120]);
    expect(() => cutBackbone(full, 'nope')).toThrow(/no node or input of that name/);
  });

  it('prunes a branch no output reads, and an input nothing reads', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 5]);
    g.input('unused', [2, 5]);
    const a = g.linear(x, { name: 'a', outFeatures: 4 });
    g.linear(x, { name: 'dead', outFeatures: 3 });
    g.output(g.relu(a, 'r'), 'y');
    const pruned = pruneGraph(g.build());
    expect(pruned.nodes.map((n) => n.name)).toEqual(['a', 'r']);
    expect(pruned.inputs.map((i) => i.name)).toEqual(['x']);
    expect([...pruned.parameters.keys()].sort()).toEqual(['a.bias', 'a.weight']);
  });
});

describe('unfrozenLayers', () => {
  it('hands back the backbone’s own weights (copies) and activations for the unfrozen layers', () => {
    const graph = lenet5();
    const weights = randomWeights(graph, new Rng(5));
    const { featureLayer: layer, layers } = unfrozenLayers(graph, weights, 1);
    expect(layer).toBe('flatten');
    expect(layers.map((l) => [l.name, l.inFeatures, l.outFeatures, l.activation])).toEqual([['fc1', 120, 84, 'relu']]);
    expect(layers[0]!.weight).toEqual(weights.get('fc1.weight'));
    expect(layers[0]!.weight).not.toBe(weights.get('fc1.weight'));
    expect(unfrozenLayers(graph, weights, 0).layers).toEqual([]);
    const missing = new Map(weights);
    missing.delete('fc1.weight');
    expect(() => unfrozenLayers(graph, missing, 1)).toThrow(/has no weight "fc1.weight"/);
  });
});
