/**
 * The activation family fused into the conv, linear and binary epilogues:
 * compile folds conv → activation into one conv node (and add → scale, as
 * an imported Mean makes), and the fused graph computes what the float64
 * interpreter (test/reference/graph.ts) does on random shapes and weights.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { ActivationOptions } from '../../src/ops/activation.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { Rng } from '../helpers/random.js';
import { checkGraph, passedGraph } from './ops_check.js';

type Act = Exclude<Activation, 'none'>;
const kinds = (g: ReturnType<typeof passedGraph>): string[] => g.nodes.map((n) => `${n.kind}${'activation' in n && n.activation !== 'none' ? `:${n.activation}` : ''}`);

// measured worst relative L2 vs the interpreter: 4.1e-7 (pow 3; printed per case)
const TOLERANCE = 1e-6;

const FUSED: [Act, ActivationOptions?][] = [['gelu'], ['elu', { alpha: 0.5 }], ['selu'], ['mish'], ['softplus'], ['erf'], ['sin'], ['pow', { exponent: 3 }], ['gelu_tanh']];

describe('activation family fused into epilogues', () => {
  FUSED.forEach(([act, options], i) => {
    it(`conv → ${act} → linear → ${act}: both fused, same numbers as the interpreter`, async () => {
      const rng = new Rng(500 + i);
      const g = new GraphBuilder();
      const [c, h, w] = [rng.int(1, 5), rng.int(4, 9), rng.int(4, 9)];
      const x = g.input('x', [rng.int(1, 2), c, h, w]);
      const y = g.activation(g.conv2d(x, { name: 'conv', outChannels: rng.int(2, 9), kernel: 3, pad: 1 }), act, options);
      const z = g.activation(g.linear(g.flatten(y), { name: 'fc', outFeatures: rng.int(3, 11) }), act, options);
      g.output(z, 'z');
      const graph = g.build();
      const passed = kinds(passedGraph(graph));
      expect(passed).toContain(`conv:${act}`);
      expect(passed).toContain(`linear:${act}`);
      expect(passed.filter((k) => k.startsWith('activation'))).toEqual([]);
      const { error } = await checkGraph(graph, 900 + i);
      console.log(`${act}: relative L2 ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('mean of three (add → add → scale): the scale fuses into the last add; min and max of convs', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 6, 5]);
    const conv = (name: string) => g.conv2d(x, { name, outChannels: 4, kernel: 1 });
    const [a, b, c] = [conv('a'), conv('b'), conv('c')];
    const mean = g.activation(g.add(g.add(a, b), c), 'scale', { alpha: 1 / 3 });
    g.output(mean, 'mean');
    g.output(g.max(g.min(a, b), c), 'minmax');
    g.output(g.pow(g.activation(a, 'softplus'), g.activation(b, 'sigmoid')), 'pow');
    const graph = g.build();
    const passed = kinds(passedGraph(graph));
    expect(passed).toContain('binary:scale');
    expect(passed.filter((k) => k === 'activation:scale')).toEqual([]);
    const { error } = await checkGraph(graph, 77);
    console.log(`mean/min/max/pow: relative L2 ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOLERANCE);
  });
});
