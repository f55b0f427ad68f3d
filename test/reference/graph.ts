/**
 * A float64 CPU interpreter of the graph IR: every node evaluated in order,
 * in PyTorch's logical layout (NCHW images, [N, F] features), from the
 * per-op references beside it. It knows nothing of the executor: no BN
 * folding, no fused epilogues, no NHWC, no concat aliasing — so the GPU
 * executor can be compared against it.
 */
import { elementCount, type Graph, type GraphNode, type Shape, type WeightMap } from '../../src/graph/ir.js';
import { argReduceRef, topKRef } from './arg_top_k.js';
import { conv2dRef } from './conv2d.js';
import { conv3dRef } from './conv3d.js';
import { convTranspose3dRef } from './conv_transpose3d.js';
import { pool3dRef } from './pool3d.js';
import { depthSpaceRef } from './depth_space.js';
import { convTransposeRef } from './conv_transpose.js';
import { activationRef } from './elementwise.js';
import { instanceNormRef } from './instance_norm.js';
import { lrnNchwRef } from './lrn.js';
import { padModeRef } from './pad_modes.js';
import { resizeRef } from './resize.js';
import { avgPool2dRef, globalAvgPoolRef, globalMaxPoolRef, maxPool2dRef, type PoolRefConfig } from './pool2d.js';
import { softmaxRef } from './softmax.js';
import { batchMatmulRef, broadcastBinaryRef, concatAxisRef, expandRef, gatherRef, matmulRef, tileRef, padRef, preluRef, reduceRef, sliceWindowsRef, transposeRef } from './tensor_ops.js';

type Dims4 = readonly [number, number, number, number];

const show = (shape: Shape): string => `[${shape.join(', ')}]`;

/**
 * Evaluates `graph` in float64 and returns each graph output by name.
 * `weights` holds parameters in PyTorch layouts (OIHW conv weights, [out][in]
 * linear weights); `inputs` holds each graph input in NCHW (or [N, F]).
 * @example runGraphRef(graph, randomWeights(graph, rng), randomInputs(graph, rng)).get('logits')
 */
export function runGraphRef(graph: Graph, weights: WeightMap, inputs: ReadonlyMap<string, ArrayLike<number>>): Map<string, Float64Array> {
  const values: (Float64Array | undefined)[] = new Array(graph.tensors.length);
  for (const { name, tensor } of graph.inputs) {
    const data = inputs.get(name);
    if (!data) throw new Error(`runGraphRef: no data for graph input "${name}"`);
    const shape = graph.tensors[tensor]!.shape;
    if (data.length !== elementCount(shape)) throw new Error(`runGraphRef: graph input "${name}" has shape ${show(shape)} (${elementCount(shape)} values) but ${data.length} were given`);
    values[tensor] = Float64Array.from(data);
  }
  for (const node of graph.nodes) {
    const args = node.inputs.map((id) => {
      const v = values[id];
      if (!v) throw new Error(`runGraphRef: node "${node.name}" reads tensor ${id} before anything wrote it`);
      return { data: v, shape: graph.tensors[id]!.shape };
    });
    const param = (name: string): Float32Array => weightOf(graph, weights, node, name);
    const outShape = graph.tensors[node.output]!.shape;
    const out = evaluate(node, args, outShape, param);
    if (out.length !== elementCount(outShape)) {
      throw new Error(`runGraphRef: node "${node.name}" (${node.op}) computed ${out.length} values but its output ${show(outShape)} holds ${elementCount(outShape)}`);
    }
    values[node.output] = out;
  }
  const result = new Map<string, Float64Array>();
  for (const { name, tensor } of graph.outputs) result.set(name, values[tensor]!);
  return result;
}

function weightOf(graph: Graph, weights: WeightMap, node: GraphNode, name: string): Float32Array {
  const w = weights.get(name);
  if (!w) throw new Error(`runGraphRef: node "${node.name}" (${node.op}) needs weight "${name}", which is missing from the weight map`);
  const declared = graph.parameters.get(name);
  if (declared && w.length !== elementCount(declared.shape)) {
    throw new Error(`runGraphRef: weight "${name}" of node "${node.name}" has ${w.length} values, its declared shape ${show(declared.shape)} needs ${elementCount(declared.shape)}`);
  }
  return w;
}

interface Value {
  data: Float64Array;
  shape: Shape;
}

function image(v: Value, node: GraphNode): Dims4 {
  if (v.shape.length !== 4) throw new Error(`runGraphRef: node "${node.name}" (${node.op}) expects [N, C, H, W], got ${show(v.shape)}`);
  return v.shape as unknown as Dims4;
}

function evaluate(node: GraphNode, args: readonly Value[], outShape: Shape, param: (name: string) => Float32Array): Float64Array {
  const x = args[0]!;
  switch (node.op) {
    case 'conv2d': {
      const [batch, inChannels, inHeight, inWidth] = image(x, node);
      const { y } = conv2dRef({ batch, inChannels, inHeight, inWidth, ...node.attrs }, x.data, param(node.weight), node.bias ? param(node.bias) : undefined);
      return y;
    }
    case 'convtranspose2d': {
      const [batch, inChannels, inHeight, inWidth] = image(x, node);
      return convTransposeRef({ batch, inChannels, inHeight, inWidth, ...node.attrs }, x.data, param(node.weight), node.bias ? param(node.bias) : undefined).y;
    }
    case 'batchnorm':
      return batchNorm(x, param(node.weight), param(node.bias), param(node.mean), param(node.variance), node.epsilon);
    case 'activation':
      return activationRef(x.data, node.activation, node.params);
    case 'maxpool':
    case 'avgpool': {
      const [batch, channels, height, width] = image(x, node);
      const a = node.attrs;
      const config: PoolRefConfig = {
        batch,
        channels,
        height,
        width,
        kernelH: a.kernelHeight,
        kernelW: a.kernelWidth,
        strideH: a.strideH,
        strideW: a.strideW,
        padTop: a.padTop,
        padBottom: a.padBottom,
        padLeft: a.padLeft,
        padRight: a.padRight,
        dilationH: a.dilationH,
        dilationW: a.dilationW,
        ceilMode: a.ceilMode,
        countIncludePad: a.countIncludePad,
      };
      return node.op === 'maxpool' ? maxPool2dRef(x.data, config) : avgPool2dRef(x.data, config);
    }
    case 'globalavgpool': {
      const [n, c, h, w] = image(x, node);
      return globalAvgPoolRef(x.data, n, c, h, w);
    }
    case 'globalmaxpool': {
      const [n, c, h, w] = image(x, node);
      return globalMaxPoolRef(x.data, n, c, h, w);
    }
    case 'adaptiveavgpool': {
      const [n, c, h, w] = image(x, node);
      return adaptiveAvgPoolRef(x.data, n, c, h, w, node.outHeight, node.outWidth);
    }
    case 'linear':
      return linear(x, node.inFeatures, node.outFeatures, param(node.weight), node.bias ? param(node.bias) : undefined, node.name);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'min':
    case 'max':
    case 'pow': {
      const b = args[1]!;
      return broadcastBinaryRef(node.op, x.data, x.shape, b.data, b.shape).out;
    }
    case 'prelu':
      return preluRef(x.data, x.shape, param(node.weight));
    case 'constant':
      return Float64Array.from(param(node.param));
    case 'pad':
      return node.mode === 'constant' && node.pads.every((p) => p >= 0) ? padRef(x.data, image(x, node), node.pads, node.value) : padModeRef(x.data, image(x, node), node.pads, node.mode, node.value);
    case 'transpose':
      return transposeRef(x.data, x.shape, node.perm);
    case 'reshape':
      // row-major data does not move
      return x.data.slice();
    case 'slice':
      return sliceWindowsRef(x.data, x.shape, node.windows);
    case 'matmul': {
      const [m, k] = x.shape as [number, number];
      return matmulRef(x.data, args[1]!.data, m, k, args[1]!.shape[1]!);
    }
    case 'reducemean': {
      const [n, c, h, w] = image(x, node);
      return globalAvgPoolRef(x.data, n, c, h, w);
    }
    case 'expand':
      return expandRef(x.data, x.shape, outShape);
    case 'tile':
      return tileRef(x.data, x.shape, node.repeats);
    case 'gather':
      return gatherRef(x.data, x.shape, node.axis, node.indices);
    case 'batchmatmul':
      return batchMatmulRef(x.data, x.shape, args[1]!.data, args[1]!.shape, outShape);
    case 'reduce':
      return reduceRef(x.data, x.shape, node.reduction, node.axes);
    case 'concat':
      return concatAxisRef(args, node.axis);
    case 'flatten':
      // NCHW is stored row-major, so (C, H, W) order is the order in memory
      return x.data.slice();
    case 'softmax': {
      const [rows, length] = outShape as [number, number];
      const p = softmaxRef(x.data, rows, length);
      return node.log ? p.map(Math.log) : p;
    }
    case 'lrn': {
      const [n, c, h, w] = image(x, node);
      return lrnNchwRef(x.data, n, c, h, w, { size: node.size, alpha: node.alpha, beta: node.beta, k: node.k, convention: node.convention });
    }
    case 'instancenorm': {
      const channels = image(x, node)[1];
      const scale = node.weight ? param(node.weight) : new Float64Array(channels).fill(1);
      const bias = node.bias ? param(node.bias) : new Float64Array(channels);
      return instanceNormRef(x.data, x.shape, scale, bias, node.epsilon);
    }
    case 'depthtospace':
      return depthSpaceRef(x.data, image(x, node), node.block, node.mode).out;
    case 'spacetodepth':
      return depthSpaceRef(x.data, image(x, node), node.block, 'S2D').out;
    case 'resize': {
      const a = node.attrs;
      return resizeRef(x.data, image(x, node), { ...a, ...(a.scale ? { scales: a.scale } : { sizes: [a.outHeight, a.outWidth] }) }).y;
    }
    case 'argmax':
    case 'argmin':
      return Float64Array.from(argReduceRef(x.data, x.shape, node.axis, node.op === 'argmin', node.selectLast));
    case 'topk': {
      const r = topKRef(x.data, x.shape, node.axis, node.k, node.smallest);
      return node.part === 'values' ? r.values : Float64Array.from(r.indices);
    }
    case 'dropout':
    case 'identity':
      return x.data.slice();
    case 'conv3d': {
      const y = conv3dRef({ shape: x.shape, ...node.attrs }, x.data, param(node.weight), node.bias ? param(node.bias) : undefined);
      return node.activation === 'none' ? y : activationRef(y, node.activation, node.activationParams);
    }
    case 'convtranspose3d': {
      const y = convTranspose3dRef({ shape: x.shape, ...node.attrs }, x.data, param(node.weight), node.bias ? param(node.bias) : undefined);
      return node.activation === 'none' ? y : activationRef(y, node.activation, node.activationParams);
    }
    case 'maxpool3d':
    case 'avgpool3d':
      return pool3dRef(node.op === 'maxpool3d' ? 'max' : 'average', { shape: x.shape, ...node.attrs }, x.data);
  }
}

/** Inference BatchNorm over axis 1: (x − mean)/sqrt(var + eps)·γ + β. */
function batchNorm(x: Value, gamma: ArrayLike<number>, beta: ArrayLike<number>, mean: ArrayLike<number>, variance: ArrayLike<number>, epsilon: number): Float64Array {
  const [batch, channels] = x.shape as [number, number];
  const plane = x.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < channels; c++) {
      const scale = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
      for (let i = 0; i < plane; i++) {
        const at = (n * channels + c) * plane + i;
        out[at] = (x.data[at]! - mean[c]!) * scale + beta[c]!;
      }
    }
  return out;
}

/** y[n][o] = Σ_i x[n][i]·W[o][i] + b[o], with PyTorch's [out][in] weight. */
function linear(x: Value, inFeatures: number, outFeatures: number, w: ArrayLike<number>, bias: ArrayLike<number> | undefined, name: string): Float64Array {
  if (x.shape.length !== 2 || x.shape[1] !== inFeatures) throw new Error(`runGraphRef: linear "${name}" expects [N, ${inFeatures}], got ${show(x.shape)}`);
  const batch = x.shape[0]!;
  const out = new Float64Array(batch * outFeatures);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < outFeatures; o++) {
      let s = bias ? bias[o]! : 0;
      for (let i = 0; i < inFeatures; i++) s += x.data[n * inFeatures + i]! * w[o * inFeatures + i]!;
      out[n * outFeatures + o] = s;
    }
  return out;
}

/** Concatenation along axis 1 of NCHW tensors: per batch item, each part's C·H·W block in turn. */
/** PyTorch's AdaptiveAvgPool2d, NCHW: window [floor(i·in/out), ceil((i+1)·in/out)) per axis. */
export function adaptiveAvgPoolRef(x: Float64Array, n: number, c: number, h: number, w: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(n * c * oh * ow);
  for (let b = 0; b < n * c; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const [y0, y1] = [Math.floor((i * h) / oh), Math.ceil(((i + 1) * h) / oh)];
        const [x0, x1] = [Math.floor((j * w) / ow), Math.ceil(((j + 1) * w) / ow)];
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) sum += x[(b * h + y) * w + xx]!;
        out[(b * oh + i) * ow + j] = sum / ((y1 - y0) * (x1 - x0));
      }
  return out;
}
