/**
 * pad (and its folding into a conv), transpose, reshape, slice, matmul and
 * reduceMean on random odd shapes, batch 1–3, against the float64
 * interpreter; the free reshapes alias their input; error cases.
 */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { Rng } from '../helpers/random.js';
import { checkGraph, passedGraph } from './ops_check.js';

describe('pad', () => {
  const rng = new Rng(901);
  const shape = [rng.int(1, 3), rng.int(1, 6), rng.int(3, 9), rng.int(3, 9)];
  it(`value −0.75, pads [1, 0, 2, 3] of [${shape}] (kernel), then a conv`, async () => {
    const g = new GraphBuilder();
    const p = g.pad(g.input('x', shape), { name: 'pad', pads: [1, 0, 2, 3], value: -0.75 });
    g.output(g.conv2d(p, { name: 'conv', outChannels: 4, kernel: 3 }), 'y');
    g.output(p, 'padded');
    const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
    expect(info.nodes.map((n) => n.sources.join('+'))).toEqual(['pad', 'conv']);
  });
  it(`zero pad [2, 1, 0, 1] folded into the conv after it, [${shape}]`, async () => {
    const g = new GraphBuilder();
    const x = g.input('x', shape);
    const y = g.conv2d(g.pad(x, { name: 'pad', pads: [2, 1, 0, 1] }), { name: 'conv', outChannels: 5, kernel: 3, stride: 2, pad: 1 });
    g.output(g.relu(y, 'relu'), 'y');
    const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
    expect(info.nodes.map((n) => n.sources.join('+'))).toEqual(['pad+conv+relu']);
  });
  it('a zero pad before a max pool or with a second reader stays a pad', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 5, 5]);
    const p = g.pad(x, { name: 'pad', pads: [1, 1, 1, 1] });
    g.output(g.maxPool(p, { kernel: 2 }), 'pool');
    const q = g.pad(x, { name: 'pad2', pads: [1, 1, 1, 1] });
    g.output(g.conv2d(q, { name: 'c1', outChannels: 2, kernel: 3 }), 'c1');
    g.output(g.conv2d(q, { name: 'c2', outChannels: 2, kernel: 3 }), 'c2');
    expect(passedGraph(g.build()).nodes.map((n) => n.kind)).toEqual(['pad', 'pool', 'pad', 'conv', 'conv']);
  });
});

describe('transpose', () => {
  const rng = new Rng(902);
  const perms = [[0, 2, 3, 1], [0, 1, 3, 2], [1, 0, 2, 3], [3, 2, 1, 0], [2, 0, 1, 3]];
  for (const perm of perms) {
    const shape = [rng.int(1, 3), rng.int(1, 6), rng.int(2, 7), rng.int(2, 7)];
    it(`perm [${perm}] of conv output [${shape}]`, async () => {
      const g = new GraphBuilder();
      const y = g.conv2d(g.input('x', shape), { name: 'conv', outChannels: shape[1]! + 1, kernel: 1 });
      g.output(g.transpose(y, perm, 't'), 'y');
      await checkGraph(g.build(), rng.int(1, 1e6));
    });
  }
  it('[N, F] → [F, N]', async () => {
    const g = new GraphBuilder();
    g.output(g.transpose(g.input('x', [3, 7]), [1, 0]), 'y');
    await checkGraph(g.build(), 5);
  });
});

describe('reshape', () => {
  const rng = new Rng(903);
  const [n, c] = [rng.int(1, 3), rng.int(2, 6)];
  const cases: [string, number[], number[], boolean][] = [
    ['image → features (gather)', [n, c, 3, 5], [n, c * 15], false],
    ['features → image (scatter)', [n, c * 15], [n, c, 5, 3], false],
    ['image → image (gather and scatter)', [n, c, 4, 6], [n, 2 * c, 6, 2], false],
    // one channel: NHWC storage is row-major already, so the reshape moves nothing
    ['one channel → features (free)', [n, 1, 5, 7], [n, 35], true],
    ['[N, C, 1, 1] → [N, C] (free)', [n, c, 1, 1], [n, c], true],
    ['[N, F] → [N, F, 1, 1] (free)', [n, c * 6], [n, c * 6, 1, 1], true],
    ['[N, F] → [N·F / 2, 2] (free)', [n, c * 6], [n * c * 3, 2], true],
  ];
  for (const [what, from, to, free] of cases) {
    it(`${what}: [${from}] → [${to}]`, async () => {
      const g = new GraphBuilder();
      // a conv (or linear) in front, so the input lives in the arena like any tensor
      const x = g.input('x', from);
      const y = from.length === 4 ? g.conv2d(x, { name: 'conv', outChannels: from[1]!, kernel: 1 }) : g.linear(x, { name: 'fc', outFeatures: from[1]! });
      const r = g.reshape(y, to, 'reshape');
      g.output(to.length === 4 ? g.conv2d(r, { name: 'after', outChannels: 3, kernel: 1 }) : g.relu(r), 'y');
      const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
      const node = info.nodes.find((m) => m.name === 'reshape')!;
      expect(node.kind).toBe(free ? 'flatten' : 'reshape');
    });
  }
  it('rejects a different element count and unresolved dimensions', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 4, 5]);
    expect(() => g.reshape(x, [2, 61], 'bad')).toThrow(/node "bad": cannot reshape \[2, 3, 4, 5\]/);
    expect(() => g.reshape(x, [2, -1], 'neg')).toThrow(/resolve -1 and 0 first/);
    expect(() => g.reshape(x, [2, 3, 20, 1, 1, 1, 1], 'rank7')).toThrow(/node "rank7": would produce a tensor \[2, 3, 20, 1, 1, 1, 1\]: runtime tensors have rank 0 to 6/);
  });
});

describe('slice', () => {
  const rng = new Rng(904);
  const shape = [rng.int(2, 3), rng.int(5, 9), rng.int(5, 9), rng.int(5, 9)];
  const cases: [number, number, number, number][] = [
    [1, 1, 4, 1],
    [1, 0, 99, 2],
    [2, 1, shape[2]!, 3],
    [3, 2, 4, 1],
    [0, 1, 2, 1],
  ];
  for (const [axis, start, end, step] of cases) {
    it(`axis ${axis} ${start}:${end}:${step} of [${shape}]`, async () => {
      const g = new GraphBuilder();
      const y = g.conv2d(g.input('x', shape), { name: 'conv', outChannels: shape[1]!, kernel: 1 });
      g.output(g.slice(y, { name: 's', axis, start, end, step }), 'y');
      await checkGraph(g.build(), rng.int(1, 1e6));
    });
  }
  for (const [axis, start, end, step] of [[1, 2, 11, 3], [0, 1, 3, 1]] as const) {
    it(`[N, F] axis ${axis} ${start}:${end}:${step}`, async () => {
      const g = new GraphBuilder();
      g.output(g.slice(g.input('x', [3, 13]), { axis, start, end, step }), 'y');
      await checkGraph(g.build(), rng.int(1, 1e6));
    });
  }
  it('a full slice is the identity; bad ranges throw', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 4, 5]);
    g.output(g.relu(g.slice(x, { axis: 1, start: 0, end: 3 })), 'y');
    expect(passedGraph(g.build()).nodes.map((n) => n.kind)).toEqual(['activation']);
    expect(() => g.slice(x, { name: 'empty', axis: 1, start: 3, end: 3 })).toThrow(/node "empty": slice 3:3 of axis 1/);
    expect(() => g.slice(x, { name: 'axis', axis: 4, start: 0, end: 1 })).toThrow(/node "axis": axis 4/);
    expect(() => g.slice(x, { name: 'step', axis: 2, start: 0, end: 2, step: 0 })).toThrow(/node "step": step/);
  });
});

describe('matmul', () => {
  const rng = new Rng(905);
  for (const [m, k, n] of [[rng.int(1, 3), rng.int(3, 30), rng.int(2, 20)], [7, 16, 12]]) {
    it(`[${m}, ${k}] × [${k}, ${n}], then relu (fused)`, async () => {
      const g = new GraphBuilder();
      g.output(g.relu(g.matmul(g.input('a', [m!, k!]), g.input('b', [k!, n!]), 'mm'), 'relu'), 'y');
      const { info } = await checkGraph(g.build(), rng.int(1, 1e6));
      expect(info.nodes.map((x) => x.sources.join('+'))).toEqual(['mm+relu']);
    });
  }
  it('rejects inner-dimension and rank mismatches', () => {
    const g = new GraphBuilder();
    expect(() => g.matmul(g.input('a', [2, 3]), g.input('b', [4, 5]), 'mm')).toThrow(/node "mm": shape mismatch/);
    expect(() => g.matmul(g.input('c', [1, 2, 3, 4]), g.input('d', [4, 5]), 'mm4')).toThrow(GraphError);
  });
});

describe('reduceMean over H and W', () => {
  for (const keepdims of [true, false]) {
    it(`keepdims=${keepdims}`, async () => {
      const g = new GraphBuilder();
      const y = g.conv2d(g.input('x', [2, 3, 7, 5]), { name: 'conv', outChannels: 6, kernel: 3 });
      const r = g.reduceMean(y, { name: 'mean', axes: [3, 2], keepdims });
      expect(r.shape).toEqual(keepdims ? [2, 6, 1, 1] : [2, 6]);
      g.output(keepdims ? r : g.linear(r, { name: 'fc', outFeatures: 4 }), 'y');
      await checkGraph(g.build(), keepdims ? 21 : 22);
    });
  }
  it('other axes throw a GraphError that says what is supported', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 7, 5]);
    expect(() => g.reduceMean(x, { name: 'rm', axes: [1] })).toThrow(/node "rm": reduceMean over axes \[1\] is not supported: only axes \[2, 3\]/);
    expect(() => g.reduceMean(g.input('f', [2, 3]), { name: 'rm2', axes: [1] })).toThrow(GraphError);
  });
});
