/**
 * Copies a built graph into a GraphBuilder, its inputs wired to tensors of
 * that builder: how multi-crop puts a model behind its crops and how an
 * ensemble puts several models side by side in one graph (one compile, one
 * submit per run). With a prefix, node and parameter names are namespaced
 * (`m0.conv1.weight`), so members with the same layer names coexist; the
 * weights follow with prefixWeights.
 */
import { GraphError } from '../errors.js';
import type { GraphBuilder, Tensor } from '../graph/builder.js';
import type { Graph, GraphNode, WeightMap } from '../graph/ir.js';

/** Node fields that are not attributes: the builder assigns them. */
const WIRING = new Set(['id', 'inputs', 'output']);

/**
 * Appends `graph`'s nodes to `g`, reading `inputs` (one tensor per graph
 * input, in order, each of that input's shape) and declaring its parameters
 * under `prefix` + name. Returns the copies of the graph's outputs, in order.
 * Parameters are referred to from node attributes by name (conv `weight`,
 * BN `mean`, constant `param` …): every string attribute that names a
 * declared parameter is renamed with it.
 *
 * @example
 * const g = new GraphBuilder();
 * const x = g.input('image', [1, 1, 32, 32]);
 * const [a] = spliceGraph(g, lenet5(), [x], 'm0.');
 * const [b] = spliceGraph(g, lenet5(), [x], 'm1.');
 */
export function spliceGraph(g: GraphBuilder, graph: Graph, inputs: readonly Tensor[], prefix = ''): Tensor[] {
  if (inputs.length !== graph.inputs.length) throw new GraphError(`${prefix}graph`, `has ${graph.inputs.length} input(s); ${inputs.length} tensor(s) given`);
  const values = new Map<number, Tensor>();
  graph.inputs.forEach(({ name, tensor }, i) => {
    const want = graph.tensors[tensor]!.shape;
    const got = inputs[i]!.shape;
    if (want.join() !== got.join()) throw new GraphError(`${prefix}${name}`, `the input is [${want.join(', ')}]; the tensor given for it is [${got.join(', ')}]`);
    values.set(tensor, inputs[i]!);
  });
  for (const info of graph.parameters.values()) g.context.param(prefix + info.name, info.shape, info.learnable);
  for (const node of graph.nodes) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (WIRING.has(key)) continue;
      fields[key] = key !== 'op' && typeof value === 'string' && (key === 'name' || graph.parameters.has(value)) ? prefix + value : value;
    }
    const args = node.inputs.map((id) => {
      const t = values.get(id);
      if (!t) throw new GraphError(`${prefix}${node.name}`, `reads tensor ${id} before anything wrote it`);
      return t;
    });
    const out = graph.tensors[node.output]!;
    values.set(node.output, g.context.node(fields as Omit<GraphNode, 'id' | 'inputs' | 'output'>, args, out.shape, out.dtype));
  }
  return graph.outputs.map(({ tensor }) => values.get(tensor)!);
}

/**
 * The weights of a graph spliced under `prefix`: each name prefixed, the
 * data shared (not copied).
 *
 * @example prefixWeights(await loadPretrainedWeights('lenet5'), 'm0.').get('m0.conv1.weight')
 */
export function prefixWeights(weights: WeightMap, prefix: string): Map<string, Float32Array> {
  return new Map([...weights].map(([name, data]) => [prefix + name, data]));
}
