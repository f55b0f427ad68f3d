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
import type { Activation } from '../kernels/epilogue.js';
import type { LrnConvention } from '../kernels/lrn.js';
import { poolOutputSize } from '../kernels/pool2d.js';
import type { Conv2dAttrs, Graph, GraphNode, ParameterInfo, PoolAttrs, Shape, TensorInfo } from './ir.js';

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
    this.claim(name);
    const t = this.tensor(shape, -1);
    this.inputs.push({ name, tensor: t.id });
    return t;
  }

  /** Marks a tensor as a graph output. */
  output(t: Tensor, name = `output${this.outputs.length || ''}`): void {
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

  activation(x: Tensor, activation: Exclude<Activation, 'none'>, name?: string): Tensor {
    return this.node({ op: 'activation', name: this.nodeName(name, activation), activation }, [x], x.shape);
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

  /** Elementwise a + b; b may broadcast as [N, C, 1, 1] or [1, C, 1, 1]. */
  add(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('add', a, b, name);
  }

  /** Elementwise a · b; b may broadcast as [N, C, 1, 1] (squeeze-and-excitation). */
  mul(a: Tensor, b: Tensor, name?: string): Tensor {
    return this.binary('mul', a, b, name);
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

  private binary(op: 'add' | 'mul', a: Tensor, b: Tensor, name?: string): Tensor {
    const n = this.nodeName(name, op);
    if (a.shape.length !== b.shape.length) throw new GraphError(n, `shape mismatch: [${a.shape.join(', ')}] ${op} [${b.shape.join(', ')}]`);
    const ok = a.shape.every((d, i) => b.shape[i] === d || b.shape[i] === 1);
    if (!ok) throw new GraphError(n, `shape mismatch: [${a.shape.join(', ')}] ${op} [${b.shape.join(', ')}] (the second operand may only broadcast dimensions of size 1)`);
    return this.node({ op, name: n }, [a, b], a.shape);
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
    const id = this.nodes.length;
    const out = this.tensor(shape, id);
    this.nodes.push({ ...partial, id, inputs: inputs.map((t) => t.id), output: out.id } as unknown as GraphNode);
    return out;
  }
}
