/**
 * Gives each binary op whose operand is a constant that operand as its own
 * data (uploaded with the node, read straight from the weight buffer), and
 * drops constants nothing reads any more: a normalisation like
 * (x − mean) / std then costs one dispatch per op and no arena memory.
 */
import { consumerCounts, type ExecGraph, type ExecNode } from '../exec_graph.js';

export function inlineConstants(g: ExecGraph): ExecGraph {
  const producer = new Map(g.nodes.map((n) => [n.output, n] as const));
  const nodes = g.nodes.map((n): ExecNode => {
    if (n.kind !== 'binary' || n.constant || n.inputs.length !== 2) return n;
    // one operand at most: a constant-only op keeps its first operand as a tensor
    for (const position of [1, 0] as const) {
      const source = producer.get(n.inputs[position]!);
      if (source?.kind !== 'constant') continue;
      return { ...n, inputs: [n.inputs[1 - position]!], constant: { position, shape: g.shapes.get(source.output)!, data: source.data } };
    }
    return n;
  });
  const readers = consumerCounts({ ...g, nodes });
  return { ...g, nodes: nodes.filter((n) => n.kind !== 'constant' || readers.has(n.output)) };
}
