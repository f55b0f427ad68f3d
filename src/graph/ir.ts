/**
 * The graph IR: tensors with logical shapes (NCHW for images, [N, F] for
 * features — PyTorch's view of them; the GPU keeps images NHWC), nodes that
 * read tensors and write one, and parameter declarations by name. Parameter
 * data is not in the graph: it comes with compile(), so one graph serves
 * random, trained and reloaded weights.
 */
import { GraphError } from '../errors.js';
import type { Activation, ActivationParams } from '../kernels/epilogue.js';
import type { LrnConvention } from '../kernels/lrn.js';

export type Shape = readonly number[];

export interface TensorInfo {
  readonly id: number;
  /** Logical shape: [N, C, H, W] or [N, F]; constants may also be rank 1 or 3 (broadcast operands). */
  readonly shape: Shape;
  /** The node that writes it (-1 for graph inputs). */
  readonly producer: number;
}

/** A named parameter: torchvision state_dict keys where a model has them. */
export interface ParameterInfo {
  readonly name: string;
  readonly shape: Shape;
  /** Learnable (weights, biases, BN γ/β) vs buffer (BN running statistics). */
  readonly learnable: boolean;
}

export interface Conv2dAttrs {
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  groups: number;
}

export interface PoolAttrs {
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  ceilMode: boolean;
  countIncludePad: boolean;
}

interface NodeBase {
  readonly id: number;
  /** Unique; errors and profiles name nodes by it. */
  readonly name: string;
  readonly inputs: readonly number[];
  readonly output: number;
}

export type GraphNode =
  | (NodeBase & { op: 'conv2d'; attrs: Conv2dAttrs; weight: string; bias?: string })
  | (NodeBase & { op: 'batchnorm'; weight: string; bias: string; mean: string; variance: string; epsilon: number })
  | (NodeBase & { op: 'activation'; activation: Exclude<Activation, 'none'>; params?: ActivationParams })
  | (NodeBase & { op: 'maxpool' | 'avgpool'; attrs: PoolAttrs })
  | (NodeBase & { op: 'globalavgpool' })
  | (NodeBase & { op: 'adaptiveavgpool'; outHeight: number; outWidth: number })
  | (NodeBase & { op: 'linear'; inFeatures: number; outFeatures: number; weight: string; bias?: string })
  /** numpy broadcasting over the logical shapes, both operands. */
  | (NodeBase & { op: 'add' | 'sub' | 'mul' | 'div' })
  /** x ≥ 0 ? x : slope[c]·x, one slope per channel (axis 1). */
  | (NodeBase & { op: 'prelu'; weight: string })
  /** No inputs: the (non-learnable) parameter `param`, shaped like the output. */
  | (NodeBase & { op: 'constant'; param: string })
  /** Constant padding of H and W, ONNX's order [top, left, bottom, right]. */
  | (NodeBase & { op: 'pad'; pads: readonly [number, number, number, number]; value: number })
  /** Output axis i is input axis perm[i] (logical axes). */
  | (NodeBase & { op: 'transpose'; perm: readonly number[] })
  /** Row-major (NCHW) reinterpretation; the output tensor's shape is the new shape. */
  | (NodeBase & { op: 'reshape' })
  /** Indices start, start + step, … below end of one logical axis. */
  | (NodeBase & { op: 'slice'; axis: number; start: number; end: number; step: number })
  /** [M, K] × [K, N], both runtime tensors. */
  | (NodeBase & { op: 'matmul' })
  /** Mean over H and W (axes 2, 3): [N, C, 1, 1] with keepdims, else [N, C]. */
  | (NodeBase & { op: 'reducemean'; keepdims: boolean })
  | (NodeBase & { op: 'concat' })
  | (NodeBase & { op: 'flatten' })
  | (NodeBase & { op: 'softmax' })
  | (NodeBase & { op: 'lrn'; size: number; alpha: number; beta: number; k: number; convention: LrnConvention })
  | (NodeBase & { op: 'dropout' | 'identity' });

export type OpName = GraphNode['op'];

export interface Graph {
  readonly tensors: readonly TensorInfo[];
  /** In topological order: every node's inputs are written by earlier nodes or are graph inputs. */
  readonly nodes: readonly GraphNode[];
  readonly inputs: readonly { name: string; tensor: number }[];
  readonly outputs: readonly { name: string; tensor: number }[];
  readonly parameters: ReadonlyMap<string, ParameterInfo>;
}

/** Parameter data by name, in PyTorch layouts (OIHW conv weights, [out][in] linear weights). */
export type WeightMap = ReadonlyMap<string, Float32Array>;

export function elementCount(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Graph inputs, and graph outputs, each need a name of their own: run() takes
 * inputs and returns outputs by name, so a second one of a name would be
 * silently dropped.
 */
export function checkGraphIo(graph: Pick<Graph, 'inputs' | 'outputs'>): void {
  for (const [kind, list] of [['input', graph.inputs], ['output', graph.outputs]] as const) {
    const seen = new Map<string, number>();
    for (const { name, tensor } of list) {
      const other = seen.get(name);
      if (other !== undefined) {
        throw new GraphError('graph', `two graph ${kind}s are named "${name}" (tensors ${other} and ${tensor}): give each ${kind} its own name, since run() ${kind === 'input' ? 'takes inputs' : 'returns outputs'} by name`);
      }
      seen.set(name, tensor);
    }
  }
}
