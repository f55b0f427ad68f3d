/**
 * The executable graph: the IR lowered to the operations our kernels run,
 * with parameter data attached (PyTorch layouts). Passes rewrite it — fold
 * BatchNorm, fuse epilogues, drop identities, pick conv strategies — as pure
 * functions from one ExecGraph to the next. Each IR op lowers itself (its
 * module in src/ops/, found through ops/table.ts).
 */
import { WeightError } from '../errors.js';
import { opDef, type ExecGraph, type ExecNode } from '../ops/table.js';
import { checkGraphIo, elementCount, type Graph, type Shape, type WeightMap } from './ir.js';

export type { ExecGraph, ExecNode, ExecKind } from '../ops/table.js';
export type { ConvNode } from '../ops/conv2d.js';
export type { LinearExecNode as LinearNode } from '../ops/linear.js';
export type { BinaryExecNode as BinaryNode, ConstantOperand } from '../ops/binary.js';

/** Checks the weights against the graph's declarations, listing every problem at once. */
export function checkWeights(graph: Graph, weights: WeightMap): void {
  const missing: string[] = [];
  const misshapen: { name: string; expected: readonly number[]; actual: number }[] = [];
  for (const [name, info] of graph.parameters) {
    const data = weights.get(name);
    if (!data) missing.push(name);
    else if (data.length !== elementCount(info.shape)) misshapen.push({ name, expected: info.shape, actual: data.length });
  }
  const unexpected = [...weights.keys()].filter((k) => !graph.parameters.has(k));
  if (missing.length || unexpected.length || misshapen.length) throw new WeightError(missing, unexpected, misshapen, graph.parameters.size);
}

/** IR → ExecGraph, after checking the graph's IO names and the weights against its declarations. */
export function lower(graph: Graph, weights: WeightMap): ExecGraph {
  checkGraphIo(graph);
  checkWeights(graph, weights);
  const shapes = new Map(graph.tensors.map((t) => [t.id, t.shape] as const));
  const shape = (t: number): Shape => shapes.get(t)!;
  const weight = (name: string): Float32Array => weights.get(name)!;
  const nodes = graph.nodes.map(
    (n) => opDef(n.op).lower(n, { base: { name: n.name, sources: [n.name], inputs: n.inputs, output: n.output }, shape, weight }) as ExecNode,
  );
  return { shapes, nodes, inputs: graph.inputs, outputs: graph.outputs };
}

/** How many nodes read each tensor (graph outputs count as readers). */
export function consumerCounts(g: ExecGraph): Map<number, number> {
  const counts = new Map<number, number>();
  const bump = (t: number) => counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const n of g.nodes) {
    n.inputs.forEach(bump);
    if (n.kind === 'conv' && n.residual !== undefined) bump(n.residual);
  }
  g.outputs.forEach((o) => bump(o.tensor));
  return counts;
}

/** Every tensor a node reads, residual included. */
export function nodeReads(n: ExecNode): number[] {
  return n.kind === 'conv' && n.residual !== undefined ? [...n.inputs, n.residual] : [...n.inputs];
}

/**
 * A tensor as messages name it: by the layer that writes it (the graph input
 * or output it is, where it is one), e.g. `output of layer "conv1"`.
 */
export function tensorLabel(g: ExecGraph, tensor: number): string {
  const input = g.inputs.find((i) => i.tensor === tensor);
  if (input) return `graph input "${input.name}"`;
  const producer = g.nodes.find((n) => n.output === tensor);
  const output = g.outputs.find((o) => o.tensor === tensor);
  const asOutput = output ? ` (graph output "${output.name}")` : '';
  return producer ? `output of layer "${producer.name}"${asOutput}` : `tensor ${tensor}${asOutput}`;
}
