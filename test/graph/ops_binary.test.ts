/**
 * add / sub / mul / div with numpy broadcasting over logical shapes,
 * constants (rank 1–4) as operands — inlined into the op — and as plain
 * tensors (concat, matmul, a graph output), and PReLU on rank 4 and 2;
 * against the float64 interpreter.
 */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { GraphBuilder, type Tensor } from '../../src/graph/builder.js';
import { Rng } from '../helpers/random.js';
import { awayFromZero, checkGraph, passedGraph } from './ops_check.js';

type Op = 'add' | 'sub' | 'mul' | 'div';
const apply = (g: GraphBuilder, op: Op, a: Tensor, b: Tensor, name?: string): Tensor => g[op](a, b, name);

/** Every constant declared in the graph (all are divisors in some case) kept away from zero. */
const safeConstants = (w: Map<string, Float32Array>, rng: Rng): void => {
  for (const [name, data] of w) if (name.startsWith('k')) awayFromZero(data, rng);
};

describe('binary ops with broadcasting', () => {
  const rng = new Rng(801);
  const [n, c, h, w] = [rng.int(2, 3), rng.int(2, 7), rng.int(3, 9), rng.int(3, 9)];
  // [x shape, y shape, y is a constant]
  const layouts: [number[], number[], boolean][] = [
    [[n, c, h, w], [n, c, h, w], false],
    [[n, c, h, w], [n, c, 1, 1], false],
    [[n, c, h, w], [1, c, 1, 1], true],
    [[n, c, h, w], [c, 1, 1], true],
    [[n, c, h, w], [w], true],
    [[n, c, h, w], [1], true],
    [[n, c, h, w], [1, 1, 1, 1], false],
    [[n, 1, h, w], [1, c, 1, 1], true],
    [[n, c * 3], [1, c * 3], true],
    [[n, c * 3], [c * 3], true],
    [[n, c * 3], [n, c * 3], false],
    [[n, c * 3], [n, 1], false],
  ];
  const ops: Op[] = ['add', 'sub', 'mul', 'div'];
  layouts.forEach(([xs, ys, constant], i) => {
    const op = ops[i % ops.length]!;
    const swap = i % 3 === 1;
    it(`${swap ? `y ${op} x` : `x ${op} y`} x=[${xs}] y=[${ys}]${constant ? ' (constant)' : ''}`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', xs);
      const y = constant ? g.constant('k', ys) : g.input('y', ys);
      g.output(swap ? apply(g, op, y, x, 'op') : apply(g, op, x, y, 'op'), 'out');
      const graph = g.build();
      const { info } = await checkGraph(graph, rng.int(1, 1e6), {
        // divisors away from zero, whichever operand divides
        weights: safeConstants,
      });
      expect(info.nodes.map((m) => m.kind)).toEqual(['binary']);
    });
  });

  it('divides by a runtime tensor kept away from zero', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 5, 7, 3]);
    const k = g.constant('k', [1, 5, 1, 1]);
    // y = conv(x)² + k² > 0 (k away from zero), a safe runtime divisor
    const y0 = g.conv2d(x, { name: 'conv', outChannels: 5, kernel: 1 });
    const y = g.add(g.mul(y0, y0), g.mul(k, k));
    g.output(g.div(x, y, 'div'), 'out');
    await checkGraph(g.build(), 11, { weights: safeConstants });
  });

  it('normalisation (x − mean) / std: constants inlined, no constant node left', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 11, 13]);
    const y = g.div(g.sub(x, g.constant('mean', [1, 3, 1, 1]), 'sub'), g.constant('kstd', [3, 1, 1]), 'div');
    g.output(g.relu(g.conv2d(y, { name: 'conv', outChannels: 4, kernel: 3 })), 'out');
    const { info } = await checkGraph(g.build(), 12, { weights: safeConstants });
    expect(info.nodes.map((m) => m.sources.join('+'))).toEqual(['sub', 'div', 'conv+relu_1']);
    expect(info.dispatches).toBeLessThanOrEqual(5);
  });
});

describe('constants as tensors', () => {
  it('a constant concatenated, multiplied by matmul, added to a constant and as a graph output', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 5, 7]);
    const cat = g.concat([x, g.constant('kimg', [2, 4, 5, 7])], 'cat');
    g.output(g.conv2d(cat, { name: 'conv', outChannels: 3, kernel: 3, pad: 1 }), 'conv');
    const v = g.input('v', [3, 6]);
    g.output(g.matmul(v, g.constant('kmat', [6, 5]), 'mm'), 'mm');
    g.output(g.add(g.constant('ka', [1, 3, 1, 1]), g.constant('kb', [2, 3, 4, 5]), 'both'), 'both');
    g.output(g.constant('kout', [2, 3, 4, 5]), 'raw');
    const { info } = await checkGraph(g.build(), 13);
    expect(info.nodes.filter((m) => m.kind === 'constant').length).toBe(4);
  });
});

describe('prelu', () => {
  const rng = new Rng(802);
  for (let i = 0; i < 2; i++) {
    const [n, c, h, w] = [rng.int(1, 3), rng.int(1, 9), rng.int(3, 11), rng.int(3, 11)];
    it(`after a conv, x=[${n},${c},${h},${w}]`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', [n, c, h, w]);
      g.output(g.prelu(g.conv2d(x, { name: 'conv', outChannels: c + 2, kernel: 3, pad: 1 }), { name: 'act' }), 'y');
      const graph = g.build();
      expect(graph.parameters.get('act.weight')).toMatchObject({ shape: [c + 2], learnable: true });
      await checkGraph(graph, rng.int(1, 1e6));
    });
  }
  it('on [N, F] after a linear layer', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [3, 19]);
    g.output(g.prelu(g.linear(x, { name: 'fc', outFeatures: 13 }), { name: 'act' }), 'y');
    await checkGraph(g.build(), 14);
  });
});

describe('binary op errors', () => {
  it('shapes that do not broadcast, ranks above 6, bad constants', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 8, 8]);
    const k3 = g.constant('k3', [4, 1, 1]);
    expect(() => g.sub(x, g.input('y', [1, 3, 8, 8]), 'bad_sub')).toThrow(/node "bad_sub": shape mismatch/);
    expect(() => g.div(x, g.constant('kw', [5]), 'bad_div')).toThrow(GraphError);
    // ranks 0 to 6 are runtime tensors (rank 4 NHWC, the rest row-major); broadcasting a rank-3 constant into [1, 4, 8, 8] is checked by value in test/graph/any_rank.test.ts
    expect(g.add(k3, k3, 'rank3').shape).toEqual([4, 1, 1]);
    expect(g.add(x, k3, 'rank3_into_4').shape).toEqual([1, 4, 8, 8]);
    expect(() => g.constant('k7', [1, 1, 1, 1, 1, 1, 1])).toThrow(/constant "k7" must have 0 to 6 positive integer dimensions/);
    expect(() => g.constant('k0', [2, 0])).toThrow(/positive integer dimensions/);
    expect(() => g.prelu(g.constant('k1', [4]), { name: 'bad_prelu' })).toThrow(/node "bad_prelu": expects channels on axis 1/);
  });

  it('a graph of constants only lowers without a GPU', () => {
    const g = new GraphBuilder();
    g.input('x', [1, 2]);
    g.output(g.mul(g.constant('ka', [1, 2]), g.constant('kb', [1, 2])), 'y');
    expect(passedGraph(g.build()).nodes.map((n) => n.kind)).toEqual(['constant', 'binary']);
  });
});
