/**
 * The executable graph: the IR lowered to the operations our kernels run,
 * with parameter data attached (PyTorch layouts). Passes rewrite it — fold
 * BatchNorm, fuse epilogues, drop identities, pick conv strategies — as pure
 * functions from one ExecGraph to the next.
 */
import { WeightError } from '../errors.js';
import type { ConvStrategyName } from '../kernels/conv2d_strategy.js';
import type { BinaryOp } from '../kernels/elementwise.js';
import type { Activation, ActivationParams } from '../kernels/epilogue.js';
import type { LrnConvention } from '../kernels/lrn.js';
import { checkGraphIo, elementCount, type Conv2dAttrs, type Graph, type GraphNode, type PoolAttrs, type Shape, type WeightMap } from './ir.js';
import { toStorageLayout } from './tensor_layout.js';

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
  readonly activationParams?: ActivationParams;
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
  readonly activationParams?: ActivationParams;
}

/** A constant operand of a binary node, uploaded with it instead of read from a tensor. */
export interface ConstantOperand {
  /** Which operand it is; the node's single input is the other. */
  readonly position: 0 | 1;
  /** Logical shape (any rank 1–4, broadcast numpy-style). */
  readonly shape: Shape;
  /** In GPU layout (tensor_layout.ts toStorageLayout). */
  readonly data: Float32Array;
}

export interface BinaryNode extends ExecNodeBase {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
  readonly constant?: ConstantOperand;
}

export type ExecNode =
  | ConvNode
  | LinearNode
  | (ExecNodeBase & { readonly kind: 'pool'; readonly op: 'max' | 'average'; readonly attrs: PoolAttrs })
  | (ExecNodeBase & { readonly kind: 'globalavgpool' })
  | (ExecNodeBase & { readonly kind: 'adaptiveavgpool' })
  | BinaryNode
  | (ExecNodeBase & { readonly kind: 'activation'; readonly activation: Activation; readonly activationParams?: ActivationParams })
  | (ExecNodeBase & { readonly kind: 'matmul'; readonly activation: Activation; readonly activationParams?: ActivationParams })
  /** A parameter materialized as a tensor, data in GPU layout. */
  | (ExecNodeBase & { readonly kind: 'constant'; readonly data: Float32Array })
  | (ExecNodeBase & { readonly kind: 'pad'; readonly pads: readonly [number, number, number, number]; readonly value: number })
  | (ExecNodeBase & { readonly kind: 'transpose'; readonly perm: readonly number[] })
  /** A reshape that moves data (the free ones are lowered to 'flatten', which the executor aliases). */
  | (ExecNodeBase & { readonly kind: 'reshape' })
  | (ExecNodeBase & { readonly kind: 'slice'; readonly axis: number; readonly start: number; readonly end: number; readonly step: number })
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
  if (missing.length || unexpected.length || misshapen.length) throw new WeightError(missing, unexpected, misshapen, graph.parameters.size);
}

/**
 * IR → ExecGraph. BatchNorm becomes a per-channel affine conv (1×1,
 * depthwise) so it runs on the depthwise kernel when nothing precedes it to
 * fold into; fold_batchnorm merges it into the conv before it otherwise.
 */
export function lower(graph: Graph, weights: WeightMap): ExecGraph {
  checkGraphIo(graph);
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
        return { ...base, kind: 'activation', ...canonicalActivation(n) };
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
      case 'sub':
      case 'mul':
      case 'div':
        return { ...base, kind: 'binary', op: n.op, activation: 'none' };
      case 'prelu': {
        // the slopes are a constant operand broadcast along axis 1
        const shape = shapes.get(n.output)!;
        const slopeShape = shape.length === 4 ? [1, shape[1]!, 1, 1] : [1, shape[1]!];
        return { ...base, kind: 'binary', op: 'prelu', activation: 'none', constant: { position: 1, shape: slopeShape, data: w(n.weight) } };
      }
      case 'constant':
        return { ...base, kind: 'constant', data: toStorageLayout(shapes.get(n.output)!, w(n.param)) };
      case 'pad':
        return { ...base, kind: 'pad', pads: n.pads, value: n.value };
      case 'transpose':
        return n.perm.every((p, i) => p === i) ? { ...base, kind: 'identity' } : { ...base, kind: 'transpose', perm: n.perm };
      case 'reshape':
        return { ...base, kind: reshapeKind(shapes.get(n.inputs[0]!)!, shapes.get(n.output)!) };
      case 'slice': {
        const full = n.start === 0 && n.step === 1 && n.end >= shapes.get(n.inputs[0]!)![n.axis]!;
        return full ? { ...base, kind: 'identity' } : { ...base, kind: 'slice', axis: n.axis, start: n.start, end: n.end, step: n.step };
      }
      case 'matmul':
        return { ...base, kind: 'matmul', activation: 'none' };
      case 'reducemean':
        // the pool writes [N, 1, 1, C], which is [N, C] row-major too
        return { ...base, kind: 'globalavgpool' };
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

/** clip(0, 6) is relu6 and clip(0, ∞) relu: kernels already compiled for those serve them. */
function canonicalActivation(n: Extract<GraphNode, { op: 'activation' }>): { activation: Activation; activationParams?: ActivationParams } {
  if (n.activation === 'clip' && n.params?.min === 0 && n.params.max === 6) return { activation: 'relu6' };
  if (n.activation === 'clip' && n.params?.min === 0 && n.params.max === Infinity) return { activation: 'relu' };
  return n.params ? { activation: n.activation, activationParams: n.params } : { activation: n.activation };
}

/**
 * Equal shapes are the identity; when both layouts are row-major and the
 * executor aliases the kind (input [N, F] or one pixel) it is a free
 * 'flatten'; anything else moves data.
 */
function reshapeKind(from: Shape, to: Shape): 'identity' | 'flatten' | 'reshape' {
  if (from.join() === to.join()) return 'identity';
  const aliased = from.length !== 4 || from[2]! * from[3]! === 1;
  const rowMajor = to.length !== 4 || to[1] === 1 || to[2]! * to[3]! === 1;
  return aliased && rowMajor ? 'flatten' : 'reshape';
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

/**
 * A tensor as messages name it: by the layer that writes it (the graph input
 * or output it is, where it is one), e.g. `output of layer "conv1"`.
 */
export function tensorLabel(g: ExecGraph, tensor: number): string {
  const input = g.inputs.find((i) => i.tensor === tensor);
  if (input) return `graph input "${input.name}"`;
  const producer = g.nodes.find((n) => n.output === tensor);
  const output = g.outputs.find((o) => o.tensor === tensor);
  const asOutput = output ? ` (graph output "${output.name}")` : '';
  return producer ? `output of layer "${producer.name}"${asOutput}` : `tensor ${tensor}${asOutput}`;
}
