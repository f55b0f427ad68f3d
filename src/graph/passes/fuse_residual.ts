/**
 * Fuses add(conv(x), shortcut) into the conv's epilogue when the conv has no
 * activation yet and feeds only the add: the conv then reads the shortcut and
 * writes the add's output. It moves to the add's place in the order, where
 * the shortcut is sure to be ready.
 */
import { consumerCounts, type ExecGraph, type ExecNode } from '../exec_graph.js';

export function fuseResidualAdd(g: ExecGraph): ExecGraph {
  const consumers = consumerCounts(g);
  const nodes: (ExecNode | undefined)[] = [...g.nodes];
  const producer = new Map<number, number>();
  nodes.forEach((n, i) => producer.set(n!.output, i));
  for (let i = 0; i < nodes.length; i++) {
    const add = nodes[i]!;
    if (add.kind !== 'binary' || add.op !== 'add' || add.activation !== 'none' || add.constant) continue;
    const [a, b] = add.inputs as [number, number];
    if (g.shapes.get(a)!.join() !== g.shapes.get(b)!.join() || a === b) continue;
    for (const [main, shortcut] of [[a, b], [b, a]] as const) {
      const at = producer.get(main);
      const conv = at === undefined ? undefined : nodes[at];
      if (!conv || conv.kind !== 'conv' || conv.activation !== 'none' || conv.residual !== undefined) continue;
      if (consumers.get(main) !== 1) continue;
      nodes[i] = { ...conv, residual: shortcut, output: add.output, sources: [...conv.sources, ...add.sources] };
      nodes[at!] = undefined;
      producer.set(add.output, i);
      break;
    }
  }
  return { ...g, nodes: nodes.filter((n): n is ExecNode => !!n) };
}
