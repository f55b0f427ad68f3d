/**
 * instanceNorm, depthToSpace / spaceToDepth and the reflect / edge / cropping
 * pads through the builder and the executor, batch 2 and odd sizes, against
 * the float64 interpreter; reflect and edge pads are not folded into a conv;
 * the builder's typed errors.
 */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { expectMatchesReference } from '../helpers/graph_check.js';
import { Rng } from '../helpers/random.js';
import { passedGraph } from './ops_check.js';

// measured worst on SwiftShader: 1.1e-7 (instance norm); the gathers and pads are exact
const TOLERANCE = 5e-7;

const worst = (errors: Record<string, number>): number => Math.max(...Object.values(errors));

describe('instanceNorm', () => {
  const rng = new Rng(1311);
  for (const affine of [true, false]) {
    const shape = [2, rng.int(2, 6), rng.int(1, 9), rng.int(2, 9)];
    const eps = rng.pick([1e-5, 1e-2]);
    it(`affine ${affine}, eps ${eps}, [${shape}]`, async () => {
      const g = new GraphBuilder();
      g.output(g.instanceNorm(g.input('x', shape), { name: 'in1', eps, affine }), 'y');
      const graph = g.build();
      expect([...graph.parameters.keys()]).toEqual(affine ? ['in1.weight', 'in1.bias'] : []);
      const errors = await expectMatchesReference(graph, rng.int(1, 1e6), {}, { tolerance: TOLERANCE });
      console.log(`[graph instanceNorm] affine ${affine} [${shape}]: relative L2 ${worst(errors).toExponential(2)}`);
    });
  }
  it('refuses [N, F] and a negative eps, naming the node', () => {
    const g = new GraphBuilder();
    expect(() => g.instanceNorm(g.input('f', [2, 8]), { name: 'flat' })).toThrow(GraphError);
    expect(() => g.instanceNorm(g.input('x', [1, 2, 3, 3]), { name: 'neg', eps: -1 })).toThrow(/node "neg": eps must be finite and ≥ 0/);
  });
});

describe('depthToSpace / spaceToDepth', () => {
  const rng = new Rng(1312);
  for (const block of [2, 3]) {
    for (const mode of ['DCR', 'CRD'] as const) {
      const shape = [2, block * block * rng.int(1, 3), rng.int(1, 5), rng.int(1, 5)];
      it(`depthToSpace ${mode} block ${block} of [${shape}], then spaceToDepth back`, async () => {
        const g = new GraphBuilder();
        const y = g.depthToSpace(g.input('x', shape), block, mode, 'd2s');
        expect(y.shape).toEqual([2, shape[1]! / (block * block), shape[2]! * block, shape[3]! * block]);
        g.output(y, 'y');
        g.output(g.spaceToDepth(y, block, 's2d'), 'back');
        const errors = await expectMatchesReference(g.build(), rng.int(1, 1e6), {}, { tolerance: 0 });
        expect(worst(errors)).toBe(0);
      });
    }
  }
  it('refuses blocks that do not divide, naming the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 6, 4, 5]);
    expect(() => g.depthToSpace(x, 2, 'DCR', 'bad')).toThrow(/node "bad": cannot rearrange \[1, 6, 4, 5\] with block 2/);
    expect(() => g.spaceToDepth(x, 2, 'odd')).toThrow(/node "odd".*width 5/);
    expect(() => g.depthToSpace(x, 1, 'XYZ' as 'DCR', 'mode')).toThrow(/node "mode": mode must be "DCR" or "CRD"/);
  });
});

describe('pad modes', () => {
  const rng = new Rng(1313);
  for (const mode of ['reflect', 'edge'] as const) {
    const shape = [2, rng.int(1, 4), rng.int(3, 8), rng.int(3, 8)];
    const most = Math.min(shape[2]!, shape[3]!) - 1;
    const pads = [rng.int(0, most), rng.int(0, most), rng.int(1, most), rng.int(0, most)] as const;
    it(`${mode} pads [${pads}] of [${shape}], then a conv (not folded into it)`, async () => {
      const g = new GraphBuilder();
      const p = g.pad(g.input('x', shape), { name: 'pad', pads, mode });
      g.output(g.conv2d(p, { name: 'conv', outChannels: 3, kernel: 3 }), 'y');
      g.output(p, 'padded');
      const graph = g.build();
      expect(passedGraph(graph).nodes.map((n) => n.kind)).toEqual(['pad', 'conv']);
      const errors = await expectMatchesReference(graph, rng.int(1, 1e6), {}, { tolerance: TOLERANCE });
      expect(errors.padded).toBe(0);
    });
  }
  it('a cropping zero pad before a conv is not folded into it', async () => {
    const g = new GraphBuilder();
    const p = g.pad(g.input('x', [2, 3, 7, 6]), { name: 'crop', pads: [-1, 2, 0, -2] });
    g.output(g.conv2d(p, { name: 'conv', outChannels: 2, kernel: 3 }), 'y');
    const graph = g.build();
    expect(passedGraph(graph).nodes.map((n) => n.kind)).toEqual(['pad', 'conv']);
    await expectMatchesReference(graph, 17, {}, { tolerance: TOLERANCE });
  });
  it('refuses reflect pads as long as the axis and unknown modes, naming the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 3, 5]);
    expect(() => g.pad(x, { name: 'long', pads: [3, 0, 0, 0], mode: 'reflect' })).toThrow(/node "long": cannot pad \[1, 2, 3, 5\] by \[3, 0, 0, 0\] in reflect mode/);
    expect(() => g.pad(x, { name: 'wrap', pads: [1, 1, 1, 1], mode: 'wrap' as 'edge' })).toThrow(/node "wrap": pad mode must be one of constant, reflect, edge/);
    expect(() => g.pad(x, { name: 'gone', pads: [-2, 0, -1, 0], mode: 'edge' })).toThrow(/node "gone".*leave nothing/);
  });
});
