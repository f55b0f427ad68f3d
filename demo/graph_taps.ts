/**
 * Intermediate tensors of a model as outputs of their own: the graph cut
 * after the last node a tap needs, with the taps as its outputs. Compiled,
 * it runs only the first layers, and run(x, { keepOnGpu: true }) leaves
 * their feature maps on the GPU for map_canvas.ts to draw.
 */
import { GraphError, type Graph } from './lib.js';

export interface Tap {
  /** The output's name in the cut graph. */
  name: string;
  tensor: number;
}

/**
 * The graph's nodes up to the last producer of a tap (a prefix of its
 * topological order, so node ids and tensor producers stay as they were),
 * with the taps as outputs. Parameters of the dropped nodes stay declared:
 * compile takes the full model's weights unchanged and uploads only those
 * the kept nodes use.
 */
export function cutAt(graph: Graph, taps: readonly Tap[]): Graph {
  let last = -1;
  for (const tap of taps) {
    const info = graph.tensors[tap.tensor];
    if (!info || info.shape.length !== 4) throw new GraphError(tap.name, `tensor ${tap.tensor} is not an image-shaped tensor of this graph`);
    last = Math.max(last, graph.nodes.findIndex((n) => n.output === tap.tensor));
  }
  return { ...graph, nodes: graph.nodes.slice(0, last + 1), outputs: taps.map((t) => ({ name: t.name, tensor: t.tensor })) };
}

/** The tensor a named node writes. */
export function outputOf(graph: Graph, nodeName: string): number {
  const node = graph.nodes.find((n) => n.name === nodeName);
  if (!node) throw new GraphError(nodeName, 'no such node in this graph');
  return node.output;
}

/**
 * The stem's feature maps: the first convolution's output, followed through
 * the BatchNorm and activation right after it (as the next layer sees them).
 * Null for a graph without a convolution.
 */
export function stemTap(graph: Graph): Tap | null {
  const first = graph.nodes.find((n) => n.op === 'conv2d');
  if (!first) return null;
  let tensor = first.output;
  let name = first.name;
  for (;;) {
    const readers = graph.nodes.filter((n) => n.inputs.includes(tensor));
    const next = readers[0];
    if (readers.length !== 1 || !next || (next.op !== 'batchnorm' && next.op !== 'activation')) break;
    tensor = next.output;
    name = next.name;
  }
  return { name: `stem (${name})`, tensor };
}
