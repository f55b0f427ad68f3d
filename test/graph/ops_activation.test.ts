/**
 * leaky_relu, hardsigmoid and clip (with their numbers) standalone and
 * fused into a conv, a linear layer and an elementwise op, against the
 * float64 interpreter; clip's absent bounds; clip(0, 6) served by relu6.
 */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { GraphBuilder, type ActivationOptions } from '../../src/graph/builder.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { Rng } from '../helpers/random.js';
import { checkGraph, passedGraph } from './ops_check.js';

type Case = { act: Exclude<Activation, 'none'>; params: ActivationOptions };

function cases(rng: Rng): Case[] {
  const r = (lo: number, hi: number) => +(lo + (hi - lo) * rng.next()).toFixed(3);
  return [
    { act: 'leaky_relu', params: { alpha: r(0.05, 0.3) } },
    { act: 'hardsigmoid', params: { alpha: r(0.1, 0.5), beta: r(0.3, 0.7) } },
    { act: 'clip', params: { min: r(-0.5, -0.05), max: r(0.1, 0.6) } },
    { act: 'clip', params: { min: r(-0.4, 0) } },
    { act: 'clip', params: { max: r(0, 0.4), min: -Infinity } },
  ];
}

const describeParams = (p: ActivationOptions): string => Object.entries(p).map(([k, v]) => `${k}=${v}`).join(' ');

describe('parametric activations fused into a conv', () => {
  const rng = new Rng(701);
  for (const { act, params } of cases(rng)) {
    const [n, c, h, w, oc] = [rng.int(1, 3), rng.int(1, 6), rng.int(5, 11), rng.int(5, 11), rng.int(3, 9)];
    it(`${act} ${describeParams(params)} x=[${n},${c},${h},${w}] conv 3×3 → ${oc}`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', [n, c, h, w]);
      g.output(g.activation(g.conv2d(x, { name: 'conv', outChannels: oc, kernel: 3, pad: 1 }), act, { ...params, name: 'act' }), 'y');
      const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
      expect(info.nodes.map((m) => m.sources.join('+'))).toEqual(['conv+act']);
    });
  }
});

describe('parametric activations fused into a linear layer', () => {
  const rng = new Rng(702);
  // GEMM pipelines are slow to create on SwiftShader: one case per kind
  for (const { act, params } of cases(rng).slice(0, 3)) {
    const [n, f, o] = [rng.int(1, 3), rng.int(3, 40), rng.int(2, 30)];
    it(`${act} ${describeParams(params)} x=[${n},${f}] → ${o}`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', [n, f]);
      g.output(g.activation(g.linear(x, { name: 'fc', outFeatures: o }), act, { ...params, name: 'act' }), 'y');
      const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
      expect(info.nodes.map((m) => m.sources.join('+'))).toEqual(['fc+act']);
    });
  }
});

describe('parametric activations after an elementwise op and standalone', () => {
  const rng = new Rng(703);
  for (const { act, params } of cases(rng).slice(0, 3)) {
    const shape = [rng.int(1, 3), rng.int(1, 7), rng.int(2, 9), rng.int(2, 9)];
    it(`add then ${act} ${describeParams(params)} [${shape}] (fused into the add)`, async () => {
      const g = new GraphBuilder();
      const a = g.input('a', shape);
      const b = g.input('b', [1, shape[1]!, 1, 1]);
      g.output(g.activation(g.add(a, b, 'add'), act, { ...params, name: 'act' }), 'y');
      const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
      expect(info.nodes.map((m) => m.sources.join('+'))).toEqual(['add+act']);
    });
    it(`${act} ${describeParams(params)} on a graph input [${shape}] (standalone kernel)`, async () => {
      const g = new GraphBuilder();
      g.output(g.activation(g.input('x', shape), act, params), 'y');
      await checkGraph(g.build(), rng.int(1, 1e6));
    });
  }
});

describe('activation parameters', () => {
  it('clip(0, 6) and clip(0, ∞) run as relu6 and relu; defaults follow ONNX', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 5, 5]);
    const a = g.activation(g.conv2d(x, { name: 'c1', outChannels: 4, kernel: 1 }), 'clip', { min: 0, max: 6 });
    const b = g.activation(g.conv2d(a, { name: 'c2', outChannels: 4, kernel: 1 }), 'clip', { min: 0 });
    const c = g.activation(b, 'leaky_relu');
    g.output(g.activation(c, 'hardsigmoid', 'hs'), 'y');
    const graph = g.build();
    const nodes = passedGraph(graph).nodes;
    expect(nodes.map((n) => ('activation' in n ? n.activation : n.kind))).toEqual(['relu6', 'relu', 'leaky_relu', 'hardsigmoid']);
    expect(graph.nodes.find((n) => n.name === 'hs')).toMatchObject({ params: { alpha: 0.2, beta: 0.5 } });
    expect(graph.nodes.find((n) => n.op === 'activation' && n.activation === 'leaky_relu')).toMatchObject({ params: { alpha: 0.01 } });
  });

  it('bad numbers throw GraphError naming the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 5, 5]);
    expect(() => g.activation(x, 'clip', { name: 'bad_clip', min: 2, max: 1 })).toThrow(/node "bad_clip": clip min 2 is above max 1/);
    expect(() => g.activation(x, 'leaky_relu', { name: 'bad_alpha', alpha: NaN })).toThrow(GraphError);
    expect(() => g.activation(x, 'hardsigmoid', { name: 'bad_beta', beta: Infinity })).toThrow(/node "bad_beta": beta must be a finite number/);
  });
});
