/**
 * Our graph IR executed with TensorFlow.js ops (channels-last, as TF.js
 * wants), so TF.js's WebGPU backend can run the same network with the same
 * weights as a peer. BatchNorm after a conv is folded into it and a
 * following ReLU/ReLU6/sigmoid fused (tf.fused.*), as TF.js converters do —
 * a fair comparison, not a naive one. The `tf` namespace is passed in, so
 * this module works with whatever copy of tfjs-core the page or CLI loaded.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { UnsupportedConfigurationError } from '../errors.js';
import type { Graph, GraphNode, WeightMap } from '../graph/ir.js';

type Tf = typeof TF;
type FusedActivation = 'relu' | 'relu6' | 'sigmoid' | 'linear';

export interface TfjsModel {
  /** NCHW (or [N, F]) inputs by name → outputs by name, NCHW, read back to the CPU. */
  run(inputs: Readonly<Record<string, Float32Array>>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

interface ConvPlan {
  kind: 'conv' | 'depthwise' | 'grouped';
  filter: TF.Tensor4D | TF.Tensor4D[];
  bias?: TF.Tensor1D;
  activation: FusedActivation;
  /** The IR nodes this conv absorbed (BN, activation): skipped when met. */
  absorbed: Set<number>;
  output: number;
}

/** OIHW (per group slice) → HWIO. */
function toHwio(w: Float32Array, o: number, i: number, kh: number, kw: number, oBegin = 0, oCount = o): Float32Array {
  const out = new Float32Array(kh * kw * i * oCount);
  for (let oo = 0; oo < oCount; oo++)
    for (let ii = 0; ii < i; ii++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + ii) * oCount + oo] = w[(((oBegin + oo) * i + ii) * kh + y) * kw + x]!;
  return out;
}

/** Every consumer of each tensor, to know when a conv's output feeds only the next BN/activation. */
function consumers(graph: Graph): Map<number, GraphNode[]> {
  const by = new Map<number, GraphNode[]>();
  for (const n of graph.nodes) for (const t of n.inputs) by.set(t, [...(by.get(t) ?? []), n]);
  return by;
}

/** Plans each conv once: folded BN, fused activation, weights in TF.js's layout. */
function planConvs(tf: Tf, graph: Graph, weights: WeightMap): Map<number, ConvPlan> {
  const plans = new Map<number, ConvPlan>();
  const readers = consumers(graph);
  const outputs = new Set(graph.outputs.map((o) => o.tensor));
  const only = (t: number) => (outputs.has(t) ? undefined : readers.get(t)?.length === 1 ? readers.get(t)![0] : undefined);
  for (const n of graph.nodes) {
    if (n.op !== 'conv2d') continue;
    const a = n.attrs;
    const inC = graph.tensors[n.inputs[0]!]!.shape[1]!;
    const o = a.outChannels;
    const perGroup = inC / a.groups;
    const w = Float32Array.from(weights.get(n.weight)!);
    const b = n.bias ? Float32Array.from(weights.get(n.bias)!) : new Float32Array(o);
    const absorbed = new Set<number>();
    let out = n.output;
    let next = only(out);
    if (next?.op === 'batchnorm') {
      const [g, beta, mean, v] = [next.weight, next.bias, next.mean, next.variance].map((p) => weights.get(p)!);
      const k = w.length / o;
      for (let c = 0; c < o; c++) {
        const scale = g![c]! / Math.sqrt(v![c]! + next.epsilon);
        for (let j = 0; j < k; j++) w[c * k + j]! *= scale;
        b[c] = (b[c]! - mean![c]!) * scale + beta![c]!;
      }
      absorbed.add(next.id);
      out = next.output;
      next = only(out);
    }
    let activation: FusedActivation = 'linear';
    if (next?.op === 'activation' && (next.activation === 'relu' || next.activation === 'relu6' || next.activation === 'sigmoid')) {
      activation = next.activation;
      absorbed.add(next.id);
      out = next.output;
    }
    const [kh, kw] = [a.kernelHeight, a.kernelWidth];
    let plan: ConvPlan;
    if (a.groups === 1) {
      plan = { kind: 'conv', filter: tf.tensor4d(toHwio(w, o, inC, kh, kw), [kh, kw, inC, o]), activation, absorbed, output: out };
    } else if (perGroup === 1) {
      // depthwise with multiplier m: filter [kh, kw, C, m], output channel c·m + j
      const m = o / inC;
      const f = new Float32Array(kh * kw * inC * m);
      for (let c = 0; c < inC; c++) for (let j = 0; j < m; j++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) f[((y * kw + x) * inC + c) * m + j] = w[((c * m + j) * kh + y) * kw + x]!;
      plan = { kind: 'depthwise', filter: tf.tensor4d(f, [kh, kw, inC, m]), activation, absorbed, output: out };
    } else {
      const og = o / a.groups;
      const filters = Array.from({ length: a.groups }, (_, g) => tf.tensor4d(toHwio(w, o, perGroup, kh, kw, g * og, og), [kh, kw, perGroup, og]));
      plan = { kind: 'grouped', filter: filters, activation, absorbed, output: out };
    }
    plan.bias = tf.tensor1d(b);
    plans.set(n.id, plan);
  }
  return plans;
}

/**
 * Prepares a graph for TF.js: weights uploaded once, ops chosen once.
 *
 * @example
 * const model = tfjsModel(tf, graph, weights);
 * const outputs = await model.run({ image });
 */
export function tfjsModel(tf: Tf, graph: Graph, weights: WeightMap): TfjsModel {
  const convs = planConvs(tf, graph, weights);
  const params = new Map<string, TF.Tensor>();
  const param = (name: string, shape?: number[]) => {
    let t = params.get(name);
    // created lazily inside run()'s tf.tidy: tf.keep, or the tidy would dispose it after the first run
    if (!t) params.set(name, (t = tf.keep(tf.tensor(weights.get(name)!, shape))));
    return t;
  };
  const absorbed = new Set([...convs.values()].flatMap((p) => [...p.absorbed]));
  const shapeOf = (t: number) => graph.tensors[t]!.shape;

  function forward(inputs: Readonly<Record<string, Float32Array>>): TF.Tensor[] {
    const values = new Map<number, TF.Tensor>();
    for (const i of graph.inputs) {
      const shape = [...shapeOf(i.tensor)];
      const x = tf.tensor(inputs[i.name]!, shape);
      values.set(i.tensor, shape.length === 4 ? tf.transpose(x, [0, 2, 3, 1]) : x);
    }
    const get = (t: number) => values.get(t)!;
    for (const n of graph.nodes) {
      if (absorbed.has(n.id)) continue;
      const x = get(n.inputs[0]!);
      const inShape = shapeOf(n.inputs[0]!);
      const outShape = shapeOf(n.output);
      let y: TF.Tensor;
      let target = n.output;
      switch (n.op) {
        case 'conv2d': {
          const p = convs.get(n.id)!;
          const a = n.attrs;
          const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [a.padTop, a.padBottom], [a.padLeft, a.padRight], [0, 0]];
          const strides: [number, number] = [a.strideH, a.strideW];
          const dilations: [number, number] = [a.dilationH, a.dilationW];
          const x4 = x as TF.Tensor4D;
          if (p.kind === 'conv') {
            y = tf.fused.conv2d({ x: x4, filter: p.filter as TF.Tensor4D, strides, pad: explicit, dilations, bias: p.bias, activation: p.activation });
          } else if (p.kind === 'depthwise') {
            const symmetric = a.padTop === a.padBottom && a.padLeft === a.padRight && a.padTop === a.padLeft;
            const input = symmetric ? x4 : tf.pad(x4, explicit);
            y = tf.fused.depthwiseConv2d({ x: input, filter: p.filter as TF.Tensor4D, strides, pad: symmetric ? a.padTop : 0, dilations, bias: p.bias, activation: p.activation });
          } else {
            const parts = tf.split(x4, a.groups, 3).map((xg, g) =>
              tf.conv2d(xg as TF.Tensor4D, (p.filter as TF.Tensor4D[])[g]!, strides, explicit, 'NHWC', dilations),
            );
            y = tf.concat(parts, 3);
            y = tf.add(y, p.bias!);
            if (p.activation !== 'linear') y = p.activation === 'relu' ? tf.relu(y) : p.activation === 'relu6' ? tf.relu6(y) : tf.sigmoid(y);
          }
          target = p.output;
          break;
        }
        case 'batchnorm':
          y = tf.batchNorm(x, param(n.mean), param(n.variance), param(n.bias), param(n.weight), n.epsilon);
          break;
        case 'activation':
          y = activation(tf, n, x);
          break;
        case 'maxpool':
        case 'avgpool': {
          const a = n.attrs;
          if (a.dilationH !== 1 || a.dilationW !== 1) throw new UnsupportedConfigurationError(`${n.name}: dilated pooling is not expressed for TF.js`);
          // pads (and ceil mode's extra bottom/right rows) made explicit, so TF.js pools 'valid'
          const bottom = (outShape[2]! - 1) * a.strideH + a.kernelHeight - inShape[2]! - a.padTop;
          const right = (outShape[3]! - 1) * a.strideW + a.kernelWidth - inShape[3]! - a.padLeft;
          const pads: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [a.padTop, Math.max(0, bottom)], [a.padLeft, Math.max(0, right)], [0, 0]];
          const padded = pads.some(([p, q]) => p || q);
          const input = padded ? tf.pad(x as TF.Tensor4D, pads, n.op === 'maxpool' ? -3.4e38 : 0) : (x as TF.Tensor4D);
          const window: [number, number] = [a.kernelHeight, a.kernelWidth];
          const strides: [number, number] = [a.strideH, a.strideW];
          if (n.op === 'maxpool') y = tf.maxPool(input, window, strides, 'valid');
          else if (!padded) y = tf.avgPool(input, window, strides, 'valid');
          else {
            // TF.js's 'valid' average divides by the whole window: divide again by the share of the window
            // that counts (the input, plus the declared pads under count_include_pad — never ceil mode's
            // extra rows), pooled from a one-channel mask the same way
            const [h, w] = [inShape[2]!, inShape[3]!];
            const declared: typeof pads = [[0, 0], [a.padTop, Math.min(a.padBottom, pads[1][1])], [a.padLeft, Math.min(a.padRight, pads[2][1])], [0, 0]];
            const ones = tf.ones([1, h, w, 1]) as TF.Tensor4D;
            const counted = a.countIncludePad ? tf.pad(ones, declared, 1) : tf.pad(ones, declared, 0);
            const extra: typeof pads = [[0, 0], [0, pads[1][1] - declared[1][1]], [0, pads[2][1] - declared[2][1]], [0, 0]];
            const mask = tf.pad(counted, extra, 0);
            y = tf.div(tf.avgPool(input, window, strides, 'valid'), tf.avgPool(mask, window, strides, 'valid'));
          }
          break;
        }
        case 'globalavgpool':
          y = tf.mean(x, [1, 2], true);
          break;
        case 'globalmaxpool':
          y = tf.max(x, [1, 2], true);
          break;
        case 'adaptiveavgpool': {
          const [h, w] = [inShape[2]!, inShape[3]!];
          if (n.outHeight === 1 && n.outWidth === 1) y = tf.mean(x, [1, 2], true);
          else if (h % n.outHeight === 0 && w % n.outWidth === 0) y = tf.avgPool(x as TF.Tensor4D, [h / n.outHeight, w / n.outWidth], [h / n.outHeight, w / n.outWidth], 'valid');
          else throw new UnsupportedConfigurationError(`${n.name}: uneven adaptive pooling is not expressed for TF.js`);
          break;
        }
        case 'linear':
          y = tf.fused.matMul({ a: x as TF.Tensor2D, b: param(n.weight, [n.outFeatures, n.inFeatures]) as TF.Tensor2D, transposeB: true, bias: n.bias ? param(n.bias) : undefined });
          break;
        case 'add':
          y = tf.add(x, get(n.inputs[1]!));
          break;
        case 'mul':
          y = tf.mul(x, get(n.inputs[1]!));
          break;
        case 'concat':
          y = tf.concat(n.inputs.map(get), inShape.length === 4 ? 3 : 1);
          break;
        case 'flatten':
          // PyTorch flattens in (C, H, W) order: back to NCHW first unless H·W = 1
          y = inShape.length === 4 && inShape[2]! * inShape[3]! > 1 ? tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [...outShape]) : tf.reshape(x, [...outShape]);
          break;
        case 'softmax':
          y = tf.softmax(x);
          break;
        case 'lrn':
          if (n.size % 2 === 0) throw new UnsupportedConfigurationError(`${n.name}: TF.js's LRN window is symmetric: odd sizes only, got ${n.size}`);
          y = tf.localResponseNormalization(x as TF.Tensor4D, (n.size - 1) / 2, n.k, n.alpha / n.size, n.beta);
          break;
        case 'dropout':
        case 'identity':
          y = x;
          break;
        case 'sub':
        case 'div':
        case 'prelu':
        case 'constant':
        case 'pad':
        case 'transpose':
        case 'reshape':
        case 'slice':
        case 'matmul':
        case 'reducemean':
        case 'reduce':
        case 'expand':
        case 'tile':
        case 'gather':
        case 'batchmatmul':
        case 'instancenorm':
        case 'depthtospace':
        case 'spacetodepth':
        case 'convtranspose2d':
        case 'resize':
        case 'min':
        case 'max':
        case 'pow':
        case 'conv3d':
        case 'maxpool3d':
        case 'avgpool3d':
        case 'convtranspose3d':
        case 'argmax':
        case 'argmin':
        case 'topk':
          throw new UnsupportedConfigurationError(`${n.name}: op "${n.op}" is not expressed for TF.js`);
        default: {
          // every IR op is listed above: a new one fails to compile here until the yardstick says how TF.js runs it
          const unlisted: never = n;
          throw new UnsupportedConfigurationError(`op "${(unlisted as { op: string }).op}" is not expressed for TF.js`);
        }
      }
      values.set(target, y);
    }
    return graph.outputs.map((o) => {
      const t = get(o.tensor);
      return t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : tf.clone(t);
    });
  }

  return {
    async run(inputs) {
      const outs = tf.tidy(() => forward(inputs));
      try {
        const data = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
        return Object.fromEntries(graph.outputs.map((o, i) => [o.name, data[i]!]));
      } finally {
        outs.forEach((t) => t.dispose());
      }
    },
    dispose() {
      for (const p of convs.values()) {
        (Array.isArray(p.filter) ? p.filter : [p.filter]).forEach((t) => t.dispose());
        p.bias?.dispose();
      }
      params.forEach((t) => t.dispose());
    },
  };
}

function activation(tf: Tf, n: GraphNode & { op: 'activation' }, x: TF.Tensor): TF.Tensor {
  switch (n.activation) {
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'hardswish':
      return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case 'leaky_relu':
      return tf.leakyRelu(x, n.params?.alpha ?? 0.01);
    case 'hardsigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, n.params?.alpha ?? 0.2), n.params?.beta ?? 0.5), 0, 1);
    case 'clip':
      return tf.clipByValue(x, n.params?.min ?? -3.4e38, n.params?.max ?? 3.4e38);
    default:
      throw new UnsupportedConfigurationError(`${n.name}: activation "${n.activation}" is not expressed for TF.js`);
  }
}
