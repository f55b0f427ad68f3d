/**
 * Folds a per-channel affine (a lowered BatchNorm: 1×1 depthwise conv, no
 * activation) into the conv before it, when that conv feeds nothing else:
 * W'[o] = W[o]·scale[o], b'[o] = b[o]·scale[o] + shift[o]. The weights are
 * new arrays; the input graph is untouched.
 */
import { consumerCounts, type ConvNode, type ExecGraph, type ExecNode } from '../exec_graph.js';

function isChannelAffine(n: ExecNode): n is ConvNode {
  return (
    n.kind === 'conv' && n.attrs.kernelHeight === 1 && n.attrs.kernelWidth === 1 && n.attrs.groups === n.attrs.outChannels &&
    n.attrs.strideH === 1 && n.attrs.strideW === 1 && n.attrs.padTop + n.attrs.padBottom + n.attrs.padLeft + n.attrs.padRight === 0 &&
    n.activation === 'none' && n.residual === undefined && n.weight.length === n.attrs.outChannels
  );
}

export function foldBatchNorm(g: ExecGraph): ExecGraph {
  const consumers = consumerCounts(g);
  const producer = new Map<number, number>();
  const nodes: (ExecNode | undefined)[] = [...g.nodes];
  nodes.forEach((n, i) => producer.set(n!.output, i));
  for (let i = 0; i < nodes.length; i++) {
    const affine = nodes[i]!;
    if (!isChannelAffine(affine)) continue;
    const at = producer.get(affine.inputs[0]!);
    const conv = at === undefined ? undefined : nodes[at];
    if (!conv || conv.kind !== 'conv' || conv.activation !== 'none' || conv.residual !== undefined) continue;
    if (consumers.get(conv.output) !== 1) continue;
    const out = conv.attrs.outChannels;
    const perOut = conv.weight.length / out;
    const weight = new Float32Array(conv.weight.length);
    const bias = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      const scale = affine.weight[o]!;
      for (let j = 0; j < perOut; j++) weight[o * perOut + j] = conv.weight[o * perOut + j]! * scale;
      bias[o] = (conv.bias ? conv.bias[o]! : 0) * scale + affine.bias![o]!;
    }
    nodes[i] = { ...conv, weight, bias, output: affine.output, sources: [...conv.sources, ...affine.sources] };
    nodes[at!] = undefined;
    producer.set(affine.output, i);
  }
  return { ...g, nodes: nodes.filter((n): n is ExecNode => !!n) };
}
