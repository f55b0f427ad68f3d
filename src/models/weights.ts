/**
 * Matching a file's tensors (a torchvision state_dict saved with
 * safetensors, say) to a graph's parameters by name, with one error that
 * lists every problem rather than the first.
 */
import { WeightError } from '../errors.js';
import type { Graph, Shape } from '../graph/ir.js';
import { isNumBatchesTracked } from '../io/safetensors.js';

export interface WeightsForGraphOptions {
  /**
   * Key prefixes the graph deliberately lacks (GoogLeNet's `aux1.`, `aux2.`):
   * their tensors are dropped with one notice. A key the graph does declare
   * is never skipped.
   */
  skipPrefixes?: readonly string[];
  /** Why those keys are skipped, appended to the notice in parentheses. */
  skipReason?: string;
  /** Receives the notice; default console.info. */
  onNotice?(message: string): void;
}

/** A named tensor as readSafetensors returns it (or any shape + float32 data). */
export interface ShapedTensor {
  readonly shape: Shape;
  readonly data: Float32Array;
}

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The weights of `graph` from named tensors. Shapes must match exactly
 * ([out, in, kh, kw] is not [out, kh, kw, in] even with equal sizes).
 * PyTorch's BatchNorm counters (`*.num_batches_tracked`) are ignored
 * silently. Missing, unexpected and mis-shaped tensors are all collected
 * into one WeightError. The arrays are passed through, not copied.
 *
 * @example
 * const file = await loadSafetensors(url);
 * const weights = weightsForGraph(googlenet, readSafetensors(file), {
 *   skipPrefixes: ['aux1.', 'aux2.'],
 *   skipReason: 'auxiliary classifiers; the inference graph has none',
 * });
 * const model = await compile(ctx, googlenet, weights);
 */
export function weightsForGraph(graph: Graph, tensors: ReadonlyMap<string, ShapedTensor>, options: WeightsForGraphOptions = {}): Map<string, Float32Array> {
  const prefixes = options.skipPrefixes ?? [];
  const weights = new Map<string, Float32Array>();
  const unexpected: string[] = [];
  const misshapen: { name: string; expected: Shape; actual: number; actualShape?: Shape }[] = [];
  const skippedPerPrefix = new Map<string, number>();

  for (const [name, tensor] of tensors) {
    const info = graph.parameters.get(name);
    if (!info) {
      const prefix = prefixes.find((p) => name.startsWith(p));
      if (prefix !== undefined) skippedPerPrefix.set(prefix, (skippedPerPrefix.get(prefix) ?? 0) + 1);
      else if (!isNumBatchesTracked(name)) unexpected.push(name);
      continue;
    }
    if (tensor.data.length !== tensor.shape.reduce((a, b) => a * b, 1)) {
      // the tensor contradicts itself: report by size
      misshapen.push({ name, expected: info.shape, actual: tensor.data.length });
      continue;
    }
    if (!sameShape(tensor.shape, info.shape)) {
      misshapen.push({ name, expected: info.shape, actual: tensor.data.length, actualShape: tensor.shape });
      continue;
    }
    weights.set(name, tensor.data);
  }
  const missing = [...graph.parameters.keys()].filter((name) => !tensors.has(name));
  if (missing.length || unexpected.length || misshapen.length) throw new WeightError(missing, unexpected, misshapen, graph.parameters.size);

  if (skippedPerPrefix.size > 0) {
    const count = [...skippedPerPrefix.values()].reduce((a, b) => a + b, 0);
    const which = prefixes.filter((p) => skippedPerPrefix.has(p)).join(', ');
    const notice = `skipped ${count} tensor${count === 1 ? '' : 's'} of ${which}${options.skipReason ? ` (${options.skipReason})` : ''}`;
    (options.onNotice ?? console.info)(notice);
  }
  return weights;
}
