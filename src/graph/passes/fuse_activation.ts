/**
 * Fuses an activation (with its numbers, for leaky_relu, hardsigmoid and
 * clip) into the epilogue of the conv, transposed conv, linear, matmul or elementwise node
 * before it, when that node has none yet and feeds nothing else.
 */
import { consumerCounts, type ExecGraph, type ExecNode } from '../exec_graph.js';

export function fuseActivation(g: ExecGraph): ExecGraph {
  const consumers = consumerCounts(g);
  const nodes: (ExecNode | undefined)[] = [...g.nodes];
  const producer = new Map<number, number>();
  nodes.forEach((n, i) => producer.set(n!.output, i));
  for (let i = 0; i < nodes.length; i++) {
    const act = nodes[i]!;
    if (act.kind !== 'activation' || act.activation === 'none') continue;
    const at = producer.get(act.inputs[0]!);
    const prev = at === undefined ? undefined : nodes[at];
    if (!prev || (prev.kind !== 'conv' && prev.kind !== 'convtranspose' && prev.kind !== 'linear' && prev.kind !== 'binary' && prev.kind !== 'matmul') || prev.activation !== 'none') continue;
    if (consumers.get(prev.output) !== 1) continue;
    nodes[at!] = { ...prev, activation: act.activation, activationParams: act.activationParams, output: act.output, sources: [...prev.sources, ...act.sources] };
    nodes[i] = undefined;
    producer.set(act.output, at!);
  }
  return { ...g, nodes: nodes.filter((n): n is ExecNode => !!n) };
}
