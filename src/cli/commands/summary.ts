/**
 * `webgpu-cnn summary <model>`: the unfused graph layer by layer (shapes,
 * learnable parameters, MACs) and, for each layer, the fused node it ends up
 * in with that node's conv strategy. The strategies come from the same pass
 * pipeline compile() runs, on zero weights (strategies depend on shapes
 * only), so no GPU is needed and even VGG-16 answers at once.
 */
import { lower } from '../../graph/exec_graph.js';
import { elementCount, type Graph, type WeightMap } from '../../graph/ir.js';
import { runPasses } from '../../graph/passes/index.js';
import { summary } from '../../graph/summary.js';
import { optionValue, type ParsedArgs } from '../args.js';
import { helpOption, modelArgument, parseStrategy, quietOption, shapeOption, strategyOption, weightsOption, type Command, type CommandIo } from '../command.js';
import { shapesWithoutData } from '../inputs.js';
import { openModel, zeroWeights } from '../model_source.js';

export interface SummaryLayer {
  name: string;
  op: string;
  outputShape: readonly number[];
  parameters: number;
  macs: number;
  /** The executed node this layer was fused into. */
  fusedInto: string;
  /** That node's conv strategy, for conv nodes. */
  strategy?: string;
}

export interface SummaryReport {
  model: string;
  inputs: Record<string, readonly number[]>;
  layers: SummaryLayer[];
  totals: { layers: number; fusedNodes: number; parameters: number; buffers: number; macs: number };
  notices: string[];
}

export function summarize(label: string, graph: Graph, strategy: ReturnType<typeof parseStrategy>, weights: WeightMap = zeroWeights(graph)): SummaryReport {
  const notices: string[] = [];
  const exec = runPasses(lower(graph, weights), { strategy }, notices);
  const fused = new Map<string, { name: string; strategy?: string }>();
  for (const n of exec.nodes) for (const s of n.sources) fused.set(s, { name: n.name, strategy: n.kind === 'conv' ? n.strategy : undefined });
  const s = summary(graph);
  const layers = s.layers.map((l) => {
    const f = fused.get(l.name);
    return { ...l, fusedInto: f?.name ?? '(removed)', ...(f?.strategy ? { strategy: f.strategy } : {}) };
  });
  const buffers = [...graph.parameters.values()].filter((p) => !p.learnable).reduce((sum, p) => sum + elementCount(p.shape), 0);
  return {
    model: label,
    inputs: Object.fromEntries(graph.inputs.map((i) => [i.name, graph.tensors[i.tensor]!.shape])),
    layers,
    totals: { layers: layers.length, fusedNodes: exec.nodes.length, parameters: s.totalParameters, buffers, macs: s.totalMacs },
    notices,
  };
}

export function formatSummaryTable(r: SummaryReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rows = [
    ['layer', 'op', 'output shape', 'params', 'MACs', 'runs in', 'strategy'],
    ...r.layers.map((l) => [l.name, l.op, `[${l.outputShape.join(', ')}]`, n(l.parameters), n(l.macs), l.fusedInto === l.name ? '' : l.fusedInto, l.strategy ?? '']),
    ['total', `${r.totals.layers} layers`, '', n(r.totals.parameters), n(r.totals.macs), `${r.totals.fusedNodes} nodes`, ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const numeric = new Set([3, 4]);
  const lines = rows.map((row) => row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  const inputs = Object.entries(r.inputs).map(([name, shape]) => `${name} [${shape.join(', ')}]`).join(', ');
  const footer = [`${r.model}: input ${inputs}; ${n(r.totals.parameters)} learnable parameters${r.totals.buffers ? ` (+ ${n(r.totals.buffers)} buffer values)` : ''}, ${n(r.totals.macs)} MACs`];
  return [...lines, '', ...footer].join('\n');
}

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'per-layer table: shapes, parameters, MACs, fused node and conv strategy',
  usage: 'summary <model.onnx | zoo-id> [--shape N,C,H,W] [--strategy NAME] [--json]',
  options: [shapeOption, strategyOption, weightsOption, { name: 'json', help: 'print the summary as JSON' }, quietOption, helpOption],
  details: 'Needs no GPU: the strategies are what compile() would choose for these shapes.',

  async run(args: ParsedArgs, io: CommandIo): Promise<number> {
    const modelArg = modelArgument(args, 'summary');
    const strategy = parseStrategy(optionValue(args, 'strategy'));
    const source = await openModel(modelArg, { weightsPath: optionValue(args, 'weights'), notice: io.reporter.notice });
    const shapes = shapesWithoutData(source, args.values.get('shape') ?? []);
    const { graph, weights } = await source.instantiate(shapes, { placeholders: true });
    const report = summarize(source.label, graph, strategy, weights);
    for (const notice of report.notices) io.reporter.notice(notice);
    io.stdout(args.flags.has('json') ? JSON.stringify(report, null, 2) : formatSummaryTable(report));
    return 0;
  },
};
