/**
 * Drops what no graph output needs: the nodes outside every output's
 * ancestry, the tensors only they touch, inputs nothing reads and parameters
 * no kept node names. Ids are renumbered densely (tensor and node ids are
 * positions in their lists, which the executor relies on). Pure.
 *
 * Why: a backbone cut at a feature layer (train/backbone.ts) would otherwise
 * compile, upload and run the classifier it was cut from.
 */
import type { Graph, GraphNode, ParameterInfo, TensorInfo } from './ir.js';

export function pruneGraph(graph: Graph): Graph {
  const needed = new Set<number>(graph.outputs.map((o) => o.tensor));
  const keptNodes = new Set<number>();
  // nodes are in topological order (the builder appends), so one backward sweep finds every ancestor
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!needed.has(node.output)) continue;
    keptNodes.add(node.id);
    for (const t of node.inputs) needed.add(t);
  }

  const tensorId = new Map<number, number>();
  const nodeId = new Map<number, number>();
  graph.nodes.forEach((n) => keptNodes.has(n.id) && nodeId.set(n.id, nodeId.size));
  graph.tensors.forEach((t) => needed.has(t.id) && tensorId.set(t.id, tensorId.size));

  const tensors: TensorInfo[] = graph.tensors
    .filter((t) => needed.has(t.id))
    .map((t) => ({ ...t, id: tensorId.get(t.id)!, producer: t.producer < 0 ? t.producer : nodeId.get(t.producer)! }));
  const nodes = graph.nodes
    .filter((n) => keptNodes.has(n.id))
    .map((n) => ({ ...n, id: nodeId.get(n.id)!, inputs: n.inputs.map((t) => tensorId.get(t)!), output: tensorId.get(n.output)! }) as GraphNode);

  const parameters = new Map<string, ParameterInfo>();
  for (const node of nodes) {
    for (const name of parameterNames(node, graph.parameters)) parameters.set(name, graph.parameters.get(name)!);
  }
  return {
    tensors,
    nodes,
    inputs: graph.inputs.filter((i) => needed.has(i.tensor)).map((i) => ({ name: i.name, tensor: tensorId.get(i.tensor)! })),
    outputs: graph.outputs.map((o) => ({ name: o.name, tensor: tensorId.get(o.tensor)! })),
    parameters,
  };
}

/**
 * The parameters a node refers to: operators name theirs in string fields
 * (weight, bias, mean…) or lists of strings, so any field whose value is a
 * declared parameter counts — no per-operator table to keep in step.
 */
function parameterNames(node: GraphNode, declared: ReadonlyMap<string, ParameterInfo>): string[] {
  const names: string[] = [];
  for (const [field, value] of Object.entries(node)) {
    if (field === 'name') continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (typeof v === 'string' && declared.has(v)) names.push(v);
  }
  return names;
}
