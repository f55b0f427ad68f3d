/**
 * summary(): per layer its name, op, output shape, learnable parameters and
 * multiply-accumulates, with totals — of the graph as written (unfused), as
 * the course counts them. Running statistics of BatchNorm are buffers, not
 * parameters, as in torchvision; nor are constants (ONNX initializers that
 * are not weights, e.g. a normalisation's mean).
 */
import { elementCount, type Graph, type GraphNode } from './ir.js';

export interface LayerSummary {
  name: string;
  op: GraphNode['op'];
  outputShape: readonly number[];
  parameters: number;
  /** Multiply-accumulates of conv and linear layers (0 for the others). */
  macs: number;
}

export interface GraphSummary {
  layers: LayerSummary[];
  totalParameters: number;
  totalMacs: number;
}

function nodeMacs(graph: Graph, node: GraphNode): number {
  const out = graph.tensors[node.output]!.shape;
  if (node.op === 'conv2d') {
    const inChannels = graph.tensors[node.inputs[0]!]!.shape[1]!;
    const a = node.attrs;
    return elementCount(out) * (inChannels / a.groups) * a.kernelHeight * a.kernelWidth;
  }
  if (node.op === 'linear') return out[0]! * node.inFeatures * node.outFeatures;
  if (node.op === 'matmul') return elementCount(out) * graph.tensors[node.inputs[0]!]!.shape[1]!;
  return 0;
}

function nodeParameterNames(node: GraphNode): string[] {
  if (node.op === 'conv2d' || node.op === 'linear') return [node.weight, ...(node.bias ? [node.bias] : [])];
  if (node.op === 'batchnorm') return [node.weight, node.bias];
  if (node.op === 'prelu') return [node.weight];
  return [];
}

export function summary(graph: Graph): GraphSummary {
  const layers = graph.nodes.map((node) => ({
    name: node.name,
    op: node.op,
    outputShape: graph.tensors[node.output]!.shape,
    parameters: nodeParameterNames(node).reduce((sum, p) => sum + elementCount(graph.parameters.get(p)!.shape), 0),
    macs: nodeMacs(graph, node),
  }));
  return {
    layers,
    totalParameters: layers.reduce((s, l) => s + l.parameters, 0),
    totalMacs: layers.reduce((s, l) => s + l.macs, 0),
  };
}

/** The summary as an aligned text table. */
export function formatSummary(s: GraphSummary): string {
  const rows = [
    ['layer', 'op', 'output shape', 'params', 'MACs'],
    ...s.layers.map((l) => [l.name, l.op, `[${l.outputShape.join(', ')}]`, l.parameters.toLocaleString('en-US'), l.macs.toLocaleString('en-US')]),
    ['total', '', '', s.totalParameters.toLocaleString('en-US'), s.totalMacs.toLocaleString('en-US')],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
