/**
 * Folds a zero-valued pad into the conv it feeds (ONNX exports write
 * asymmetric "same" padding as a separate Pad): the conv reads the unpadded
 * input with its own padding grown by the pad's. The pad must feed nothing
 * else; padding with zeros is exactly what a conv's padding does (reflect
 * and edge pads, and cropping ones, stay).
 */
import { consumerCounts, type ExecGraph, type ExecNode } from '../exec_graph.js';

export function foldPad(g: ExecGraph): ExecGraph {
  const consumers = consumerCounts(g);
  const nodes: (ExecNode | undefined)[] = [...g.nodes];
  const producer = new Map<number, number>();
  nodes.forEach((n, i) => producer.set(n!.output, i));
  for (let i = 0; i < nodes.length; i++) {
    const conv = nodes[i]!;
    if (conv.kind !== 'conv') continue;
    const at = producer.get(conv.inputs[0]!);
    const pad = at === undefined ? undefined : nodes[at];
    if (!pad || pad.kind !== 'pad' || pad.mode !== 'constant' || pad.value !== 0 || consumers.get(pad.output) !== 1) continue;
    // a conv's own padding cannot crop
    if (pad.pads.some((p) => p < 0)) continue;
    const [top, left, bottom, right] = pad.pads;
    const a = conv.attrs;
    const attrs = { ...a, padTop: a.padTop + top, padLeft: a.padLeft + left, padBottom: a.padBottom + bottom, padRight: a.padRight + right };
    nodes[i] = { ...conv, attrs, inputs: [pad.inputs[0]!], sources: [...pad.sources, ...conv.sources] };
    nodes[at!] = undefined;
  }
  return { ...g, nodes: nodes.filter((n): n is ExecNode => !!n) };
}
