/**
 * Cutting a compiled model's graph at a feature layer, for transfer learning
 * (the course's P128: drop the network's softmax, keep what comes before as
 * a frozen feature extractor). Pure functions of the graph.
 */
import { GraphError, InvalidParameterError } from '../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import type { Graph, GraphNode, WeightMap } from '../graph/ir.js';
import { pruneGraph } from '../graph/prune.js';
import type { DenseActivation, DenseLayer } from './head.js';

/** The output name of a cut backbone. */
export const FEATURES_OUTPUT = 'features';

/** Nodes that are the identity at inference: the dense tail may pass through them. */
const PASS_THROUGH = new Set(['dropout', 'identity', 'flatten']);

/**
 * The feature layer of a graph: the node whose output feeds its last linear
 * layer (the classifier being replaced), or, with `unfreeze` = k, the input of
 * the k-th linear layer before that one (those k layers then train too).
 * @example featureLayer(lenet5()) // 'act4' (fc1's 84 features after ReLU); featureLayer(lenet5(), 1) // 'flatten'
 */
export function featureLayer(graph: Graph, unfreeze = 0): string {
  return denseChain(graph, unfreeze).featureLayer;
}

/**
 * The graph cut at `layer`: one output, FEATURES_OUTPUT, the layer's tensor
 * flattened to [N, features]; everything after it (and anything else no
 * longer needed) is dropped.
 * @example const { graph, features } = cutBackbone(lenet5({ batch: 64 }), 'act4'); // features: 84
 */
export function cutBackbone(graph: Graph, layer: string): { graph: Graph; features: number } {
  const g = GraphBuilder.from(graph);
  let t = g.outputOf(layer);
  if (t.shape.length < 2) throw new InvalidParameterError('layer', `"${layer}" gives a tensor [${t.shape.join(', ')}]; features need a batch axis and at least one more`);
  if (t.shape.length > 2) t = g.flatten(t, `${layer}.features`);
  g.output(t, FEATURES_OUTPUT);
  return { graph: pruneGraph(g.build()), features: t.shape[1]! };
}

/**
 * The entries of `weights` a (cut) graph declares: compile refuses weights a
 * graph does not use, and a cut backbone no longer uses its classifier's.
 */
export function weightsOf(graph: Graph, weights: WeightMap): WeightMap {
  return new Map([...weights].filter(([name]) => graph.parameters.has(name)));
}

/**
 * The backbone's last `unfreeze` linear layers before its classifier, as
 * dense layers initialised from its weights, and the feature layer that then
 * feeds them. Between them only activations (ReLU, tanh) and pass-through
 * nodes (dropout, identity, flatten) may sit — backpropagation runs through
 * dense layers only.
 */
export function unfrozenLayers(graph: Graph, weights: WeightMap, unfreeze: number): { featureLayer: string; layers: DenseLayer[] } {
  const { featureLayer: layer, linears } = denseChain(graph, unfreeze);
  const layers = linears.map(({ node, activation }) => {
    const weight = weights.get(node.weight);
    if (!weight) throw new GraphError(node.name, `has no weight "${node.weight}" in the given weights`);
    const bias = node.bias ? weights.get(node.bias) : new Float32Array(node.outFeatures);
    if (!bias) throw new GraphError(node.name, `has no bias "${node.bias}" in the given weights`);
    return { name: node.name, inFeatures: node.inFeatures, outFeatures: node.outFeatures, weight: Float32Array.from(weight), bias: Float32Array.from(bias), activation };
  });
  return { featureLayer: layer, layers };
}

type LinearNode = Extract<GraphNode, { op: 'linear' }>;

/** Walks back from the last linear layer through `unfreeze` more. */
function denseChain(graph: Graph, unfreeze: number): { featureLayer: string; linears: { node: LinearNode; activation: DenseActivation }[] } {
  if (!Number.isInteger(unfreeze) || unfreeze < 0) throw new InvalidParameterError('unfreeze', `must be a whole number ≥ 0, got ${unfreeze}`);
  const producer = (tensor: number): GraphNode | undefined => graph.nodes[graph.tensors[tensor]!.producer];
  const linears = graph.nodes.filter((n): n is LinearNode => n.op === 'linear');
  const classifier = linears.at(-1);
  if (!classifier) throw new GraphError('graph', 'has no linear layer: name the feature layer yourself (layer option)');

  const chain: { node: LinearNode; activation: DenseActivation }[] = [];
  let input = classifier.inputs[0]!;
  for (let k = 0; k < unfreeze; k++) {
    // from the current cut back to the linear layer that produced it: activations and pass-throughs only
    let activation: DenseActivation = 'none';
    let node = producer(input);
    while (node && node.op !== 'linear') {
      if (node.op === 'activation' && (node.activation === 'relu' || node.activation === 'tanh') && activation === 'none') activation = node.activation;
      else if (!PASS_THROUGH.has(node.op)) {
        throw new GraphError(node.name, `(${node.op}) sits between linear layers, so at most ${k} of them can be unfrozen, not ${unfreeze}: training backpropagates through dense layers only`);
      }
      node = producer(node.inputs[0]!);
    }
    if (!node) throw new InvalidParameterError('unfreeze', `${unfreeze} asks for more linear layers than the ${linears.length - 1} before the classifier`);
    chain.unshift({ node, activation });
    input = node.inputs[0]!;
  }
  const source = producer(input);
  const name = source?.name ?? graph.inputs.find((i) => i.tensor === input)?.name;
  if (!name) throw new GraphError('graph', `tensor ${input} has no producer and is no input`);
  return { featureLayer: name, linears: chain };
}
