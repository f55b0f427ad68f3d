/**
 * The executable graph: the IR lowered to the operations our kernels run,
 * with parameter data attached (PyTorch layouts). Passes rewrite it — fold
 * BatchNorm, fuse epilogues, drop identities, pick conv strategies — as pure
 * functions from one ExecGraph to the next.
 */
import { WeightError } from '../errors.js';
import type { ConvStrategyName } from '../kernels/conv2d_strategy.js';
import type { Activation } from '../kernels/epilogue.js';
import type { LrnConvention } from '../kernels/lrn.js';
import { elementCount, type Conv2dAttrs, type Graph, type PoolAttrs, type Shape, type WeightMap } from './ir.js';

interface ExecNodeBase {
  /** The node's name; a fused node keeps the name of the op that anchors it (the conv). */
  readonly name: string;
  /** Names of the graph nodes folded into this one, in order. */
  readonly sources: readonly string[];
  readonly inputs: readonly number[];
  readonly output: number;
}

export interface ConvNode extends ExecNodeBase {
  readonly kind: 'conv';
  readonly attrs: Conv2dAttrs;
  /** OIHW. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly activation: Activation;
  /** A tensor shaped like the output, added before the activation. */
  readonly residual?: number;
  readonly strategy: ConvStrategyName | 'auto';
}

export interface LinearNode extends ExecNodeBase {
  readonly kind: 'linear';
  /** [out][in]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: Activation;
}

export type ExecNode =
  | ConvNode
  | LinearNode
  | (ExecNodeBase & { readonly kind: 'pool'; readonly op: 'max' | 'average'; readonly attrs: PoolAttrs })
  | (ExecNodeBase & { readonly kind: 'globalavgpool' })
  | (ExecNodeBase & { readonly kind: 'adaptiveavgpool' })
  | (ExecNodeBase & { readonly kind: 'binary'; readonly op: 'add' | 'mul'; readonly activation: Activation })
  | (ExecNodeBase & { readonly kind: 'activation'; readonly activation: Activation })
  | (ExecNodeBase & { readonly kind: 'concat' })
  | (ExecNodeBase & { readonly kind: 'flatten' })
  | (ExecNodeBase & { readonly kind: 'softmax' })
  | (ExecNodeBase & { readonly kind: 'lrn'; readonly size: number; readonly alpha: number; readonly beta: number; readonly k: number; readonly convention: LrnConvention })
  | (ExecNodeBase & { readonly kind: 'identity' });

export interface ExecGraph {
  /** Logical shapes by tensor id (ids are the IR's). */
  readonly shapes: ReadonlyMap<number, Shape>;
  readonly nodes: readonly ExecNode[];
  readonly inputs: readonly { name: string; tensor: number }[];
  readonly outputs: readonly { name: string; tensor: number }[];
}

/** Checks the weights against the graph's declarations, listing every problem at once. */
export function checkWeights(graph: Graph, weights: WeightMap): void {
  const missing: string[] = [];
  const misshapen: { name: string; expected: readonly number[]; actual: number }[] = [];
  for (const [name, info] of graph.parameters) {
    const data = weights.get(name);
    if (!data) missing.push(name);
    else if (data.length !== elementCount(info.shape)) misshapen.push({ name, expected: info.shape, actual: data.length });
  }
  const unexpected = [...weights.keys()].filter((k) => !graph.parameters.has(k));
  if (missing.length || unexpected.length || misshapen.length) throw new WeightError(missing, unexpected, misshapen);
}

/**
 * IR → ExecGraph. BatchNorm becomes a per-channel affine conv (1×1,
 * depthwise) so it runs on the depthwise kernel when nothing precedes it to
 * fold into; fold_batchnorm merges it into the conv before it otherwise.
 */
export function lower(graph: Graph, weights: WeightMap): ExecGraph {
  checkWeights(graph, weights);
  const w = (name: string) => weights.get(name)!;
  const shapes = new Map(graph.tensors.map((t) => [t.id, t.shape] as const));
  const nodes: ExecNode[] = graph.nodes.map((n): ExecNode => {
    const base = { name: n.name, sources: [n.name], inputs: n.inputs, output: n.output };
    switch (n.op) {
      case 'conv2d':
        return { ...base, kind: 'conv', attrs: n.attrs, weight: w(n.weight), bias: n.bias ? w(n.bias) : undefined, activation: 'none', strategy: 'auto' };
      case 'batchnorm': {
        const channels = shapes.get(n.output)![1]!;
        const [gamma, beta, mean, variance] = [w(n.weight), w(n.bias), w(n.mean), w(n.variance)];
        const scale = new Float32Array(channels);
        const shift = new Float32Array(channels);
        for (let c = 0; c < channels; c++) {
          // computed in float64, rounded once
          const s = gamma[c]! / Math.sqrt(variance[c]! + n.epsilon);
          scale[c] = s;
          shift[c] = beta[c]! - mean[c]! * s;
        }
        return {
          ...base,
          kind: 'conv',
          attrs: { outChannels: channels, kernelHeight: 1, kernelWidth: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, groups: channels },
          weight: scale,
          bias: shift,
          activation: 'none',
          strategy: 'auto',
        };
      }
      case 'activation':
        return { ...base, kind: 'activation', activation: n.activation };
      case 'maxpool':
      case 'avgpool':
        return { ...base, kind: 'pool', op: n.op === 'maxpool' ? 'max' : 'average', attrs: n.attrs };
      case 'globalavgpool':
        return { ...base, kind: 'globalavgpool' };
      case 'adaptiveavgpool': {
        // the 1×1 case is a global average; equal sizes are the identity
        const [, , h, w] = shapes.get(n.inputs[0]!)!;
        if (n.outHeight === 1 && n.outWidth === 1) return { ...base, kind: 'globalavgpool' };
        if (n.outHeight === h && n.outWidth === w) return { ...base, kind: 'identity' };
        return { ...base, kind: 'adaptiveavgpool' };
      }
      case 'linear':
        return { ...base, kind: 'linear', weight: w(n.weight), bias: n.bias ? w(n.bias) : undefined, inFeatures: n.inFeatures, outFeatures: n.outFeatures, activation: 'none' };
      case 'add':
      case 'mul':
        return { ...base, kind: 'binary', op: n.op, activation: 'none' };
      case 'concat':
        return { ...base, kind: 'concat' };
      case 'flatten':
        return { ...base, kind: 'flatten' };
      case 'softmax':
        return { ...base, kind: 'softmax' };
      case 'lrn':
        return { ...base, kind: 'lrn', size: n.size, alpha: n.alpha, beta: n.beta, k: n.k, convention: n.convention };
      case 'dropout':
      case 'identity':
        return { ...base, kind: 'identity' };
    }
  });
  return { shapes, nodes, inputs: graph.inputs, outputs: graph.outputs };
}

/** How many nodes read each tensor (graph outputs count as readers). */
export function consumerCounts(g: ExecGraph): Map<number, number> {
  const counts = new Map<number, number>();
  const bump = (t: number) => counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const n of g.nodes) {
    n.inputs.forEach(bump);
    if (n.kind === 'conv' && n.residual !== undefined) bump(n.residual);
  }
  g.outputs.forEach((o) => bump(o.tensor));
  return counts;
}

/** Every tensor a node reads, residual included. */
export function nodeReads(n: ExecNode): number[] {
  return n.kind === 'conv' && n.residual !== undefined ? [...n.inputs, n.residual] : [...n.inputs];
}
