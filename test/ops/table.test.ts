/**
 * The operator table on fake data, no device: every op the builder makes has
 * a module that lowers it, every executable kind a kernel, summary and the
 * exporter find their answers there, and a build function reached through
 * `apply` makes the same node as the builder's method.
 */
import { describe, expect, test } from 'vitest';
import { lower } from '../../src/graph/exec_graph.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { summary } from '../../src/graph/summary.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { reshape } from '../../src/ops/reshape.js';
import { kernelDef, ONNX_IMPORTERS, OPERATORS, opDef, type OpName } from '../../src/ops/table.js';

/** One node of every op the builder has a method for. */
function everyOp() {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 4, 6, 6]);
  let y = g.conv2d(x, { name: 'conv', outChannels: 8, kernel: 3, pad: 1 });
  y = g.batchNorm(y, { name: 'bn' });
  y = g.activation(y, 'leaky_relu', { name: 'act', alpha: 0.1 });
  y = g.prelu(y, { name: 'prelu' });
  y = g.lrn(y, { name: 'lrn', size: 3 });
  y = g.pad(y, { name: 'pad', pads: [1, 0, 0, 1] });
  y = g.maxPool(y, { name: 'max', kernel: 2 });
  y = g.avgPool(y, { name: 'avg', kernel: 1 });
  const a = g.adaptiveAvgPool(y, [2, 2], 'adaptive');
  const s = g.slice(a, { name: 'slice', axis: 1, start: 0, end: 4 });
  const t = g.transpose(s, [0, 1, 3, 2], 'transpose');
  const c = g.concat([t, s], 'concat');
  const m = g.mul(g.add(c, g.constant('k', [1, 8, 1, 1]), 'add'), g.sub(c, c, 'sub'), 'mul');
  const d = g.div(m, g.constant('k2', [1]), 'div');
  const r = g.reshape(g.dropout(g.identity(d, 'identity'), 'dropout'), [2, 32], 'reshape');
  const f = g.flatten(g.globalAvgPool(d, 'gap'), 'flatten');
  const mm = g.matmul(g.reduceMean(c, { name: 'rm', axes: [2, 3], keepdims: false }), g.reshape(c, [8, 8], 'reshape2'), 'matmul');
  g.output(g.softmax(g.linear(f, { name: 'fc', outFeatures: 5 }), 'softmax'), 'probs');
  g.output(mm, 'mm');
  g.output(r, 'rows');
  return g.build();
}

describe('operator table', () => {
  test('every op the builder makes lowers through its module, and every executable kind has a kernel', () => {
    const graph = everyOp();
    const ops = new Set(graph.nodes.map((n) => n.op));
    expect(ops.size).toBe(26);
    for (const n of graph.nodes) expect(opDef(n.op).ops).toContain(n.op);
    const exec = lower(graph, randomWeights(graph, 3));
    expect(exec.nodes).toHaveLength(graph.nodes.length);
    for (const n of exec.nodes) expect(kernelDef(n.kind).kinds).toContain(n.kind);
    // lowering's decisions stay with the op: a batchnorm runs as a per-channel conv, a reduce-mean as a global pool
    expect(exec.nodes.find((n) => n.name === 'bn')!.kind).toBe('conv');
    expect(exec.nodes.find((n) => n.name === 'adaptive')!.kind).toBe('adaptiveavgpool');
    expect(exec.nodes.find((n) => n.name === 'rm')!.kind).toBe('globalavgpool');
  });

  test('each module is listed once and owns the ops it declares; no ONNX op type is imported twice', () => {
    const owned = OPERATORS.flatMap((d) => d.ops);
    expect(new Set(owned).size).toBe(owned.length);
    for (const def of OPERATORS) for (const op of def.ops) expect(opDef(op as OpName)).toBe(def);
    const importers = OPERATORS.flatMap((d) => Object.keys(d.onnx ?? {}));
    expect(new Set(importers).size).toBe(importers.length);
    expect(Object.keys(ONNX_IMPORTERS).sort()).toEqual([...importers].sort());
    expect(Object.keys(ONNX_IMPORTERS)).toEqual(expect.arrayContaining(['Conv', 'Gemm', 'MatMul', 'BatchNormalization', 'Concat', 'Softmax', 'Relu']));
  });

  test('summary counts what each module declares: conv 4·8·9 + 8, bn 2·8, prelu 8, fc 8·5 + 5', () => {
    const s = summary(everyOp());
    const params = Object.fromEntries(s.layers.map((l) => [l.name, l.parameters]));
    expect(params).toMatchObject({ conv: 4 * 8 * 9 + 8, bn: 16, prelu: 8, fc: 45, act: 0, slice: 0 });
    const macs = Object.fromEntries(s.layers.map((l) => [l.name, l.macs]));
    expect(macs.conv).toBe(2 * 8 * 6 * 6 * 4 * 9);
    expect(macs.fc).toBe(2 * 8 * 5);
    expect(macs.matmul).toBe(2 * 8 * 8);
  });

  test('g.apply(buildFunction) makes the node the builder method makes', () => {
    const viaMethod = new GraphBuilder();
    viaMethod.output(viaMethod.reshape(viaMethod.input('x', [2, 3, 4, 5]), [2, 60], 'r'));
    const viaApply = new GraphBuilder();
    viaApply.output(viaApply.apply(reshape, viaApply.input('x', [2, 3, 4, 5]), [2, 60], 'r'));
    expect(viaApply.build()).toEqual(viaMethod.build());
  });
});
