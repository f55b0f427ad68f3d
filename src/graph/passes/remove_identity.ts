/** Drops Dropout/Identity nodes, pointing their readers at their input. */
import type { ExecGraph, ExecNode } from '../exec_graph.js';

export function removeIdentity(g: ExecGraph): ExecGraph {
  const replace = new Map<number, number>();
  const resolve = (t: number): number => {
    let r = t;
    while (replace.has(r)) r = replace.get(r)!;
    return r;
  };
  const outputs = new Set(g.outputs.map((o) => o.tensor));
  const inputs = new Set(g.inputs.map((i) => i.tensor));
  const nodes: ExecNode[] = [];
  for (const n of g.nodes) {
    const source = resolve(n.inputs[0]!);
    // an identity from a graph input straight to a graph output must still copy
    if (n.kind === 'identity' && !(outputs.has(n.output) && inputs.has(source))) {
      replace.set(n.output, source);
      continue;
    }
    nodes.push(rewire(n, resolve));
  }
  return { ...g, nodes, outputs: g.outputs.map((o) => ({ ...o, tensor: resolve(o.tensor) })) };
}

/** The node with every tensor it reads passed through `map`. */
export function rewire(n: ExecNode, map: (t: number) => number): ExecNode {
  const inputs = n.inputs.map(map);
  if (n.kind === 'conv' && n.residual !== undefined) return { ...n, inputs, residual: map(n.residual) };
  return { ...n, inputs } as ExecNode;
}
