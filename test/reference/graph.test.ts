import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { elementCount, type Graph, type GraphNode } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { GRAPH_KINDS, MAX_GRAPH_MACS, assertInformativeReference, randomGraph, randomInputs, randomWeights, type GraphKind } from '../helpers/random_graph.js';
import { runGraphRef } from './graph.js';

const f32 = (values: readonly number[]): Float32Array => Float32Array.from(values);
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const weightsOf = (entries: Record<string, readonly number[]>): Map<string, Float32Array> => new Map(Object.entries(entries).map(([k, v]) => [k, f32(v)]));

/** Runs a graph with one input `x` and returns its only (or named) output as a plain array. */
function run(graph: Graph, x: readonly number[], weights: Record<string, readonly number[]> = {}, output?: string): number[] {
  const outputs = runGraphRef(graph, weightsOf(weights), new Map([['x', x]]));
  return [...outputs.get(output ?? graph.outputs[0]!.name)!];
}

describe('runGraphRef on hand-computed graphs', () => {
  it('a 1-channel 3×3 conv of a known 4×4 image', () => {
    const g = new GraphBuilder();
    g.output(g.conv2d(g.input('x', [1, 1, 4, 4]), { name: 'conv', outChannels: 1, kernel: 3 }));
    const graph = g.build();
    const x = range(16, 1); // row i, column j holds 4i + j + 1
    // all-ones kernel: sums of the four 3×3 windows, plus the bias
    expect(run(graph, x, { 'conv.weight': Array(9).fill(1), 'conv.bias': [0.5] })).toEqual([54.5, 63.5, 90.5, 99.5]);
    // Sobel-x on a ramp rising by 1 per column: (1 + 2 + 1)·(x[j] − x[j+2]) = −8 everywhere
    expect(run(graph, x, { 'conv.weight': [1, 0, -1, 2, 0, -2, 1, 0, -1], 'conv.bias': [0] })).toEqual([-8, -8, -8, -8]);
  });

  it('asymmetric pads and stride 2 on a 3×3 image', () => {
    const g = new GraphBuilder();
    // pad [top, left, bottom, right] = [1, 0, 0, 1]: a zero row on top and a zero column on the right
    g.output(g.conv2d(g.input('x', [1, 1, 3, 3]), { name: 'conv', outChannels: 1, kernel: 2, stride: 2, pad: [1, 0, 0, 1], bias: false }));
    const graph = g.build();
    expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual([1, 1, 2, 2]);
    // x = [[1,2,3],[4,5,6],[7,8,9]]; padded rows: 0 / 1 2 3 / 4 5 6 / 7 8 9, columns gain a 0 on the right
    expect(run(graph, range(9, 1), { 'conv.weight': [1, 1, 1, 1] })).toEqual([0 + 0 + 1 + 2, 0 + 0 + 3 + 0, 4 + 5 + 7 + 8, 6 + 0 + 9 + 0]);
  });

  it('BatchNorm: (x − mean)/sqrt(var + eps)·γ + β per channel', () => {
    const g = new GraphBuilder();
    g.output(g.batchNorm(g.input('x', [1, 2, 1, 2]), { name: 'bn', epsilon: 1 }));
    const w = { 'bn.weight': [3, 1], 'bn.bias': [0.5, -1], 'bn.running_mean': [1, 0], 'bn.running_var': [3, 0] };
    // channel 0: (x − 1)/2·3 + 0.5; channel 1: x/1 − 1
    expect(run(g.build(), [5, -1, 2, 4], w)).toEqual([6.5, -2.5, 1, 3]);
  });

  it('conv → BatchNorm equals the conv with BN folded into its weights and bias', () => {
    const rng = new Rng(11);
    const shape = [2, 3, 6, 5] as const;
    const conv = { outChannels: 4, kernel: 3, pad: 1, stride: [1, 2] as const };
    const a = new GraphBuilder();
    a.output(a.batchNorm(a.conv2d(a.input('x', shape), { name: 'conv', ...conv }), { name: 'bn', epsilon: 1e-3 }));
    const b = new GraphBuilder();
    b.output(b.conv2d(b.input('x', shape), { name: 'conv', ...conv }));

    const w = rng.array(4 * 3 * 9);
    const bias = rng.array(4);
    const gamma = rng.array(4, 0.5, 1.5);
    const beta = rng.array(4, -0.5, 0.5);
    const mean = rng.array(4, -0.5, 0.5);
    const variance = rng.array(4, 0.5, 1.5);
    const scale = Array.from(gamma, (g, o) => g / Math.sqrt(variance[o]! + 1e-3));
    const folded = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) folded[i] = w[i]! * scale[Math.floor(i / 27)]!;
    const foldedBias = Array.from(bias, (v, o) => (v - mean[o]!) * scale[o]! + beta[o]!);

    const x = [...rng.array(elementCount(shape))];
    const withBn = run(a.build(), x, { 'conv.weight': [...w], 'conv.bias': [...bias], 'bn.weight': [...gamma], 'bn.bias': [...beta], 'bn.running_mean': [...mean], 'bn.running_var': [...variance] });
    // the folded weights pass through Float32Array, so agreement is to f32 precision
    const folded32 = run(b.build(), x, { 'conv.weight': [...folded], 'conv.bias': foldedBias });
    expect(relativeL2(folded32, withBn)).toBeLessThan(1e-6);
  });

  it('flatten keeps PyTorch (C, H, W) order; linear uses the [out][in] weight', () => {
    const g = new GraphBuilder();
    const f = g.flatten(g.input('x', [2, 2, 2, 3]));
    g.output(f, 'flat');
    g.output(g.linear(f, { name: 'fc', outFeatures: 2 }), 'y');
    const graph = g.build();
    expect(graph.tensors[f.id]!.shape).toEqual([2, 12]);
    // output 0 reads (c=1, h=0, w=2) = feature 1·6 + 0·3 + 2 = 8; output 1 sums all features
    const weight = [...range(12).map((i) => (i === 8 ? 1 : 0)), ...Array(12).fill(1)];
    const x = range(24);
    const out = runGraphRef(graph, weightsOf({ 'fc.weight': weight, 'fc.bias': [0.25, -1] }), new Map([['x', x]]));
    expect([...out.get('flat')!]).toEqual(x);
    expect([...out.get('y')!]).toEqual([8.25, 66 - 1, 20.25, 210 - 1]);
  });

  it('linear: y = x·Wᵀ + b', () => {
    const g = new GraphBuilder();
    g.output(g.linear(g.input('x', [1, 2]), { name: 'fc', outFeatures: 3 }));
    expect(run(g.build(), [1, 1], { 'fc.weight': [1, 2, 3, 4, 5, 6], 'fc.bias': [0, 1, 2] })).toEqual([3, 8, 13]);
  });

  it('mul broadcasts [N, C, 1, 1] over H and W (squeeze-and-excitation); add broadcasts [1, C, 1, 1]', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 2, 1, 2]);
    const s = g.input('s', [2, 2, 1, 1]);
    const b = g.input('b', [1, 2, 1, 1]);
    g.output(g.mul(x, s), 'scaled');
    g.output(g.add(x, b), 'shifted');
    const out = runGraphRef(
      g.build(),
      new Map(),
      new Map([
        ['x', [1, 2, 3, 4, 5, 6, 7, 8]],
        ['s', [10, 100, -1, 0.5]],
        ['b', [1000, -1000]],
      ]),
    );
    expect([...out.get('scaled')!]).toEqual([10, 20, 300, 400, -5, -6, 3.5, 4]);
    expect([...out.get('shifted')!]).toEqual([1001, 1002, -997, -996, 1005, 1006, -993, -992]);
  });

  it('concat joins along channels, batch item by batch item', () => {
    const g = new GraphBuilder();
    const a = g.input('a', [2, 1, 1, 2]);
    const b = g.input('b', [2, 2, 1, 2]);
    g.output(g.concat([a, b]));
    const out = runGraphRef(
      g.build(),
      new Map(),
      new Map([
        ['a', [1, 2, 3, 4]],
        ['b', [10, 20, 30, 40, 50, 60, 70, 80]],
      ]),
    );
    expect([...out.get('output')!]).toEqual([1, 2, 10, 20, 30, 40, 3, 4, 50, 60, 70, 80]);
  });

  it('max pool in ceil mode keeps the partial last window', () => {
    const g = new GraphBuilder();
    g.output(g.maxPool(g.input('x', [1, 1, 3, 3]), { kernel: 2, stride: 2, ceilMode: true }));
    // [[1,2,3],[4,5,6],[7,8,9]] → windows {1,2,4,5} {3,6} {7,8} {9}
    expect(run(g.build(), range(9, 1))).toEqual([5, 6, 8, 9]);
  });

  it('average pool divisor with and without the padding', () => {
    const ones = Array(9).fill(1);
    for (const countIncludePad of [true, false]) {
      const g = new GraphBuilder();
      g.output(g.avgPool(g.input('x', [1, 1, 3, 3]), { kernel: 3, stride: 1, pad: 1, countIncludePad }));
      const expected = countIncludePad ? [4, 6, 4, 6, 9, 6, 4, 6, 4].map((v) => v / 9) : ones;
      expect(run(g.build(), ones)).toEqual(expected);
    }
  });

  it('global average pool, softmax, LRN, activations, dropout and identity', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 1, 2]);
    g.output(g.globalAvgPool(x), 'gap');
    g.output(g.lrn(x, { size: 3, alpha: 3, beta: 1, k: 1 }), 'lrn');
    g.output(g.activation(g.dropout(g.identity(x)), 'relu6'), 'relu6');
    g.output(g.activation(x, 'hardswish'), 'hardswish');
    g.output(g.softmax(g.flatten(x)), 'softmax');
    const out = runGraphRef(g.build(), new Map(), new Map([['x', [1, 3, 2, -2, 7, 0]]]));
    expect([...out.get('gap')!]).toEqual([2, 0, 3.5]);
    // pixel 0 has channels (1, 2, 7): squares summed over c−1..c+1, denominator 1 + (3/3)·Σ
    const lrn = [...out.get('lrn')!];
    [1 / (1 + 5), 2 / (1 + 54), 7 / (1 + 53)].forEach((v, i) => expect(lrn[2 * i]).toBeCloseTo(v, 14));
    expect([...out.get('relu6')!]).toEqual([1, 3, 2, 0, 6, 0]);
    expect(out.get('hardswish')![1]).toBeCloseTo(3, 14); // x·relu6(x+3)/6 at 3
    const softmax = out.get('softmax')!;
    expect(softmax.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(softmax[4]! / softmax[0]!).toBeCloseTo(Math.exp(6), 8);
  });

  // even sizes are where the conventions part: PyTorch (local_response_norm pads ⌊size/2⌋ channels in
  // front, ⌊(size−1)/2⌋ behind) sums [c − size/2, c + size/2 − 1]; ONNX's LRN sums
  // [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] = [c − size/2 + 1, c + size/2]. Values worked by hand from those
  // windows; the PyTorch ones agree with torch 1.13's local_response_norm to f32 rounding
  it('LRN of even size: PyTorch and ONNX windows mirror each other', () => {
    const x = [1, 2, 3, 4, 5];
    const lrn = (size: number, convention: 'pytorch' | 'onnx'): number[] => {
      const g = new GraphBuilder();
      g.output(g.lrn(g.input('x', [1, 5, 1, 1]), { size, alpha: 0.5, beta: 1, k: 1, convention }));
      return run(g.build(), x);
    };
    // out[c] = x[c] / (1 + (0.5 / size)·Σ window x²)
    const expected = (size: number, windows: [number, number][]): number[] =>
      windows.map(([lo, hi], c) => x[c]! / (1 + (0.5 / size) * x.slice(Math.max(lo, 0), Math.min(hi, 4) + 1).reduce((s, v) => s + v * v, 0)));
    const close = (got: number[], want: number[]): void => want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 14));
    // size 2 — PyTorch: {c−1, c}; ONNX: {c, c+1}
    close(lrn(2, 'pytorch'), expected(2, [[-1, 0], [0, 1], [1, 2], [2, 3], [3, 4]]));
    close(lrn(2, 'pytorch'), [0.8, 8 / 9, 12 / 17, 16 / 29, 20 / 45]);
    close(lrn(2, 'onnx'), expected(2, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]]));
    close(lrn(2, 'onnx'), [4 / 9, 8 / 17, 12 / 29, 16 / 45, 20 / 29]);
    // size 4 — PyTorch: c−2..c+1; ONNX: c−1..c+2
    close(lrn(4, 'pytorch'), expected(4, [[-2, 1], [-1, 2], [0, 3], [1, 4], [2, 5]]));
    close(lrn(4, 'pytorch'), [1 / 1.625, 2 / 2.75, 3 / 4.75, 4 / 7.75, 5 / 7.25]);
    close(lrn(4, 'onnx'), expected(4, [[-1, 2], [0, 3], [1, 4], [2, 5], [3, 6]]));
    close(lrn(4, 'onnx'), [1 / 2.75, 2 / 4.75, 3 / 7.75, 4 / 7.25, 5 / 6.125]);
    // odd sizes centre the window alike
    expect(lrn(3, 'pytorch')).toEqual(lrn(3, 'onnx'));
  });

  it('throws naming the missing weight and the node that needs it', () => {
    const g = new GraphBuilder();
    g.output(g.conv2d(g.input('x', [1, 1, 2, 2]), { name: 'conv', outChannels: 1, kernel: 1 }));
    const graph = g.build();
    expect(() => run(graph, [1, 2, 3, 4], { 'conv.weight': [1] })).toThrow(/"conv".*"conv\.bias"/);
    expect(() => run(graph, [1, 2, 3, 4], { 'conv.weight': [1, 2], 'conv.bias': [0] })).toThrow(/conv\.weight/);
    expect(() => runGraphRef(graph, weightsOf({ 'conv.weight': [1], 'conv.bias': [0] }), new Map())).toThrow(/graph input "x"/);
    expect(() => run(graph, [1, 2, 3], { 'conv.weight': [1], 'conv.bias': [0] })).toThrow(/"x"/);
  });
});

const input4 = (graph: Graph, node: GraphNode, i: number): readonly number[] => graph.tensors[node.inputs[i]!]!.shape;

/** What each kind promises to contain. */
function hasAdvertisedStructure(graph: Graph, kind: GraphKind): boolean {
  const ops = new Set(graph.nodes.map((n) => n.op));
  switch (kind) {
    case 'chain':
      return ops.has('conv2d') && !ops.has('add') && !ops.has('concat') && !ops.has('mul');
    case 'residual':
      return graph.nodes.some((n) => n.op === 'add' && input4(graph, n, 0).length === 4 && input4(graph, n, 0).join() === input4(graph, n, 1).join());
    case 'branches':
      return graph.nodes.some((n) => n.op === 'concat' && n.inputs.length >= 2);
    case 'se':
      return graph.nodes.some((n) => {
        if (n.op !== 'mul') return false;
        const [a, s] = [input4(graph, n, 0), input4(graph, n, 1)];
        return s.length === 4 && s[0] === a[0] && s[1] === a[1] && s[2] === 1 && s[3] === 1 && a[2]! * a[3]! > 1;
      });
    case 'mixed':
      return ops.has('linear');
  }
}

describe('random graphs', () => {
  const perKind = 40;
  const graphs = GRAPH_KINDS.flatMap((kind) => range(perKind).map((i) => ({ kind, seed: 1000 * (GRAPH_KINDS.indexOf(kind) + 1) + i })));

  it.each(GRAPH_KINDS)('%s: builds with its advertised structure, under the MACs budget, and runs to finite outputs of the declared shapes', (kind) => {
    for (const { seed } of graphs.filter((c) => c.kind === kind)) {
      const rng = new Rng(seed);
      const graph = randomGraph(rng, kind);
      const where = `${kind} seed ${seed}`;
      expect(hasAdvertisedStructure(graph, kind), where).toBe(true);
      expect(summary(graph).totalMacs, where).toBeLessThanOrEqual(MAX_GRAPH_MACS);
      const weights = randomWeights(graph, rng);
      expect([...weights.keys()].sort(), where).toEqual([...graph.parameters.keys()].sort());
      for (const [name, info] of graph.parameters) expect(weights.get(name)!.length, `${where} ${name}`).toBe(elementCount(info.shape));
      const outputs = runGraphRef(graph, weights, randomInputs(graph, rng));
      expect([...outputs.keys()], where).toEqual(graph.outputs.map((o) => o.name));
      expect(() => assertInformativeReference(outputs, where)).not.toThrow();
      for (const o of graph.outputs) {
        const values = outputs.get(o.name)!;
        expect(values.length, `${where} ${o.name}`).toBe(elementCount(graph.tensors[o.tensor]!.shape));
        expect(values.every(Number.isFinite), `${where} ${o.name}`).toBe(true);
        // O(1) activations: nothing vanished or blew up
        expect(Math.max(...values.map(Math.abs)), `${where} ${o.name}`).toBeLessThan(1e3);
      }
    }
  });

  // the GPU executor is held to relative L2 ≤ 1e-4 against these graphs: an
  // ill-conditioned one (an output that is a cancellation of large terms) would
  // make that comparison flaky, so check that f32-sized nudges stay small
  it('are well conditioned: nudging inputs and weights by f32 rounding moves outputs by ≤ 1e-5', () => {
    for (const { kind, seed } of graphs) {
      const rng = new Rng(seed);
      const graph = randomGraph(rng, kind);
      const weights = randomWeights(graph, rng);
      const inputs = randomInputs(graph, rng);
      const nudge = new Rng(seed + 1);
      const nudged = <K>(m: Map<K, Float32Array>): Map<K, Float64Array> =>
        new Map([...m].map(([k, v]) => [k, Float64Array.from(v, (x) => x * (1 + (nudge.next() - 0.5) * 2 ** -22))]));
      const exact = runGraphRef(graph, weights, inputs);
      const moved = runGraphRef(graph, new Map([...nudged(weights)].map(([k, v]) => [k, Float32Array.from(v)])), nudged(inputs));
      for (const [name, values] of exact) expect(relativeL2(moved.get(name)!, values), `${kind} seed ${seed} ${name}`).toBeLessThan(1e-5);
    }
  });

  it('a reference that checks nothing is refused: all zeros, constant, not finite', () => {
    // residual seed 102 (once among the export tests): the last ReLU is dead everywhere, so the logits are all 0
    const rng = new Rng(102);
    const graph = randomGraph(rng, 'residual');
    const weights = randomWeights(graph, rng);
    const dead = runGraphRef(graph, weights, randomInputs(graph, rng));
    expect([...dead.get('logits')!].every((v) => v === 0)).toBe(true);
    expect(() => assertInformativeReference(dead, 'residual seed 102')).toThrow('residual seed 102: reference output "logits" is constant (0), so it checks nothing');
    expect(() => assertInformativeReference(new Map([['probs', [0.25, 0.25, 0.25, 0.25]]]), 'uniform')).toThrow('constant (0.25)');
    expect(() => assertInformativeReference(new Map([['y', [1, Number.NaN]]]), 'nan')).toThrow('"y" is not finite at 1 (NaN)');
    expect(() => assertInformativeReference(new Map([['y', [1, -Infinity]]]), 'inf')).toThrow('not finite');
    expect(() => assertInformativeReference(new Map([['a', [1, 2]], ['b', []]]), 'empty')).toThrow('"b" is constant (empty)');
    expect(() => assertInformativeReference(new Map([['y', [0, 0, 1e-30]]]), 'tiny')).not.toThrow();
  });

  it('are reproducible from the seed', () => {
    for (const kind of GRAPH_KINDS) {
      const a = new Rng(77);
      const b = new Rng(77);
      const ga = randomGraph(a, kind);
      const gb = randomGraph(b, kind);
      expect(JSON.stringify({ ...gb, parameters: [...gb.parameters] })).toBe(JSON.stringify({ ...ga, parameters: [...ga.parameters] }));
      expect(randomWeights(gb, b)).toEqual(randomWeights(ga, a));
    }
  });

  it('cover the features the executor must handle', () => {
    const seen = new Set<string>();
    const mark = (cond: boolean, feature: string): void => void (cond && seen.add(feature));
    for (const { kind, seed } of graphs) {
      const rng = new Rng(seed);
      const graph = randomGraph(rng, kind);
      const weights = randomWeights(graph, rng);
      const [n, c, h, w] = graph.tensors[graph.inputs[0]!.tensor]!.shape as [number, number, number, number];
      mark(true, `batch ${n}`);
      mark(c === 3 || c === 5, `input channels ${c}`);
      mark([5, 7, 11, 13, 17].includes(h) || [5, 7, 11, 13, 17].includes(w), 'prime size');
      mark(h !== w, 'non-square input');
      mark(graph.outputs.length === 2, 'two outputs');
      for (const node of graph.nodes) {
        mark(true, node.op);
        const out = graph.tensors[node.output]!.shape;
        if (out.length === 4 && out[1]! >= 32) mark(true, 'channels ≥ 32');
        if (node.op === 'activation') mark(true, node.activation);
        if (node.op === 'conv2d') {
          const a = node.attrs;
          const cin = input4(graph, node, 0)[1]!;
          mark(a.groups > 1 && a.groups === cin, 'depthwise');
          mark(a.groups > 1 && a.groups < cin, 'grouped');
          mark(a.strideH === 2 || a.strideW === 2, 'stride 2');
          mark(a.strideH !== a.strideW, 'unequal strides');
          mark(a.dilationH === 2 || a.dilationW === 2, 'dilation 2');
          mark(a.padTop !== a.padBottom || a.padLeft !== a.padRight, 'asymmetric conv pads');
          mark(a.kernelHeight !== a.kernelWidth, 'rectangular kernel');
          mark(a.kernelHeight === 5, 'kernel 5');
          mark(node.bias !== undefined, 'conv bias');
          mark(node.bias === undefined, 'conv without bias');
        }
        if (node.op === 'maxpool' || node.op === 'avgpool') {
          const a = node.attrs;
          mark(a.ceilMode, `${node.op} ceil`);
          mark(!a.ceilMode, `${node.op} floor`);
          mark(a.padTop + a.padLeft + a.padBottom + a.padRight > 0, `${node.op} padded`);
          if (node.op === 'avgpool') mark(true, `countIncludePad ${a.countIncludePad}`);
        }
        if (node.op === 'lrn') mark(true, `lrn ${node.convention}`);
        if (node.op === 'add' || node.op === 'mul') {
          const [a, b] = [input4(graph, node, 0), input4(graph, node, 1)];
          mark(a.join() !== b.join(), `${node.op} broadcast`);
        }
      }
      for (const [name, info] of graph.parameters) if (name.endsWith('running_var')) mark(info.shape.length === 1 && weights.get(name)!.every((v) => v >= 0.5 && v <= 1.5), 'positive running_var');
    }
    const wanted = [
      'batch 1', 'batch 2', 'batch 3', 'input channels 3', 'input channels 5', 'prime size', 'non-square input', 'two outputs', 'channels ≥ 32',
      'conv2d', 'batchnorm', 'maxpool', 'avgpool', 'globalavgpool', 'linear', 'add', 'mul', 'concat', 'flatten', 'softmax', 'lrn', 'dropout', 'identity',
      'relu', 'relu6', 'sigmoid', 'silu', 'hardswish', 'tanh',
      'depthwise', 'grouped', 'stride 2', 'unequal strides', 'dilation 2', 'asymmetric conv pads', 'rectangular kernel', 'kernel 5', 'conv bias', 'conv without bias',
      'maxpool ceil', 'maxpool floor', 'avgpool ceil', 'avgpool floor', 'maxpool padded', 'avgpool padded', 'countIncludePad true', 'countIncludePad false',
      'lrn pytorch', 'lrn onnx', 'mul broadcast', 'positive running_var',
    ];
    expect(wanted.filter((f) => !seen.has(f))).toEqual([]);
  });
});
