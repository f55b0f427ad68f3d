/**
 * Random CNN graphs, weights and inputs for comparing the GPU executor with
 * the float64 interpreter (test/reference/graph.ts): chains of layers,
 * ResNet and MobileNetV2 residual blocks, Inception-like branches joined by
 * concat, squeeze-and-excitation, and a mix of them, on small odd shapes.
 * Every choice comes from the seeded Rng, so a failing seed reproduces, and
 * each graph stays under MAX_GRAPH_MACS so SwiftShader runs it quickly.
 */
import { GraphBuilder, type Tensor } from '../../src/graph/builder.js';
import { elementCount, type Graph } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import { convOutputSize } from '../../src/kernels/conv2d_shape.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import type { Rng } from './random.js';

export type GraphKind = 'chain' | 'residual' | 'branches' | 'se' | 'mixed';
export const GRAPH_KINDS: readonly GraphKind[] = ['chain', 'residual', 'branches', 'se', 'mixed'];

/** Multiply-accumulates of conv and linear layers, as summary() counts them. */
export const MAX_GRAPH_MACS = 3_000_000;
/** What the layer-by-layer choices aim for; the rest is slack for layers whose width is forced. */
const TARGET_MACS = 2_400_000;

type Act = Exclude<Activation, 'none'>;
const ACTIVATIONS: readonly Act[] = ['relu', 'relu6', 'sigmoid', 'silu', 'hardswish', 'tanh'];
/** Odd, even and prime sizes. */
const SIZES = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
const WIDTHS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 40, 48];
const INPUT_CHANNELS = [1, 2, 3, 3, 4, 5, 8, 16, 32, 48];
const MAX_WIDTH = 48;

/**
 * A random graph of the given kind, built with GraphBuilder.
 * @example const g = randomGraph(new Rng(7), 'residual'); runGraphRef(g, randomWeights(g, rng), randomInputs(g, rng))
 */
export function randomGraph(rng: Rng, kind: GraphKind): Graph {
  for (let attempt = 0; attempt < 200; attempt++) {
    const graph = new Generator(rng).build(kind);
    if (summary(graph).totalMacs <= MAX_GRAPH_MACS) return graph;
  }
  throw new Error(`randomGraph(${kind}, seed ${rng.seed}): no graph under ${MAX_GRAPH_MACS} MACs in 200 attempts`);
}

/**
 * Parameters for every declared name: conv and linear weights uniform with
 * standard deviation 1/sqrt(fan_in) (biases within ±1/sqrt(fan_in), as
 * PyTorch initializes them), so activations stay O(1) through deep graphs;
 * BatchNorm γ in [0.5, 1.5], β and running_mean in [−0.5, 0.5], running_var
 * in [0.5, 1.5].
 */
export function randomWeights(graph: Graph, rng: Rng): Map<string, Float32Array> {
  const ranges = new Map<string, [number, number]>();
  const symmetric = (name: string, bound: number): void => void ranges.set(name, [-bound, bound]);
  for (const node of graph.nodes) {
    if (node.op === 'conv2d' || node.op === 'linear') {
      const fanIn =
        node.op === 'linear'
          ? node.inFeatures
          : (graph.tensors[node.inputs[0]!]!.shape[1]! / node.attrs.groups) * node.attrs.kernelHeight * node.attrs.kernelWidth;
      symmetric(node.weight, Math.sqrt(3 / fanIn));
      if (node.bias) symmetric(node.bias, 1 / Math.sqrt(fanIn));
    } else if (node.op === 'batchnorm') {
      ranges.set(node.weight, [0.5, 1.5]);
      ranges.set(node.bias, [-0.5, 0.5]);
      ranges.set(node.mean, [-0.5, 0.5]);
      ranges.set(node.variance, [0.5, 1.5]);
    }
  }
  const weights = new Map<string, Float32Array>();
  for (const [name, info] of graph.parameters) {
    const [lo, hi] = ranges.get(name) ?? [-1, 1];
    weights.set(name, rng.array(elementCount(info.shape), lo, hi));
  }
  return weights;
}

/** Every graph input uniform in [−1, 1), NCHW. */
export function randomInputs(graph: Graph, rng: Rng): Map<string, Float32Array> {
  return new Map(graph.inputs.map(({ name, tensor }) => [name, rng.array(elementCount(graph.tensors[tensor]!.shape))]));
}

/**
 * Throws when a reference output could not tell a right answer from a wrong
 * one: not finite anywhere, or constant (all zeros included: a graph whose
 * last ReLU is dead everywhere passes for any executor that also gives zeros).
 * @example assertInformativeReference(runGraphRef(g, w, inputs), `residual seed 102`)
 */
export function assertInformativeReference(outputs: ReadonlyMap<string, ArrayLike<number>>, where: string): void {
  for (const [name, values] of outputs) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) throw new Error(`${where}: reference output "${name}" is not finite at ${i} (${v}), so it checks nothing`);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (values.length === 0 || min === max) throw new Error(`${where}: reference output "${name}" is constant (${values.length ? min : 'empty'}), so it checks nothing`);
  }
}

interface ConvChoice {
  out?: number;
  kernel?: number;
  stride?: number;
  /** 'same' keeps ceil(n / stride) (asymmetric for an odd total), 'valid' pads nothing; default random. */
  pad?: 'same' | 'valid' | 'random';
  groups?: 'dense' | 'depthwise' | 'any';
  bias?: boolean;
  /** Share of the MACs still available that this layer may use when picking its width. */
  share?: number;
}

interface Axis {
  kernel: number;
  stride: number;
  dilation: number;
  before: number;
  after: number;
  out: number;
}

const dims = (t: Tensor): [number, number, number, number] => t.shape as unknown as [number, number, number, number];

/** One attempt at a graph: the builder, the MACs spent so far, the choices. */
class Generator {
  private readonly g = new GraphBuilder();
  private spent = 0;
  /** A feature map kept aside for an optional second output. */
  private features: Tensor | undefined;

  constructor(private readonly rng: Rng) {}

  build(kind: GraphKind): Graph {
    const r = this.rng;
    const size = r.pick(SIZES);
    let x = this.g.input('image', [r.int(1, 3), r.pick(INPUT_CHANNELS), size, r.bool(0.5) ? size : r.pick(SIZES)]);
    switch (kind) {
      case 'chain': {
        x = this.convBnAct(x, { groups: 'any', share: 0.3 });
        for (let i = r.int(1, 5); i > 0; i--) x = this.chainLayer(x);
        break;
      }
      case 'residual': {
        x = this.stem(x);
        x = r.bool(0.5) ? this.basicBlock(x) : this.invertedResidual(x, true);
        for (let i = r.int(0, 2); i > 0; i--) x = r.bool(0.5) ? this.basicBlock(x) : this.invertedResidual(x, false);
        break;
      }
      case 'branches': {
        x = this.stem(x);
        for (let i = r.int(1, 2); i > 0; i--) x = this.inception(x);
        break;
      }
      case 'se': {
        x = this.stem(x);
        for (let i = r.int(1, 3); i > 0; i--) x = r.bool(0.6) ? this.mbConv(x) : this.convSe(x);
        break;
      }
      case 'mixed': {
        if (r.bool(0.7)) x = this.stem(x);
        const blocks = [
          () => this.chainLayer(x),
          () => this.basicBlock(x),
          () => this.invertedResidual(x, false),
          () => this.inception(x),
          () => this.mbConv(x),
          () => this.convSe(x),
          () => this.lrn(x),
          () => this.pool(x),
        ];
        for (let i = r.int(2, 4); i > 0; i--) x = r.pick(blocks)();
        break;
      }
    }
    this.head(x);
    return this.g.build();
  }

  private cap(share: number): number {
    return Math.max(0, TARGET_MACS - this.spent) * share;
  }

  private activation(): Act {
    return this.rng.pick(ACTIVATIONS);
  }

  private act(x: Tensor, a: Act = this.activation()): Tensor {
    return this.g.activation(x, a);
  }

  private bn(x: Tensor): Tensor {
    return this.g.batchNorm(x, this.rng.bool(0.25) ? { epsilon: 1e-3 } : {});
  }

  /** Kernel, stride, dilation and pads of one spatial axis of length n. */
  private axis(n: number, kernel: number, stride: number, pad: 'same' | 'valid' | 'random'): Axis {
    const r = this.rng;
    const dilation = kernel > 1 && pad !== 'valid' && r.bool(0.2) ? 2 : 1;
    const span = dilation * (kernel - 1);
    let before: number;
    let after: number;
    if (pad === 'valid') {
      before = 0;
      after = 0;
    } else if (pad === 'same' || r.bool(0.4)) {
      // TensorFlow's SAME: the odd pad goes after
      before = Math.floor(span / 2);
      after = span - before;
    } else {
      before = r.int(0, Math.min(span, 2));
      after = r.int(0, Math.min(span, 2));
      if (span + 1 > n + before + after) {
        before = Math.floor(span / 2);
        after = span - before;
      }
    }
    return { kernel, stride, dilation, before, after, out: convOutputSize(n, kernel, stride, before, after, dilation) };
  }

  /** A conv with random geometry, grouping and width (within the MACs budget); o fixes any of them. */
  private conv(x: Tensor, o: ConvChoice = {}): Tensor {
    const r = this.rng;
    const [n, c, h, w] = dims(x);
    const kernelH = o.kernel ?? r.pick([1, 1, 2, 3, 3, 3, 4, 5, 5]);
    const kernelW = o.kernel ?? (r.bool(0.15) ? r.pick([1, 3, 5]) : kernelH);
    const strideH = o.stride ?? (r.bool(0.3) ? 2 : 1);
    const strideW = o.stride ?? (r.bool(0.1) ? 3 - strideH : strideH);
    const ah = this.axis(h, kernelH, strideH, o.pad ?? 'random');
    const aw = this.axis(w, kernelW, strideW, o.pad ?? 'random');
    const positions = n * ah.out * aw.out;

    const mode = o.groups ?? 'dense';
    let groups = 1;
    let out: number;
    const groupDivisors = [2, 3, 4, 6, 8].filter((d) => d < c && c % d === 0);
    const pickMode = mode === 'any' ? r.pick(['dense', 'dense', 'dense', 'depthwise', 'grouped'] as const) : mode;
    if (pickMode === 'depthwise' && (o.out === undefined || o.out % c === 0)) {
      groups = c;
      out = o.out ?? c * (r.bool(0.8) || 2 * c > MAX_WIDTH ? 1 : 2);
    } else {
      if (pickMode === 'grouped') {
        const fits = groupDivisors.filter((d) => o.out === undefined || o.out % d === 0);
        if (fits.length) groups = r.pick(fits);
      }
      const perChannel = positions * (c / groups) * kernelH * kernelW;
      const widths = WIDTHS.filter((v) => v % groups === 0);
      const affordable = widths.filter((v) => v * perChannel <= this.cap(o.share ?? 0.25));
      out = o.out ?? (affordable.length ? r.pick(affordable) : widths[0]!);
    }
    this.spent += positions * out * (c / groups) * kernelH * kernelW;
    return this.g.conv2d(x, {
      outChannels: out,
      kernel: [kernelH, kernelW],
      stride: [strideH, strideW],
      dilation: [ah.dilation, aw.dilation],
      pad: [ah.before, aw.before, ah.after, aw.after],
      groups,
      bias: o.bias ?? r.bool(0.5),
    });
  }

  /** conv → BatchNorm → activation, bias mostly off as torchvision builds them. */
  private convBnAct(x: Tensor, o: ConvChoice = {}, a: Act = this.activation()): Tensor {
    return this.act(this.bn(this.conv(x, { bias: this.rng.bool(0.2), ...o })), a);
  }

  /**
   * A width v for a block that costs about positions·v²·perWidthSquared MACs;
   * `keep` (the input's width, for an identity shortcut) half the time when affordable.
   */
  private blockWidth(positions: number, perWidthSquared: number, share: number, keep?: number): number {
    if (keep !== undefined && this.rng.bool(0.5) && positions * keep * keep * perWidthSquared <= this.cap(share)) return keep;
    const affordable = WIDTHS.filter((v) => positions * v * v * perWidthSquared <= this.cap(share));
    return affordable.length ? this.rng.pick(affordable) : 1;
  }

  private stem(x: Tensor): Tensor {
    const [, , h, w] = dims(x);
    const stride = Math.min(h, w) >= 9 && this.rng.bool(0.5) ? 2 : 1;
    return this.convBnAct(x, { stride, pad: this.rng.bool(0.7) ? 'same' : 'random', groups: 'dense', share: 0.3 });
  }

  /** One layer of a plain chain: conv, depthwise-separable pair, pool, LRN, BN, activation, dropout or identity. */
  private chainLayer(x: Tensor): Tensor {
    const r = this.rng;
    switch (r.int(0, 8)) {
      case 0:
        return this.convBnAct(x, { groups: 'any' });
      case 1: {
        const y = this.conv(x, { groups: 'any', bias: r.bool(0.7) });
        return r.bool(0.7) ? this.act(y) : y;
      }
      case 2: {
        const d = this.convBnAct(x, { groups: 'depthwise', kernel: r.pick([3, 5]), stride: r.bool(0.3) ? 2 : 1, pad: 'same' });
        return this.convBnAct(d, { kernel: 1, stride: 1, groups: 'dense' });
      }
      case 3:
        return this.pool(x);
      case 4:
        return this.lrn(x);
      case 5:
        return this.act(x);
      case 6:
        return this.bn(x);
      case 7:
        return this.g.dropout(x);
      default:
        return this.g.identity(x);
    }
  }

  /** Max or average pooling with random window, stride, pads (each ≤ half the window), ceil mode and divisor. */
  private pool(x: Tensor): Tensor {
    const r = this.rng;
    const [, , h, w] = dims(x);
    const kernelH = r.pick([1, 2, 2, 3, 3]);
    const kernelW = r.bool(0.15) ? r.pick([1, 2, 3]) : kernelH;
    const side = (k: number, n: number): [number, number] => {
      const before = r.int(0, Math.floor(k / 2));
      const after = r.int(0, Math.floor(k / 2));
      return k <= n + before + after ? [before, after] : [Math.floor(k / 2), Math.floor(k / 2)];
    };
    const [top, bottom] = side(kernelH, h);
    const [left, right] = side(kernelW, w);
    const stride = r.pick([1, 2, 2, Math.max(kernelH, kernelW)]);
    const o = { kernel: [kernelH, kernelW] as const, stride, pad: [top, left, bottom, right] as const, ceilMode: r.bool(0.5) };
    const y = r.bool(0.5) ? this.g.maxPool(x, o) : this.g.avgPool(x, { ...o, countIncludePad: r.bool(0.5) });
    if (!this.features && r.bool(0.3)) this.features = y;
    return y;
  }

  private lrn(x: Tensor): Tensor {
    const r = this.rng;
    return this.g.lrn(x, {
      size: r.int(1, 5),
      alpha: r.pick([1e-4, 1e-3, 0.01, 0.1, 0.5]),
      beta: r.pick([0.5, 0.75, 1]),
      k: r.pick([1, 2, 0.5]),
      convention: r.bool(0.5) ? 'pytorch' : 'onnx',
    });
  }

  /** ResNet's basic block: conv-bn-relu-conv-bn, plus the input (through a 1×1 conv-bn when the shape changes), then relu. */
  private basicBlock(x: Tensor): Tensor {
    const r = this.rng;
    const [n, c, h, w] = dims(x);
    const stride = Math.min(h, w) >= 3 && r.bool(0.35) ? 2 : 1;
    const kernel = r.pick([3, 3, 3, 2, 5]);
    const positions = n * Math.ceil(h / stride) * Math.ceil(w / stride);
    const width = this.blockWidth(positions, 2 * kernel * kernel, 0.5, stride === 1 ? c : undefined);
    let y = this.convBnAct(x, { out: width, kernel, stride, pad: 'same', groups: 'dense', bias: false }, 'relu');
    y = this.bn(this.conv(y, { out: width, kernel, stride: 1, pad: 'same', groups: 'dense', bias: false }));
    const shortcut = stride !== 1 || width !== c ? this.bn(this.conv(x, { out: width, kernel: 1, stride, pad: 'same', groups: 'dense', bias: false })) : x;
    const sum = r.bool(0.5) ? this.g.add(y, shortcut) : this.g.add(shortcut, y);
    return this.g.relu(sum);
  }

  /**
   * MobileNetV2's inverted residual: 1×1 expansion, depthwise 3×3 (or 5×5),
   * linear 1×1 projection; the input is added when the shape is unchanged
   * (forced when `residual`).
   */
  private invertedResidual(x: Tensor, residual: boolean): Tensor {
    const r = this.rng;
    const [, c, h, w] = dims(x);
    const stride = residual || Math.min(h, w) < 3 || r.bool(0.6) ? 1 : 2;
    const expansions = [1, 2, 3, 4, 6].filter((t) => t === 1 || c * t <= MAX_WIDTH);
    const hidden = c * r.pick(expansions);
    let y = x;
    if (hidden !== c) y = this.convBnAct(y, { out: hidden, kernel: 1, stride: 1, groups: 'dense', bias: false }, 'relu6');
    y = this.convBnAct(y, { groups: 'depthwise', out: hidden, kernel: r.pick([3, 3, 5]), stride, pad: 'same', bias: false }, 'relu6');
    const keep = residual || (stride === 1 && r.bool(0.5));
    y = this.bn(this.conv(y, { out: keep ? c : undefined, kernel: 1, stride: 1, groups: 'dense', bias: false, share: 0.3 }));
    return y.shape.join() === x.shape.join() ? this.g.add(x, y) : y;
  }

  /**
   * Inception-like module: two or more of 1×1, 1×1→3×3, 1×1→5×5 and
   * pool→1×1 branches (or the input itself), shuffled, joined by concat; or
   * a grid-reduction module (stride-2 3×3 branches and a stride-2 max pool).
   */
  private inception(x: Tensor): Tensor {
    const r = this.rng;
    const [, , h, w] = dims(x);
    const width = (positions: number, perChannel: number): number => {
      const ok = WIDTHS.filter((v) => v <= 24 && positions * perChannel * v <= this.cap(0.12));
      return ok.length ? r.pick(ok) : 1;
    };
    const unit = (t: Tensor, kernel: number, stride = 1, pad: 'same' | 'valid' = 'same'): Tensor => {
      const [tn, tc, th, tw] = dims(t);
      const positions = tn * Math.ceil(th / stride) * Math.ceil(tw / stride);
      return this.convBnAct(t, { out: width(positions, tc * kernel * kernel), kernel, stride, pad, groups: 'dense' }, 'relu');
    };
    let branches: (() => Tensor)[];
    if (Math.min(h, w) >= 3 && r.bool(0.25)) {
      // every branch gives floor((n − 3) / 2) + 1: valid 3×3 windows at stride 2
      branches = [
        () => unit(unit(x, 1), 3, 2, 'valid'),
        () => unit(unit(unit(x, 1), 3), 3, 2, 'valid'),
        () => (r.bool(0.7) ? this.g.maxPool(x, { kernel: 3, stride: 2 }) : this.g.avgPool(x, { kernel: 3, stride: 2, countIncludePad: r.bool(0.5) })),
      ];
    } else {
      const pooled = (): Tensor => {
        const o = { kernel: 3, stride: 1, pad: 1, ceilMode: r.bool(0.5) };
        return r.bool(0.5) ? this.g.maxPool(x, o) : this.g.avgPool(x, { ...o, countIncludePad: r.bool(0.5) });
      };
      branches = [
        () => unit(x, 1),
        () => unit(unit(x, 1), 3),
        () => unit(unit(x, 1), 5),
        () => (r.bool(0.8) ? unit(pooled(), 1) : pooled()),
      ];
      if (r.bool(0.15)) branches.push(() => x);
    }
    const chosen = shuffle(r, branches).slice(0, r.int(2, branches.length));
    const y = this.g.concat(chosen.map((b) => b()));
    if (!this.features && r.bool(0.3)) this.features = y;
    return y;
  }

  /** Squeeze-and-excitation: globalavgpool → 1×1 conv → relu/silu → 1×1 conv → sigmoid, multiplied back as [N, C, 1, 1]. */
  private se(x: Tensor): Tensor {
    const r = this.rng;
    const c = dims(x)[1];
    const squeezed = Math.max(1, Math.round(c / r.pick([2, 4, 8])));
    let s = this.g.globalAvgPool(x);
    s = this.act(this.conv(s, { out: squeezed, kernel: 1, stride: 1, groups: 'dense', bias: true }), r.bool(0.5) ? 'relu' : 'silu');
    s = this.act(this.conv(s, { out: c, kernel: 1, stride: 1, groups: 'dense', bias: true }), 'sigmoid');
    return this.g.mul(x, s);
  }

  /** EfficientNet's MBConv: expansion, depthwise, SE, linear projection, input added when the shape is unchanged. */
  private mbConv(x: Tensor): Tensor {
    const r = this.rng;
    const [, c, h, w] = dims(x);
    const stride = Math.min(h, w) >= 5 && r.bool(0.3) ? 2 : 1;
    const hidden = c * r.pick([1, 2, 4, 6].filter((t) => t === 1 || c * t <= MAX_WIDTH));
    let y = x;
    if (hidden !== c) y = this.convBnAct(y, { out: hidden, kernel: 1, stride: 1, groups: 'dense', bias: false }, 'silu');
    y = this.convBnAct(y, { groups: 'depthwise', out: hidden, kernel: r.pick([3, 5]), stride, pad: 'same', bias: false }, 'silu');
    y = this.se(y);
    const keep = stride === 1 && r.bool(0.5);
    y = this.bn(this.conv(y, { out: keep ? c : undefined, kernel: 1, stride: 1, groups: 'dense', bias: false, share: 0.3 }));
    return y.shape.join() === x.shape.join() ? this.g.add(x, y) : y;
  }

  /** conv-bn-act then SE, with the input added back when the shape allows (SE-ResNet style). */
  private convSe(x: Tensor): Tensor {
    const [, c] = dims(x);
    const y = this.se(this.convBnAct(x, { pad: 'same', stride: 1, groups: 'any', share: 0.3 }));
    return this.rng.bool(0.5) && dims(y)[1] === c ? this.g.add(x, y) : y;
  }

  /** globalavgpool or flatten → (hidden linear) → linear → sometimes softmax; sometimes a second output. */
  private head(x: Tensor): void {
    const r = this.rng;
    const [, c, h, w] = dims(x);
    let f = r.bool(0.5) || c * h * w > 2048 ? this.g.flatten(this.g.globalAvgPool(x)) : this.g.flatten(x);
    if (r.bool(0.2)) f = this.g.dropout(f);
    if (r.bool(0.25)) {
      f = this.act(this.g.linear(f, { outFeatures: r.pick([4, 8, 16, 32]), bias: r.bool(0.8) }));
      if (r.bool(0.5)) f = r.bool(0.5) ? this.g.dropout(f) : this.g.identity(f);
    }
    const logits = this.g.linear(f, { outFeatures: r.pick([2, 3, 5, 10, 16]), bias: r.bool(0.8) });
    const softmax = r.bool(0.4);
    this.g.output(softmax ? this.g.softmax(logits) : logits, softmax ? 'probs' : 'logits');
    if (r.bool(0.2)) {
      const second = r.pick(['features', 'logits', 'aux'] as const);
      if (second === 'features' && this.features) this.g.output(this.features, 'features');
      else if (second === 'logits' && softmax) this.g.output(logits, 'logits');
      else this.g.output(this.g.linear(f, { outFeatures: r.int(2, 6) }), 'aux');
    }
  }
}

function shuffle<T>(rng: Rng, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
