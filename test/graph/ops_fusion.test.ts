/**
 * fuse_silu: x·sigmoid(x) and x·hardsigmoid(x; 1/6, 1/2), as ONNX exports
 * write SiLU and hard-swish, become one activation that fuses into the conv
 * before it — an EfficientNet built that way compiles to the same nodes as
 * the zoo's, and a squeeze-and-excitation block computes the same numbers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphBuilder, type ActivationOptions, type Tensor } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { efficientnetB0 } from '../../src/models/efficientnet.js';
import { checkGraph, passedGraph } from './ops_check.js';

type Act = Exclude<Activation, 'none'>;
const original = GraphBuilder.prototype.activation;

/** The builder's activation() rewritten as an ONNX export spells SiLU: Mul(x, Sigmoid(x)), gate first or second. */
function exportLikeSilu(): void {
  let k = 0;
  vi.spyOn(GraphBuilder.prototype, 'activation').mockImplementation(function (this: GraphBuilder, x: Tensor, act: Act, o?: string | ActivationOptions) {
    if (act !== 'silu') return original.call(this, x, act, o);
    const gate = original.call(this, x, 'sigmoid');
    return k++ % 2 ? this.mul(gate, x) : this.mul(x, gate);
  });
}

afterEach(() => vi.restoreAllMocks());

/** A MobileNet/EfficientNet block: expand, depthwise, squeeze-and-excitation, project, residual. */
function mbConvBlock(act: 'silu' | 'mul-sigmoid'): Graph {
  if (act === 'mul-sigmoid') exportLikeSilu();
  const g = new GraphBuilder();
  const x = g.input('x', [2, 8, 9, 7]);
  const convBn = (t: Tensor, p: string, out: number, o: { kernel?: number; groups?: number; act?: boolean } = {}) => {
    const kernel = o.kernel ?? 1;
    const y = g.batchNorm(g.conv2d(t, { name: `${p}.conv`, outChannels: out, kernel, pad: (kernel - 1) >> 1, groups: o.groups ?? 1, bias: false }), { name: `${p}.bn` });
    return o.act === false ? y : g.activation(y, 'silu');
  };
  let y = convBn(x, 'expand', 24);
  y = convBn(y, 'dw', 24, { kernel: 3, groups: 24 });
  let s = g.globalAvgPool(y);
  s = g.activation(g.conv2d(s, { name: 'se.fc1', outChannels: 4, kernel: 1 }), 'silu');
  s = g.activation(g.conv2d(s, { name: 'se.fc2', outChannels: 24, kernel: 1 }), 'sigmoid');
  y = g.mul(y, s);
  y = convBn(y, 'project', 8, { act: false });
  g.output(g.add(y, x), 'y');
  const graph = g.build();
  vi.restoreAllMocks();
  return graph;
}

const kinds = (graph: Graph): string[] => passedGraph(graph).nodes.map((n) => `${n.kind}${'activation' in n && n.activation !== 'none' ? `:${n.activation}` : ''}`);

describe('fuse_silu', () => {
  it('an MBConv block with Mul(x, Sigmoid(x)) compiles to the nodes of the one with SiLU, and computes the same', async () => {
    const zoo = mbConvBlock('silu');
    const exported = mbConvBlock('mul-sigmoid');
    expect(exported.nodes.filter((n) => n.op === 'mul').length).toBe(4);
    expect(kinds(exported)).toEqual(kinds(zoo));
    const a = await checkGraph(zoo, 31);
    const b = await checkGraph(exported, 31);
    expect(b.info.nodes.map((n) => n.kind)).toEqual(a.info.nodes.map((n) => n.kind));
    expect(b.info.dispatches).toBe(a.info.dispatches);
    // the SE gate: the fc1 conv carries the recognized SiLU
    expect(b.info.nodes.find((n) => n.name === 'se.fc1')!.sources).toEqual(['se.fc1', 'sigmoid_3', 'mul_3']);
  });

  it("EfficientNet-B0 exported that way fuses to the zoo's node kinds and dispatch count", () => {
    const zoo = efficientnetB0({ inputSize: 32 });
    exportLikeSilu();
    const exported = efficientnetB0({ inputSize: 32 });
    vi.restoreAllMocks();
    expect(exported.nodes.length).toBeGreaterThan(zoo.nodes.length + 40);
    const [z, e] = [kinds(zoo), kinds(exported)];
    expect(e.length).toBe(z.length);
    expect(e).toEqual(z);
  });

  it('x · hardsigmoid(x; 1/6, 1/2) after a conv runs as a fused hard-swish', async () => {
    const g = new GraphBuilder();
    const y = g.conv2d(g.input('x', [1, 3, 9, 9]), { name: 'conv', outChannels: 6, kernel: 3 });
    const gate = g.activation(y, 'hardsigmoid', { name: 'hs', alpha: 0.16666667, beta: 0.5 });
    g.output(g.mul(gate, y, 'mul'), 'y');
    const graph = g.build();
    expect(kinds(graph)).toEqual(['conv:hardswish']);
    const { info } = await checkGraph(graph, 32);
    expect(info.nodes.map((n) => n.sources.join('+'))).toEqual(['conv+hs+mul']);
  });

  it('leaves the mul alone when the gate has another reader, is another hardsigmoid or gates another tensor', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 5, 5]);
    const y = g.conv2d(x, { name: 'conv', outChannels: 3, kernel: 1 });
    const s = g.activation(y, 'sigmoid', 's');
    g.output(g.mul(y, s, 'm1'), 'a');
    g.output(s, 'gate');
    g.output(g.mul(y, g.activation(y, 'hardsigmoid', { name: 'h', alpha: 0.2 }), 'm2'), 'b');
    g.output(g.mul(x, g.activation(y, 'sigmoid', 's2'), 'm3'), 'c');
    expect(kinds(g.build())).toEqual(['conv', 'activation:sigmoid', 'binary', 'activation:hardsigmoid', 'binary', 'activation:sigmoid', 'binary']);
  });
});
