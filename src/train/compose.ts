/**
 * A trained head appended to its frozen backbone as one graph (the course's
 * P128): the backbone cut at the head's feature layer, then the head's dense
 * layers. One graph compiles to one model — one command buffer per run —
 * and exports to ONNX as one file.
 */
import { InvalidParameterError } from '../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import type { Tensor } from '../graph/builder.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { cutBackbone, weightsOf } from './backbone.js';
import type { ClassifierHead, DenseActivation } from './head.js';

/** The composed graph's logits output. */
export const LOGITS_OUTPUT = 'logits';
/** The composed graph's softmax output, when asked for. */
export const PROBABILITIES_OUTPUT = 'probabilities';

export interface ComposeHeadOptions {
  /** Also output PROBABILITIES_OUTPUT, the softmax of the logits (default false: classify() applies it on the CPU). */
  softmax?: boolean;
}

const ACTIVATIONS: readonly DenseActivation[] = ['none', 'relu', 'tanh'];

/**
 * Checks a head on its own: widths that chain from `features` to the classes,
 * arrays of the sizes the widths say, known activations, distinct names.
 * @example checkHead(head); // throws InvalidParameterError naming the first problem
 */
export function checkHead(head: ClassifierHead): void {
  const fail = (field: string, message: string) => new InvalidParameterError(field, message);
  if (typeof head.featureLayer !== 'string' || !head.featureLayer) throw fail('head.featureLayer', `must name a backbone node or input, got ${JSON.stringify(head.featureLayer)}`);
  if (!Number.isInteger(head.features) || head.features < 1) throw fail('head.features', `must be a positive integer, got ${head.features}`);
  if (!Array.isArray(head.classes) || head.classes.length < 1 || !head.classes.every((c) => typeof c === 'string')) throw fail('head.classes', 'must be a non-empty list of class names');
  if (!Array.isArray(head.layers) || head.layers.length < 1) throw fail('head.layers', 'must hold at least one dense layer');
  let width = head.features;
  const names = new Set<string>();
  head.layers.forEach((layer, i) => {
    const at = `head.layers[${i}] ("${layer.name}")`;
    if (typeof layer.name !== 'string' || !layer.name) throw fail(`head.layers[${i}].name`, `must be a non-empty string, got ${JSON.stringify(layer.name)}`);
    if (names.has(layer.name)) throw fail(at, 'has the name of an earlier layer: each layer is a graph node of its own');
    names.add(layer.name);
    if (layer.inFeatures !== width) throw fail(at, `takes ${layer.inFeatures} features, but ${i === 0 ? `the head's features are ${width}` : `the layer before gives ${width}`}: layer widths must chain`);
    if (!Number.isInteger(layer.outFeatures) || layer.outFeatures < 1) throw fail(at, `outFeatures must be a positive integer, got ${layer.outFeatures}`);
    if (!(layer.weight instanceof Float32Array) || layer.weight.length !== layer.outFeatures * layer.inFeatures) {
      throw fail(at, `weight must be a Float32Array of ${layer.outFeatures}×${layer.inFeatures} = ${layer.outFeatures * layer.inFeatures} values, got ${layer.weight?.length}`);
    }
    if (!(layer.bias instanceof Float32Array) || layer.bias.length !== layer.outFeatures) throw fail(at, `bias must be a Float32Array of ${layer.outFeatures} values, got ${layer.bias?.length}`);
    if (!ACTIVATIONS.includes(layer.activation)) throw fail(at, `activation must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(layer.activation)}`);
    width = layer.outFeatures;
  });
  if (width !== head.classes.length) throw fail('head.layers', `the last layer gives ${width} outputs for ${head.classes.length} classes`);
}

/**
 * The backbone cut at `layer` (train/backbone.ts), refusing a layer the
 * backbone does not have with the field that named it.
 * @internal shared with knn.ts
 */
export function cutAt(backbone: Graph, layer: string, field: string): { graph: Graph; features: number } {
  const known = backbone.nodes.some((n) => n.name === layer) || backbone.inputs.some((i) => i.name === layer);
  if (!known) throw new InvalidParameterError(field, `"${layer}" is no node or input of the backbone (${backbone.nodes.length} nodes)`);
  return cutBackbone(backbone, layer);
}

/**
 * The backbone cut at head.featureLayer with the head's dense layers
 * appended: linear nodes named by each DenseLayer.name (parameters
 * `${name}.weight` / `${name}.bias`), their activations after them, and the
 * output LOGITS_OUTPUT (plus PROBABILITIES_OUTPUT with `softmax`). An
 * unfrozen backbone layer (e.g. LeNet-5's 'fc1') keeps its name: the cut
 * has dropped the backbone's own node of that name.
 * @example
 * const graph = composeHead(lenet5(), head, { softmax: true });
 * const model = await compile(ctx, graph, composedWeights(lenet5(), weights, head));
 * const p = (await model.run(image)).float('probabilities');
 */
export function composeHead(backbone: Graph, head: ClassifierHead, options: ComposeHeadOptions = {}): Graph {
  checkHead(head);
  const cut = cutAt(backbone, head.featureLayer, 'head.featureLayer');
  if (cut.features !== head.features) {
    throw new InvalidParameterError('head.features', `the head takes ${head.features} features, but "${head.featureLayer}" gives ${cut.features}`);
  }
  // from the cut, not the backbone: only the names the cut kept are taken
  const g = GraphBuilder.from(cut.graph);
  let x: Tensor = cut.graph.tensors[cut.graph.outputs[0]!.tensor]!;
  for (const layer of head.layers) {
    x = g.linear(x, { name: layer.name, outFeatures: layer.outFeatures });
    if (layer.activation !== 'none') x = g.activation(x, layer.activation, `${layer.name}.${layer.activation}`);
  }
  g.output(x, LOGITS_OUTPUT);
  if (options.softmax) g.output(g.softmax(x, PROBABILITIES_OUTPUT), PROBABILITIES_OUTPUT);
  return g.build();
}

/**
 * The weights composeHead's graph compiles with: the backbone's that the cut
 * still uses, and the head's arrays (which win where an unfrozen layer
 * shares a backbone layer's name).
 * @example const weights = composedWeights(lenet5(), lenetWeights, head); // compile(ctx, composeHead(lenet5(), head), weights)
 */
export function composedWeights(backbone: Graph, backboneWeights: WeightMap, head: ClassifierHead): WeightMap {
  checkHead(head);
  const cut = cutAt(backbone, head.featureLayer, 'head.featureLayer');
  const weights = new Map(weightsOf(cut.graph, backboneWeights));
  for (const layer of head.layers) {
    weights.set(`${layer.name}.weight`, layer.weight);
    weights.set(`${layer.name}.bias`, layer.bias);
  }
  return weights;
}
