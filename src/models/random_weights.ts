/**
 * Seeded random weights for any graph, scaled like PyTorch's default
 * initialisation (uniform ±1/√fan_in) so activations stay O(1) through deep
 * networks; BatchNorm statistics are positive variances near 1. For benches
 * and for zoo models run without trained weights — results are meaningless
 * as predictions, only as timings and numerics.
 */
import type { Graph } from '../graph/ir.js';
import { elementCount } from '../graph/ir.js';
import { mulberry32 } from '../random.js';

/** mulberry32 from the seed (mod 2³²; seed 0 starts at state 1, as it always has: fixtures depend on it). */
function generator(seed: number): () => number {
  return mulberry32(seed >>> 0 || 1);
}

/**
 * @example
 * const weights = randomWeights(resnet50(), 42);
 * const model = await compile(ctx, graph, weights);
 */
export function randomWeights(graph: Graph, seed = 1): Map<string, Float32Array> {
  const next = generator(seed);
  const uniform = (n: number, lo: number, hi: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
    return a;
  };
  // fan-in of each layer, from its weight's shape: [out, in, kh, kw] or [out, in]
  const fanIn = new Map<string, number>();
  for (const [name, p] of graph.parameters) {
    if (name.endsWith('.weight') && p.shape.length >= 2) fanIn.set(name.slice(0, -'.weight'.length), elementCount(p.shape.slice(1)));
  }
  const weights = new Map<string, Float32Array>();
  for (const [name, p] of graph.parameters) {
    const n = elementCount(p.shape);
    const layer = name.slice(0, name.lastIndexOf('.'));
    const bound = 1 / Math.sqrt(fanIn.get(layer) ?? 1);
    if (name.endsWith('.running_var')) weights.set(name, uniform(n, 0.5, 1.5));
    else if (name.endsWith('.running_mean')) weights.set(name, uniform(n, -0.5, 0.5));
    else if (p.shape.length === 1 && !fanIn.has(layer)) weights.set(name, name.endsWith('.weight') ? uniform(n, 0.5, 1.5) : uniform(n, -0.5, 0.5));
    else weights.set(name, uniform(n, -bound, bound));
  }
  return weights;
}
