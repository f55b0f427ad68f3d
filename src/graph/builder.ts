/**
 * The typed graph builder. Each method is one operator's build function
 * (src/ops/): it checks its input, infers the output shape, declares the
 * parameters it needs (named `${name}.weight` etc., as a PyTorch module
 * would), and returns the new tensor. Operators without a method here are
 * reached with `apply`.
 *
 * @example
 * const g = new GraphBuilder();
 * let x = g.input('image', [1, 1, 28, 28]);
 * x = g.conv2d(x, { name: 'conv1', outChannels: 6, kernel: 5, pad: 2 });
 * x = g.activation(x, 'relu');
 * x = g.maxPool(x, { kernel: 2, stride: 2 });
 * x = g.linear(g.flatten(x), { name: 'fc', outFeatures: 10 });
 * g.output(x);
 * const graph = g.build();
 */
import { GraphError } from '../errors.js';
import { activation, type ActivationOptions } from '../ops/activation.js';
import { argReduce, type ArgReduceOptions } from '../ops/arg_reduce.js';
import { topK, type TopKOptions } from '../ops/top_k.js';
import { batchNorm, type BatchNormOptions } from '../ops/batchnorm.js';
import { binary, prelu } from '../ops/binary.js';
import { MAX_RANK, type Pair } from '../ops/checks.js';
import { concat, concatAxis } from '../ops/concat.js';
import { constantParam } from '../ops/constant.js';
import { conv2d, type Conv2dOptions } from '../ops/conv2d.js';
import { conv3d, type Conv3dOptions } from '../ops/conv3d.js';
import { convTranspose3d, type ConvTranspose3dOptions } from '../ops/conv_transpose3d.js';
import { depthToSpace, spaceToDepth, type DepthToSpaceMode } from '../ops/depth_space.js';
import { convTranspose2d, type ConvTranspose2dOptions } from '../ops/conv_transpose.js';
import { adaptiveAvgPool, globalAvgPool, reduceMean, type ReduceMeanOptions } from '../ops/global_pool.js';
import { dropout, identity } from '../ops/identity.js';
import { instanceNorm, type InstanceNormOptions } from '../ops/instance_norm.js';
import { linear, matmul, type LinearOptions } from '../ops/linear.js';
import { lrn, type LrnOptions } from '../ops/lrn.js';
import { minMaxPow } from '../ops/min_max_pow.js';
import type { BuildContext, IrNode } from '../ops/op.js';
import { INT64_PASSTHROUGH_OPS, outputDtype, type ElementType } from '../ops/dtype.js';
import { pad, type PadOptions } from '../ops/pad.js';
import { globalMaxPool } from '../ops/global_max_pool.js';
import { avgPool, maxPool, type PoolOptions } from '../ops/pool.js';
import { avgPool3d, maxPool3d, type Pool3dOptions } from '../ops/pool3d.js';
import { flatten, reshape } from '../ops/reshape.js';
import { reduce, type ReduceOp, type ReduceOptions } from '../ops/reduce.js';
import { slice, sliceWindows, type SliceOptions, type SliceWindow } from '../ops/slice.js';
import { resize, type ResizeOptions } from '../ops/resize.js';
import { softmax } from '../ops/softmax.js';
import { transpose } from '../ops/transpose.js';
import type { Tensor } from '../ops/types.js';
import type { Activation } from '../vocabulary.js';
import { checkGraphIo, type Graph, type GraphNode, type ParameterInfo, type Shape, type TensorInfo } from './ir.js';

export type { Tensor } from '../ops/types.js';
export type { Conv2dOptions, LinearOptions, LrnOptions, PoolOptions, PadOptions, SliceOptions, ReduceMeanOptions, ActivationOptions, BatchNormOptions };
export type { ConvTranspose2dOptions };
export type { ArgReduceOptions, TopKOptions };

const show = (shape: Shape): string => `[${shape.join(', ')}]`;

export class GraphBuilder {
  private readonly tensors: TensorInfo[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: { name: string; tensor: number }[] = [];
  private readonly outputs: { name: string; tensor: number }[] = [];
  private readonly parameters = new Map<string, ParameterInfo>();
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  /** What the operators' build functions (src/ops/) use to add to this graph; importers pass it to them. */
  readonly context: BuildContext = {
    nodeName: (given, op) => this.nodeName(given, op),
    param: (name, shape, learnable) => this.param(name, shape, learnable),
    node: (fields, inputs, shape, dtype) => this.node(fields, inputs, shape, dtype),
  };

  /**
   * A builder that continues an existing graph: its inputs, nodes, tensors and
   * parameters (not its outputs, which the caller declares anew), with their
   * names taken, so new layers can be appended where any tensor is.
   * @example
   * const g = GraphBuilder.from(backbone);
   * g.output(g.linear(g.outputOf('act4'), { name: 'head.0', outFeatures: 3 }), 'logits');
   * const extended = g.build();
   */
  static from(graph: Graph): GraphBuilder {
    const g = new GraphBuilder();
    g.tensors.push(...graph.tensors);
    g.nodes.push(...graph.nodes);
    g.inputs.push(...graph.inputs);
    for (const [name, info] of graph.parameters) g.parameters.set(name, info);
    for (const { name } of graph.inputs) g.claim(name);
    for (const node of graph.nodes) g.claim(node.name);
    return g;
  }

  /** The tensor a node writes, by the node's name (GraphError naming the known nodes' count if absent). */
  outputOf(nodeName: string): Tensor {
    const node = this.nodes.find((n) => n.name === nodeName);
    if (node) return this.tensors[node.output]!;
    const input = this.inputs.find((i) => i.name === nodeName);
    if (input) return this.tensors[input.tensor]!;
    throw new GraphError(nodeName, `no node or input of that name in this graph (${this.nodes.length} nodes)`);
  }

  /** A graph input with its logical shape (NCHW for images). */
  input(name: string, shape: Shape): Tensor {
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(name, `input shape [${shape.join(', ')}] must be positive integers`);
    if (shape.length > MAX_RANK) throw new GraphError(name, `inputs have rank 0 to ${MAX_RANK}, got [${shape.join(', ')}]`);
    if (this.inputs.some((i) => i.name === name)) throw new GraphError('graph', `two graph inputs are named "${name}": give each input its own name, since run() takes inputs by name`);
    this.claim(name);
    const t = this.tensor(shape, -1);
    this.inputs.push({ name, tensor: t.id });
    return t;
  }

  /** Marks a tensor as a graph output. */
  output(t: Tensor, name = `output${this.outputs.length || ''}`): void {
    checkGraphIo({ inputs: [], outputs: [...this.outputs, { name, tensor: t.id }] });
    this.outputs.push({ name, tensor: t.id });
  }

  /**
   * Any operator's build function (src/ops/) on this graph: the way to reach
   * an operator that has no method of its own.
   * @example g.apply(reshape, x, [1, 64, 7, 7])
   */
  apply<A extends unknown[]>(build: (b: BuildContext, ...args: A) => Tensor, ...args: A): Tensor {
    return build(this.context, ...args);
  }

  conv2d(x: Tensor, o: Conv2dOptions): Tensor {
    return conv2d(this.context, x, o);
  }

  /**
   * torch.nn.ConvTranspose2d: parameters `${name}.weight` [C_in, C_out/groups, kH, kW] and `${name}.bias`.
   * @example g.convTranspose2d(x, { name: 'up1', outChannels: 64, kernel: 2, stride: 2 })   // a U-Net's 2× upsampling
   */
  convTranspose2d(x: Tensor, o: ConvTranspose2dOptions): Tensor {
    return convTranspose2d(this.context, x, o);
  }

  /** BatchNorm2d in inference mode (running statistics), named like torch.nn.BatchNorm2d. */
  batchNorm(x: Tensor, o: BatchNormOptions = {}): Tensor {
    return batchNorm(this.context, x, o);
  }

  /**
   * An activation; leaky_relu, hardsigmoid and clip take their numbers in the options.
   * @example g.activation(x, 'clip', { min: 0, max: 6 })   // ±Infinity for an absent bound
   */
  activation(x: Tensor, kind: Exclude<Activation, 'none'>, options?: string | ActivationOptions): Tensor {
    return activation(this.context, x, kind, options);
  }

  /**
   * PReLU: x ≥ 0 ? x : slope[c]·x with one learnable slope per channel,
   * declared as `${name}.weight` of shape [C] (axis 1 of [N, C, H, W] or [N, C]).
   */
  prelu(x: Tensor, o: { name?: string } = {}): Tensor {
    return prelu(this.context, x, o);
  }

  relu(x: Tensor, name?: string): Tensor {
    return activation(this.context, x, 'relu', name);
  }

  maxPool(x: Tensor, o: PoolOptions): Tensor {
    return maxPool(this.context, x, o);
  }

  avgPool(x: Tensor, o: PoolOptions): Tensor {
    return avgPool(this.context, x, o);
  }

  /** torch.nn.Conv3d on [N, C, D, H, W]; see Conv3dOptions. */
  conv3d(x: Tensor, o: Conv3dOptions): Tensor {
    return conv3d(this.context, x, o);
  }

  /** torch.nn.ConvTranspose3d on [N, C, D, H, W]; see ConvTranspose3dOptions. */
  convTranspose3d(x: Tensor, o: ConvTranspose3dOptions): Tensor {
    return convTranspose3d(this.context, x, o);
  }

  /** torch.nn.MaxPool3d on [N, C, D, H, W]; see Pool3dOptions. */
  maxPool3d(x: Tensor, o: Pool3dOptions): Tensor {
    return maxPool3d(this.context, x, o);
  }

  /** torch.nn.AvgPool3d on [N, C, D, H, W]; see Pool3dOptions. */
  avgPool3d(x: Tensor, o: Pool3dOptions): Tensor {
    return avgPool3d(this.context, x, o);
  }

  /** [N, C, H, W] → [N, C, 1, 1]. */
  globalAvgPool(x: Tensor, name?: string): Tensor {
    return globalAvgPool(this.context, x, name);
  }

  /** [N, C, H, W] → [N, C, 1, 1]: each channel's maximum (PyTorch's AdaptiveMaxPool2d(1)). */
  globalMaxPool(x: Tensor, name?: string): Tensor {
    return globalMaxPool(this.context, x, name);
  }

  /** PyTorch's AdaptiveAvgPool2d: [N, C, H, W] → [N, C, outHeight, outWidth]. */
  adaptiveAvgPool(x: Tensor, size: Pair, name?: string): Tensor {
    return adaptiveAvgPool(this.context, x, size, name);
  }

  /** [N, C, H, W] → [N, C·H·W] in PyTorch's (C, H, W) order. */
  flatten(x: Tensor, name?: string): Tensor {
    return flatten(this.context, x, name);
  }

  linear(x: Tensor, o: LinearOptions): Tensor {
    return linear(this.context, x, o);
  }

  /** Elementwise a + b with numpy broadcasting (e.g. b [N, C, 1, 1], [1, C, 1, 1], [1], [1, F]). */
  add(a: Tensor, b: Tensor, name?: string): Tensor {
    return binary(this.context, 'add', a, b, name);
  }

  /** Elementwise a − b with numpy broadcasting. */
  sub(a: Tensor, b: Tensor, name?: string): Tensor {
    return binary(this.context, 'sub', a, b, name);
  }

  /** Elementwise a · b with numpy broadcasting (squeeze-and-excitation: b [N, C, 1, 1]). */
  mul(a: Tensor, b: Tensor, name?: string): Tensor {
    return binary(this.context, 'mul', a, b, name);
  }

  /** Elementwise a / b with numpy broadcasting. */
  div(a: Tensor, b: Tensor, name?: string): Tensor {
    return binary(this.context, 'div', a, b, name);
  }

  /** Elementwise min(a, b) with numpy broadcasting; NaN where either is NaN. */
  min(a: Tensor, b: Tensor, name?: string): Tensor {
    return minMaxPow(this.context, 'min', a, b, name);
  }

  /** Elementwise max(a, b) with numpy broadcasting; NaN where either is NaN. */
  max(a: Tensor, b: Tensor, name?: string): Tensor {
    return minMaxPow(this.context, 'max', a, b, name);
  }

  /**
   * Elementwise a^b with numpy broadcasting (ONNX Pow: a negative base takes
   * integer exponents, else NaN). For one constant exponent prefer
   * `g.activation(x, 'pow', { exponent })`, which fuses into the producer.
   * @example g.pow(x, g.constant('exponents', [1, 3, 1, 1]))
   */
  pow(a: Tensor, b: Tensor, name?: string): Tensor {
    return minMaxPow(this.context, 'pow', a, b, name);
  }

  /**
   * A tensor whose data is the non-learnable parameter `name` (an ONNX
   * initializer such as a normalisation mean). Rank 2 or 4 is usable anywhere;
   * rank 1 and 3 only as broadcast operands of add/sub/mul/div.
   * @example g.div(g.sub(x, g.constant('mean', [1, 3, 1, 1])), g.constant('std', [1, 3, 1, 1]))
   */
  constant(name: string, shape: Shape): Tensor {
    return constantParam(this.context, name, shape);
  }

  /**
   * Padding of H and W of [N, C, H, W]: constant (a zero pad before a conv is folded into the conv),
   * reflect (PyTorch's ReflectionPad2d) or edge (ReplicationPad2d); negative pads crop.
   * @example g.pad(x, { pads: [1, 2, 1, 2], mode: 'reflect' })
   */
  pad(x: Tensor, o: PadOptions): Tensor {
    return pad(this.context, x, o);
  }

  /** Permutes the logical axes: output axis i is input axis perm[i] (rank 4 or 2). */
  transpose(x: Tensor, perm: readonly number[], name?: string): Tensor {
    return transpose(this.context, x, perm, name);
  }

  /** Row-major (NCHW) reshape between rank 2 and 4; -1 and 0 must already be resolved. */
  reshape(x: Tensor, shape: Shape, name?: string): Tensor {
    return reshape(this.context, x, shape, name);
  }

  /** Keeps indices start, start + step, … below end of one axis (rank 4 or 2). */
  slice(x: Tensor, o: SliceOptions): Tensor {
    return slice(this.context, x, o);
  }

  /** Keeps a window of several axes at once (negative steps walk backwards). */
  sliceWindows(x: Tensor, windows: readonly SliceWindow[], name?: string): Tensor {
    return sliceWindows(this.context, x, windows, name);
  }

  /** Sum, mean, max, min, prod, L1, L2, log-sum, log-sum-exp or sum of squares over `axes` (default all). */
  reduce(x: Tensor, reduction: ReduceOp, o: ReduceOptions = {}): Tensor {
    return reduce(this.context, x, reduction, o);
  }

  /** [M, K] × [K, N] of two runtime tensors (a constant B belongs in linear()). */
  matmul(a: Tensor, b: Tensor, name?: string): Tensor {
    return matmul(this.context, a, b, name);
  }

  /** Mean over H and W: a global average pool ([N, C, 1, 1] with keepdims, else [N, C]). */
  reduceMean(x: Tensor, o: ReduceMeanOptions): Tensor {
    return reduceMean(this.context, x, o);
  }

  /** Concatenates along channels (axis 1). */
  concat(xs: readonly Tensor[], name?: string): Tensor {
    return concat(this.context, xs, name);
  }

  /** Concatenates tensors of any rank along `axis`. */
  concatAxis(xs: readonly Tensor[], axis: number, name?: string): Tensor {
    return concatAxis(this.context, xs, axis, name);
  }

  /** Softmax over the last axis of [N, F]. */
  softmax(x: Tensor, name?: string): Tensor {
    return softmax(this.context, x, name);
  }

  lrn(x: Tensor, o: LrnOptions): Tensor {
    return lrn(this.context, x, o);
  }

  /**
   * Instance normalization of [N, C, H, W] over each image's channel (torch.nn.InstanceNorm2d;
   * affine, false by default as in PyTorch, declares `<name>.weight` and `<name>.bias`).
   * @example g.instanceNorm(x, { name: 'in1', eps: 1e-5, affine: true })
   */
  instanceNorm(x: Tensor, o: InstanceNormOptions = {}): Tensor {
    return instanceNorm(this.context, x, o);
  }

  /**
   * [N, C, H, W] → [N, C/b², H·b, W·b]; 'CRD' is PyTorch's pixel_shuffle, 'DCR' (default) ONNX's default.
   * @example g.depthToSpace(x, 2, 'CRD')
   */
  depthToSpace(x: Tensor, block: number, mode: DepthToSpaceMode = 'DCR', name?: string): Tensor {
    return depthToSpace(this.context, x, block, mode, name);
  }

  /**
   * [N, C, H, W] → [N, C·b², H/b, W/b] (ONNX SpaceToDepth, the inverse of DepthToSpace DCR).
   * @example g.spaceToDepth(x, 2)
   */
  spaceToDepth(x: Tensor, block: number, name?: string): Tensor {
    return spaceToDepth(this.context, x, block, name);
  }

  /**
   * Resizes H and W of [N, C, H, W] to `size` or by `scale` (ONNX Resize;
   * PyTorch's F.interpolate maps onto it as ops/resize.ts lists).
   * @example g.resize(x, { scale: 2, mode: 'linear', coordinateTransform: 'align_corners' })   // F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=True)
   */
  resize(x: Tensor, o: ResizeOptions): Tensor {
    return resize(this.context, x, o);
  }

  /** Identity at inference; removed by the passes. */
  dropout(x: Tensor, name?: string): Tensor {
    return dropout(this.context, x, name);
  }

  identity(x: Tensor, name?: string): Tensor {
    return identity(this.context, x, name);
  }

  /**
   * ONNX ArgMax: the index of the largest element along `axis` (default 0), an int64 tensor (run results hold it as a BigInt64Array).
   * @example g.output(g.argMax(logits, { axis: 1, keepdims: false }), 'class')
   */
  argMax(x: Tensor, o: ArgReduceOptions = {}): Tensor {
    return argReduce(this.context, x, false, o);
  }

  /** ONNX ArgMin: the index of the smallest element along `axis` (default 0), an int64 tensor. */
  argMin(x: Tensor, o: ArgReduceOptions = {}): Tensor {
    return argReduce(this.context, x, true, o);
  }

  /**
   * ONNX TopK: the k largest (or smallest) along `axis` (default -1), in order, equal values by lower index; `indices` is int64.
   * @example const { values, indices } = g.topK(logits, { k: 5 })
   */
  topK(x: Tensor, o: TopKOptions): { values: Tensor; indices: Tensor } {
    return topK(this.context, x, o);
  }

  build(): Graph {
    if (!this.inputs.length) throw new GraphError('graph', 'has no input');
    if (!this.outputs.length) throw new GraphError('graph', 'has no output: call output(tensor)');
    checkGraphIo({ inputs: this.inputs, outputs: this.outputs });
    return {
      tensors: [...this.tensors],
      nodes: [...this.nodes],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      parameters: new Map(this.parameters),
    };
  }

  private param(name: string, shape: Shape, learnable: boolean): string {
    if (this.parameters.has(name)) throw new GraphError(name, 'parameter declared twice (two layers with one name?)');
    this.parameters.set(name, { name, shape, learnable });
    return name;
  }

  private nodeName(given: string | undefined, op: string): string {
    if (given !== undefined) return this.claim(given);
    for (;;) {
      const k = (this.counters.get(op) ?? 0) + 1;
      this.counters.set(op, k);
      const candidate = `${op}_${k}`;
      if (!this.names.has(candidate)) return this.claim(candidate);
    }
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphError(name, 'name used twice');
    this.names.add(name);
    return name;
  }

  private tensor(shape: Shape, producer: number, dtype?: ElementType): Tensor {
    const t: TensorInfo = { id: this.tensors.length, shape: [...shape], producer, ...(dtype ? { dtype } : {}) };
    this.tensors.push(t);
    return t;
  }

  private node<N extends IrNode>(fields: Omit<N, 'id' | 'inputs' | 'output'>, inputs: readonly Tensor[], shape: Shape, dtype?: ElementType): Tensor {
    for (const t of inputs) {
      if (this.tensors[t.id] !== t && this.tensors[t.id]?.shape.join() !== t.shape.join()) throw new GraphError(fields.name, 'input tensor comes from another builder');
    }
    const inputDtypes = inputs.map((t) => this.tensors[t.id]!.dtype);
    if (inputDtypes.includes('int64') && !INT64_PASSTHROUGH_OPS.has(fields.op)) {
      throw new GraphError(fields.name, `${fields.op} reads an int64 tensor (an ArgMax/ArgMin or TopK index); integer tensors may only be graph outputs, reshaped on the way`);
    }
    if (shape.length > MAX_RANK || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new GraphError(fields.name, `would produce a tensor ${show(shape)}: runtime tensors have rank 0 to ${MAX_RANK} and positive integer dimensions`);
    }
    const id = this.nodes.length;
    const out = this.tensor(shape, id, outputDtype(fields.op, inputDtypes, dtype));
    this.nodes.push({ ...fields, id, inputs: inputs.map((t) => t.id), output: out.id } as unknown as GraphNode);
    return out;
  }
}
