/**
 * The typed graph builder: each call checks its input, infers the output
 * shape, declares the parameters it needs (named `${name}.weight` etc., as a
 * PyTorch module would), and returns the new tensor.
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
import { convOutputSize } from '../kernels/conv2d_shape.js';
import type { Activation, ActivationParams } from '../kernels/epilogue.js';
import type { LrnConvention } from '../kernels/lrn.js';
import { poolOutputSize } from '../kernels/pool2d.js';
import { checkGraphIo, elementCount, type Conv2dAttrs, type Graph, type GraphNode, type ParameterInfo, type PoolAttrs, type Shape, type TensorInfo } from './ir.js';

/** A tensor handle returned by the builder. */
export interface Tensor {
  readonly id: number;
  readonly shape: Shape;
}

type Pair = number | readonly [number, number];
/** A number for all four sides, [vertical, horizontal], or [top, left, bottom, right] as ONNX orders them. */
type Padding = number | readonly [number, number] | readonly [number, number, number, number];

export interface Conv2dOptions {
  name?: string;
  outChannels: number;
  kernel: Pair;
  stride?: Pair;
  pad?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Default true; false for convs followed by BatchNorm, as torchvision builds them. */
  bias?: boolean;
}

export interface PoolOptions {
  name?: string;
  kernel: Pair;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  pad?: Padding;
  ceilMode?: boolean;
  /** Average pooling: PyTorch's default true. */
  countIncludePad?: boolean;
}

export interface LinearOptions {
  name?: string;
  outFeatures: number;
  bias?: boolean;
}

export interface LrnOptions {
  name?: string;
  size: number;
  alpha?: number;
  beta?: number;
  k?: number;
  convention?: LrnConvention;
}

/** The parametric activations' numbers (see ActivationParams for defaults) and the node's name. */
export interface ActivationOptions extends ActivationParams {
  name?: string;
}

export interface PadOptions {
  name?: string;
  /** [top, left, bottom, right], ONNX's order for the H and W axes; non-negative. */
  pads: readonly [number, number, number, number];
  /** Default 0. */
  value?: number;
}

export interface SliceOptions {
  name?: string;
  /** The logical axis (1 = channels of [N, C, H, W]). */
  axis: number;
  start: number;
  /** Exclusive; clamped to the axis length. */
  end: number;
  /** Default 1. */
  step?: number;
}

export interface ReduceMeanOptions {
  name?: string;
  /** Only [2, 3] (H and W) is supported. */
  axes: readonly number[];
  /** Default true, as in ONNX. */
  keepdims?: boolean;
}

type BinaryOpName = 'add' | 'sub' | 'mul' | 'div';

const show = (shape: Shape): string => `[${shape.join(', ')}]`;

const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

function padding(p: Padding | undefined): { padTop: number; padLeft: number; padBottom: number; padRight: number } {
  if (p === undefined) return { padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
  if (typeof p === 'number') return { padTop: p, padLeft: p, padBottom: p, padRight: p };
  if (p.length === 2) return { padTop: p[0], padLeft: p[1], padBottom: p[0], padRight: p[1] };
  return { padTop: p[0], padLeft: p[1], padBottom: p[2], padRight: p[3] };
}

export class GraphBuilder {
  private readonly tensors: TensorInfo[] = [];
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: { name: string; tensor: number }[] = [];
  private readonly outputs: { name: string; tensor: number }[] = [];
  private readonly parameters = new Map<string, ParameterInfo>();
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();

  /** A graph input with its logical shape (NCHW for images). */
  input(name: string, shape: Shape): Tensor {
    if (!shape.length || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(name, `input shape [${shape.join(', ')}] must be positive integers`);
    if (shape.length !== 4 && shape.length !== 2) throw new GraphError(name, `inputs are [N, C, H, W] or [N, F], got [${shape.join(', ')}]`);
    if (this.inputs.some((i) => i.name === name)) throw new GraphError('graph', `two graph inputs are named "${name}": give each input its own name, since run() takes inputs by name`);
    this.claim(name);
    const t = this.tensor(shape, -1);
    this.inputs.push({ name, tensor: t.id });
    return t;
  }

  /** Marks a tensor as a graph output. */
  output(t: Tensor, name = `output${this.outputs.length || ''}`): void {
    if (t.shape.length !== 4 && t.shape.length !== 2) throw new GraphError(name, `graph outputs must be [N, C, H, W] or [N, F], got ${show(t.shape)}`);
    checkGraphIo({ inputs: [], outputs: [...this.outputs, { name, tensor: t.id }] });
    this.outputs.push({ name, tensor: t.id });
  }

  conv2d(x: Tensor, o: Conv2dOptions): Tensor {
    const name = this.nodeName(o.name, 'conv');
    const [n, c, h, w] = this.image(x, name);
    const [kernelHeight, kernelWidth] = pair(o.kernel);
    const [strideH, strideW] = pair(o.stride ?? 1);
    const [dilationH, dilationW] = pair(o.dilation ?? 1);
    const groups = o.groups ?? 1;
    const attrs: Conv2dAttrs = { outChannels: o.outChannels, kernelHeight, kernelWidth, strideH, strideW, dilationH, dilationW, groups, ...padding(o.pad) };
    for (const [k, v] of Object.entries(attrs)) {
      const min = k.startsWith('pad') ? 0 : 1;
      if (!Number.isInteger(v) || v < min) throw new GraphError(name, `${k} must be an integer ≥ ${min}, got ${v}`);
    }
    if (c % groups || o.outChannels % groups) throw new GraphError(name, `${groups} groups must divide ${c} input and ${o.outChannels} output channels`);
    const oh = convOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, dilationH);
    const ow = convOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, dilationW);
    if (oh < 1 || ow < 1) throw new GraphError(name, `a ${kernelHeight}×${kernelWidth} kernel does not fit the ${h}×${w} input with this padding`);
    const weight = this.param(`${name}.weight`, [o.outChannels, c / groups, kernelHeight, kernelWidth], true);
    const bias = o.bias === false ? undefined : this.param(`${name}.bias`, [o.outChannels], true);
    return this.node({ op: 'conv2d', name, attrs, weight, bias }, [x], [n, o.outChannels, oh, ow]);
  }

  /** BatchNorm2d in inference mode (running statistics), named like torch.nn.BatchNorm2d. */
  batchNorm(x: Tensor, o: { name?: string; epsilon?: number } = {}): Tensor {
    const name = this.nodeName(o.name, 'bn');
    const [, c] = this.image(x, name);
    return this.node(
      {
        op: 'batchnorm',
        name,
        weight: this.param(`${name}.weight`, [c], true),
        bias: this.param(`${name}.bias`, [c], true),
        mean: this.param(`${name}.running_mean`, [c], false),
        variance: this.param(`${name}.running_var`, [c], false),
        epsilon: o.epsilon ?? 1e-5,
      },
      [x],
      x.shape,
    );
  }

  /**
   * An activation; leaky_relu, hardsigmoid and clip take their numbers in the options.
   * @example g.activation(x, 'clip', { min: 0, max: 6 })   // ±Infinity for an absent bound
   */
  activation(x: Tensor, activation: Exclude<Activation, 'none'>, options?: string | ActivationOptions): Tensor {
    const o = typeof options === 'string' ? { name: options } : (options ?? {});
    const name = this.nodeName(o.name, activation);
    const params = this.activationParams(name, activation, o);
    return this.node({ op: 'activation', name, activation, ...(params ? { params } : {}) }, [x], x.shape);
  }

  /**
   * PReLU: x ≥ 0 ? x : slope[c]·x with one learnable slope per channel,
   * declared as `${name}.weight` of shape [C] (axis 1 of [N, C, H, W] or [N, C]).
   */
  prelu(x: Tensor, o: { name?: string } = {}): Tensor {
    const name = this.nodeName(o.name, 'prelu');
    this.runtime(x, name);
    const weight = this.param(`${name}.weight`, [x.shape[1]!], true);
    return this.node({ op: 'prelu', name, weight }, [x], x.shape);
  }

  relu(x: Tensor, name?: string): Tensor {
    return this.activation(x, 'relu', name);
  }

  maxPool(x: Tensor, o: PoolOptions): Tensor {
    return this.pool('maxpool', x, o);
  }

  avgPool(x: Tensor, o: PoolOptions): Tensor {
    return this.pool('avgpool', x, o);
  }

  /** [N, C, H, W] → [N, C, 1, 1]. */
  globalAvgPool(x: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, 'globalavgpool');
    const [b, c] = this.image(x, n);
    return this.node({ op: 'globalavgpool', name: n }, [x], [b, c, 1, 1]);
  }

  /** PyTorch's AdaptiveAvgPool2d: [N, C, H, W] → [N, C, outHeight, outWidth]. */
  adaptiveAvgPool(x: Tensor, size: Pair, name?: string): Tensor {
    const n = this.nodeName(name, 'adaptiveavgpool');
    const [b, c] = this.image(x, n);
    const [outHeight, outWidth] = pair(size);
    if (![outHeight, outWidth].every((v) => Number.isInteger(v) && v >= 1)) throw new GraphError(n, `output size must be positive integers, got ${outHeight}×${outWidth}`);
    return this.node({ op: 'adaptiveavgpool', name: n, outHeight, outWidth }, [x], [b, c, outHeight, outWidth]);
  }

  /** [N, C, H, W] → [N, C·H·W] in PyTorch's (C, H, W) order. */
  flatten(x: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, 'flatten');
    if (x.shape.length === 2) return this.node({ op: 'flatten', name: n }, [x], x.shape);
    const [b, c, h, w] = this.image(x, n);
    return this.node({ op: 'flatten', name: n }, [x], [b, c * h * w]);
  }

  linear(x: Tensor, o: LinearOptions): Tensor {
    const name = this.nodeName(o.name, 'fc');
    if (x.shape.length !== 2) throw new GraphError(name, `linear takes [N, F], got [${x.shape.join(', ')}]: flatten first`);
    const [n, inFeatures] = x.shape as [number, number];
    if (!Number.isInteger(o.outFeatures) || o.outFeatures < 1) throw new GraphError(name, `outFeatures must be a positive integer, got ${o.outFeatures}`);
    const weight = this.param(`${name}.weight`, [o.outFeatures, inFeatures], true);
    const bias = o.bias === false ? undefined : this.param(`${name}.bias`, [o.outFeatures], true);
    return this.node({ op: 'linear', name, inFeatures, outFeatures: o.outFeatures, weight, bias }, [x], [n, o.outFeatures]);
  }

  /** Elementwise a + b with numpy broadcasting (e.g. b [N, C, 1, 1], [1, C, 1, 1], [1], [1, F]). */
  add(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('add', a, b, name);
  }

  /** Elementwise a − b with numpy broadcasting. */
  sub(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('sub', a, b, name);
  }

  /** Elementwise a · b with numpy broadcasting (squeeze-and-excitation: b [N, C, 1, 1]). */
  mul(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('mul', a, b, name);
  }

  /** Elementwise a / b with numpy broadcasting. */
  div(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('div', a, b, name);
  }

  /**
   * A tensor whose data is the non-learnable parameter `name` (an ONNX
   * initializer such as a normalisation mean). Rank 2 or 4 is usable anywhere;
   * rank 1 and 3 only as broadcast operands of add/sub/mul/div.
   * @example g.div(g.sub(x, g.constant('mean', [1, 3, 1, 1])), g.constant('std', [1, 3, 1, 1]))
   */
  constant(name: string, shape: Shape): Tensor {
    const node = this.nodeName(undefined, 'constant');
    if (shape.length < 1 || shape.length > 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new GraphError(node, `constant "${name}" must have 1 to 4 positive integer dimensions, got ${show(shape)}`);
    }
    const param = this.param(name, shape, false);
    return this.node({ op: 'constant', name: node, param }, [], shape);
  }

  /** Constant padding of H and W of [N, C, H, W]; a zero pad before a conv is folded into the conv. */
  pad(x: Tensor, o: PadOptions): Tensor {
    const name = this.nodeName(o.name, 'pad');
    const [n, c, h, w] = this.image(x, name);
    if (o.pads.length !== 4 || o.pads.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new GraphError(name, `pads must be four non-negative integers [top, left, bottom, right], got [${o.pads.join(', ')}]`);
    }
    const value = o.value ?? 0;
    if (!Number.isFinite(value)) throw new GraphError(name, `the pad value must be finite, got ${value}`);
    const [top, left, bottom, right] = o.pads;
    return this.node({ op: 'pad', name, pads: [top, left, bottom, right], value }, [x], [n, c, h + top + bottom, w + left + right]);
  }

  /** Permutes the logical axes: output axis i is input axis perm[i] (rank 4 or 2). */
  transpose(x: Tensor, perm: readonly number[], name?: string): Tensor {
    const n = this.nodeName(name, 'transpose');
    this.runtime(x, n);
    if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
      throw new GraphError(n, `perm [${perm.join(', ')}] is not a permutation of the ${x.shape.length} axes of ${show(x.shape)}`);
    }
    return this.node({ op: 'transpose', name: n, perm: [...perm] }, [x], perm.map((p) => x.shape[p]!));
  }

  /** Row-major (NCHW) reshape between rank 2 and 4; -1 and 0 must already be resolved. */
  reshape(x: Tensor, shape: Shape, name?: string): Tensor {
    const n = this.nodeName(name, 'reshape');
    this.runtime(x, n);
    if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(n, `the new shape ${show(shape)} must be positive integers (resolve -1 and 0 first)`);
    if (elementCount(shape) !== elementCount(x.shape)) throw new GraphError(n, `cannot reshape ${show(x.shape)} (${elementCount(x.shape)} values) to ${show(shape)} (${elementCount(shape)})`);
    return this.node({ op: 'reshape', name: n }, [x], shape);
  }

  /** Keeps indices start, start + step, … below end of one axis (rank 4 or 2). */
  slice(x: Tensor, o: SliceOptions): Tensor {
    const name = this.nodeName(o.name, 'slice');
    this.runtime(x, name);
    const step = o.step ?? 1;
    const { axis, start } = o;
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) throw new GraphError(name, `axis ${axis} is not an axis of ${show(x.shape)}`);
    const length = x.shape[axis]!;
    const end = Math.min(o.end, length);
    if (!Number.isInteger(step) || step < 1) throw new GraphError(name, `step must be a positive integer, got ${step}`);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start >= end) {
      throw new GraphError(name, `slice ${start}:${o.end} of axis ${axis} (length ${length}) is empty or not resolved to non-negative integers`);
    }
    const shape = [...x.shape];
    shape[axis] = Math.ceil((end - start) / step);
    return this.node({ op: 'slice', name, axis, start, end, step }, [x], shape);
  }

  /** [M, K] × [K, N] of two runtime tensors (a constant B belongs in linear()). */
  matmul(a: Tensor, b: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, 'matmul');
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new GraphError(n, `matmul takes [M, K] and [K, N], got ${show(a.shape)} and ${show(b.shape)}`);
    if (a.shape[1] !== b.shape[0]) throw new GraphError(n, `shape mismatch: ${show(a.shape)} × ${show(b.shape)} (inner dimensions differ)`);
    return this.node({ op: 'matmul', name: n }, [a, b], [a.shape[0]!, b.shape[1]!]);
  }

  /** Mean over H and W: a global average pool ([N, C, 1, 1] with keepdims, else [N, C]). */
  reduceMean(x: Tensor, o: ReduceMeanOptions): Tensor {
    const name = this.nodeName(o.name, 'reducemean');
    const [n, c] = this.image(x, name);
    if ([...o.axes].sort().join() !== '2,3') {
      throw new GraphError(name, `reduceMean over axes [${o.axes.join(', ')}] is not supported: only axes [2, 3] (H and W of [N, C, H, W], a global average pool)`);
    }
    const keepdims = o.keepdims ?? true;
    return this.node({ op: 'reducemean', name, keepdims }, [x], keepdims ? [n, c, 1, 1] : [n, c]);
  }

  /** Concatenates along channels (axis 1). */
  concat(xs: readonly Tensor[], name?: string): Tensor {
    const n = this.nodeName(name, 'concat');
    if (xs.length < 1) throw new GraphError(n, 'concat needs at least one input');
    const first = this.image(xs[0]!, n);
    let channels = 0;
    for (const x of xs) {
      const [b, c, h, w] = this.image(x, n);
      if (b !== first[0] || h !== first[2] || w !== first[3]) {
        throw new GraphError(n, `shape mismatch: cannot concat [${x.shape.join(', ')}] with [${xs[0]!.shape.join(', ')}] along channels (N, H, W must agree)`);
      }
      channels += c;
    }
    return this.node({ op: 'concat', name: n }, xs, [first[0], channels, first[2], first[3]]);
  }

  /** Softmax over the last axis of [N, F]. */
  softmax(x: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, 'softmax');
    if (x.shape.length !== 2) throw new GraphError(n, `softmax takes [N, F], got [${x.shape.join(', ')}]`);
    return this.node({ op: 'softmax', name: n }, [x], x.shape);
  }

  lrn(x: Tensor, o: LrnOptions): Tensor {
    const name = this.nodeName(o.name, 'lrn');
    this.image(x, name);
    if (!Number.isInteger(o.size) || o.size < 1) throw new GraphError(name, `size must be a positive integer, got ${o.size}`);
    return this.node(
      { op: 'lrn', name, size: o.size, alpha: o.alpha ?? 1e-4, beta: o.beta ?? 0.75, k: o.k ?? 1, convention: o.convention ?? 'pytorch' },
      [x],
      x.shape,
    );
  }

  /** Identity at inference; removed by the passes. */
  dropout(x: Tensor, name?: string): Tensor {
    return this.node({ op: 'dropout', name: this.nodeName(name, 'dropout') }, [x], x.shape);
  }

  identity(x: Tensor, name?: string): Tensor {
    return this.node({ op: 'identity', name: this.nodeName(name, 'identity') }, [x], x.shape);
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

  private pool(op: 'maxpool' | 'avgpool', x: Tensor, o: PoolOptions): Tensor {
    const name = this.nodeName(o.name, op);
    const [n, c, h, w] = this.image(x, name);
    const [kernelHeight, kernelWidth] = pair(o.kernel);
    const [strideH, strideW] = pair(o.stride ?? o.kernel);
    const attrs: PoolAttrs = { kernelHeight, kernelWidth, strideH, strideW, ...padding(o.pad), ceilMode: o.ceilMode ?? false, countIncludePad: o.countIncludePad ?? true };
    for (const k of ['kernelHeight', 'kernelWidth', 'strideH', 'strideW'] as const) {
      if (!Number.isInteger(attrs[k]) || attrs[k] < 1) throw new GraphError(name, `${k} must be a positive integer, got ${attrs[k]}`);
    }
    const oh = poolOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, 1, attrs.ceilMode);
    const ow = poolOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, 1, attrs.ceilMode);
    if (oh < 1 || ow < 1) throw new GraphError(name, `a ${kernelHeight}×${kernelWidth} window does not fit the ${h}×${w} input`);
    return this.node({ op, name, attrs }, [x], [n, c, oh, ow]);
  }

  private binary(op: BinaryOpName, a: Tensor, b: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, op);
    const shape = broadcastShapes(a.shape, b.shape);
    if (!shape) throw new GraphError(n, `shape mismatch: ${show(a.shape)} ${op} ${show(b.shape)} do not broadcast (numpy rules: aligned from the right, each dimension equal or 1)`);
    return this.node({ op, name: n }, [a, b], shape);
  }

  private activationParams(name: string, activation: Activation, o: ActivationParams): ActivationParams | undefined {
    const number = (key: keyof ActivationParams, value: number | undefined, finite: boolean): void => {
      if (value === undefined) return;
      if (typeof value !== 'number' || Number.isNaN(value) || (finite && !Number.isFinite(value))) throw new GraphError(name, `${key} must be a ${finite ? 'finite ' : ''}number, got ${value}`);
    };
    switch (activation) {
      case 'leaky_relu':
        number('alpha', o.alpha, true);
        return { alpha: o.alpha ?? 0.01 };
      case 'hardsigmoid':
        number('alpha', o.alpha, true);
        number('beta', o.beta, true);
        return { alpha: o.alpha ?? 0.2, beta: o.beta ?? 0.5 };
      case 'clip': {
        number('min', o.min, false);
        number('max', o.max, false);
        const [min, max] = [o.min ?? -Infinity, o.max ?? Infinity];
        if (min > max) throw new GraphError(name, `clip min ${min} is above max ${max}`);
        return { min, max };
      }
      default:
        return undefined;
    }
  }

  /** Runtime tensors are [N, C, H, W] or [N, F]. */
  private runtime(x: Tensor, node: string): void {
    if (x.shape.length !== 4 && x.shape.length !== 2) throw new GraphError(node, `expects an [N, C, H, W] or [N, F] tensor, got ${show(x.shape)}`);
  }

  private image(x: Tensor, node: string): [number, number, number, number] {
    if (x.shape.length !== 4) throw new GraphError(node, `expects an [N, C, H, W] tensor, got [${x.shape.join(', ')}]`);
    return x.shape as unknown as [number, number, number, number];
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

  private tensor(shape: Shape, producer: number): Tensor {
    const t: TensorInfo = { id: this.tensors.length, shape: [...shape], producer };
    this.tensors.push(t);
    return t;
  }

  private node<N extends Omit<GraphNode, 'id' | 'inputs' | 'output'>>(partial: N, inputs: readonly Tensor[], shape: Shape): Tensor {
    for (const t of inputs) {
      if (this.tensors[t.id] !== t && this.tensors[t.id]?.shape.join() !== t.shape.join()) throw new GraphError(partial.name, 'input tensor comes from another builder');
    }
    if (partial.op !== 'constant' && shape.length !== 4 && shape.length !== 2) {
      throw new GraphError(partial.name, `would produce a rank-${shape.length} tensor ${show(shape)}: runtime tensors must be [N, C, H, W] or [N, F] (rank 1 and 3 constants only work as broadcast operands of add/sub/mul/div)`);
    }
    const id = this.nodes.length;
    const out = this.tensor(shape, id);
    this.nodes.push({ ...partial, id, inputs: inputs.map((t) => t.id), output: out.id } as unknown as GraphNode);
    return out;
  }
}

/**
 * numpy broadcasting of two logical shapes: aligned from the right, each
 * dimension equal or 1; undefined when they do not broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}
