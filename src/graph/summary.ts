/**
 * summary(): per layer its name, op, output shape, learnable parameters and
 * multiply-accumulates, with totals — of the graph as written (unfused), as
 * the course counts them. Running statistics of BatchNorm are buffers, not
 * parameters, as in torchvision; nor are constants (ONNX initializers that
 * are not weights, e.g. a normalisation's mean). Each operator module says
 * which parameters and MACs it has.
 */
import { opDef } from '../ops/table.js';
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

export function summary(graph: Graph): GraphSummary {
  const shape = (t: number) => graph.tensors[t]!.shape;
  const layers = graph.nodes.map((node) => {
    const def = opDef(node.op);
    return {
      name: node.name,
      op: node.op,
      outputShape: shape(node.output),
      parameters: (def.parameters?.(node) ?? []).reduce((sum, p) => sum + elementCount(graph.parameters.get(p)!.shape), 0),
      macs: def.macs?.(node, shape) ?? 0,
    };
  });
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
