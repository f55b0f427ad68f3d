/** Lowering of the layer ops: Conv, pooling, Gemm/MatMul, BatchNormalization, LRN, Softmax. */
import type { Tensor } from '../graph/builder.js';
import { constant, runtime, type NodeContext, type RuntimeValue, type Value } from './context.js';
import { transpose as transposeConst } from './fold.js';
import { flattenDims, normalizeAxis } from './shape_math.js';
import { elementCountOf, type ConstTensor } from './tensor.js';

type Handler = (c: NodeContext) => Value[];

/** [N, C, H, W] input of a 2-D window op. */
function image(c: NodeContext, what = 'input'): { v: RuntimeValue; t: Tensor } {
  const v = c.runtimeInput(0);
  if (v.shape.length !== 4) throw c.unsupported('shape', `only 2-D ${c.opType} on [N, C, H, W] is supported, the ${what} is [${v.shape.join(', ')}]`);
  return { v, t: c.tensor(v) };
}

function pairAttr(c: NodeContext, name: string, fallback: number): [number, number] {
  const v = c.attrs.ints(name);
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) throw c.format(`${name} [${v.join(', ')}] must have 2 values for a 2-D window`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`${name} [${v.join(', ')}] must be positive integers`);
  return [v[0]!, v[1]!];
}

/** Explicit [top, left, bottom, right] pads from `pads` or `auto_pad`. */
function windowPads(c: NodeContext, inH: number, inW: number, kernel: [number, number], stride: [number, number], dilation: [number, number]): [number, number, number, number] {
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (autoPad === 'NOTSET') {
    const pads = c.attrs.ints('pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) throw c.format(`pads [${pads.join(', ')}] must have 4 values for a 2-D window`);
    if (pads.some((p) => !Number.isSafeInteger(p) || p < 0)) throw c.unsupported('attribute', `pads [${pads.join(', ')}] must be non-negative integers`);
    return [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
  }
  if (autoPad === 'VALID') return [0, 0, 0, 0];
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER') throw c.format(`unknown auto_pad "${autoPad}"`);
  const axis = (n: number, k: number, s: number, d: number): [number, number] => {
    const total = Math.max(0, (Math.ceil(n / s) - 1) * s + (k - 1) * d + 1 - n);
    const small = Math.floor(total / 2);
    return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
  };
  const [top, bottom] = axis(inH, kernel[0], stride[0], dilation[0]);
  const [left, right] = axis(inW, kernel[1], stride[1], dilation[1]);
  return [top, left, bottom, right];
}

const conv: Handler = (c) => {
  const { v, t } = image(c);
  const w = c.constInput(1, 'the weight');
  if (w.dims.length !== 4) throw c.unsupported('shape', `only 2-D convolution is supported, the weight is [${w.dims.join(', ')}]`);
  const [outChannels, perGroup, kh, kw] = w.dims as [number, number, number, number];
  const groups = c.attrs.int('group', 1);
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.join() !== [kh, kw].join()) throw c.format(`kernel_shape [${kernelAttr.join(', ')}] disagrees with the weight [${w.dims.join(', ')}]`);
  if (!Number.isSafeInteger(groups) || groups < 1 || perGroup * groups !== v.shape[1]) {
    throw c.format(`the weight [${w.dims.join(', ')}] with group ${groups} does not fit ${v.shape[1]} input channels`);
  }
  const stride = pairAttr(c, 'strides', 1);
  const dilation = pairAttr(c, 'dilations', 1);
  const pad = windowPads(c, v.shape[2]!, v.shape[3]!, [kh, kw], stride, dilation);
  const bias = c.inputs[2] ? c.constInput(2, 'the bias') : undefined;
  if (bias && bias.data.length !== outChannels) throw c.format(`the bias has ${bias.data.length} values for ${outChannels} output channels`);
  const y = c.g.conv2d(t, { name: c.name, outChannels, kernel: [kh, kw], stride, pad, dilation, groups, bias: !!bias });
  c.state.setWeight(`${c.name}.weight`, floats(w));
  if (bias) c.state.setWeight(`${c.name}.bias`, floats(bias));
  return [runtime(y)];
};

function floats(t: ConstTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}

function pool(kind: 'max' | 'avg'): Handler {
  return (c) => {
    const { v, t } = image(c);
    const kernelAttr = c.attrs.ints('kernel_shape');
    if (!kernelAttr || kernelAttr.length !== 2) throw c.unsupported('shape', `only 2-D pooling is supported (kernel_shape [${kernelAttr?.join(', ') ?? ''}])`);
    const kernel = pairAttr(c, 'kernel_shape', 1);
    const stride = pairAttr(c, 'strides', 1);
    const dilation = pairAttr(c, 'dilations', 1);
    if (dilation[0] !== 1 || dilation[1] !== 1) throw c.unsupported('attribute', `dilated pooling (dilations [${dilation.join(', ')}]) is not supported`);
    if (kind === 'max' && c.node.output && c.node.output.length > 1 && c.node.output[1]) throw c.unsupported('attribute', 'the Indices output of MaxPool is not supported');
    const pads = windowPads(c, v.shape[2]!, v.shape[3]!, kernel, stride, dilation);
    const ceilMode = c.attrs.int('ceil_mode', 0) === 1;
    const o = { name: c.name, kernel, stride, pad: pads, ceilMode, countIncludePad: c.attrs.int('count_include_pad', 0) === 1 };
    return [runtime(kind === 'max' ? c.g.maxPool(t, o) : c.g.avgPool(t, o))];
  };
}

const globalAveragePool: Handler = (c) => [runtime(c.g.globalAvgPool(image(c).t, c.name))];

const globalMaxPool: Handler = (c) => {
  const { v, t } = image(c);
  return [runtime(c.g.maxPool(t, { name: c.name, kernel: [v.shape[2]!, v.shape[3]!], stride: 1 }))];
};

/** y = a·W^T + b as the builder's linear, W given as [out][in]. */
function linear(c: NodeContext, a: Tensor, weight: Float32Array, outFeatures: number, bias: Float32Array | undefined, name = c.name): Tensor {
  const y = c.g.linear(a, { name, outFeatures, bias: !!bias });
  c.state.setWeight(`${name}.weight`, weight);
  if (bias) c.state.setWeight(`${name}.bias`, bias);
  return y;
}

function scaled(t: ConstTensor, s: number): Float32Array {
  if (s === 1) return floats(t);
  const out = Float32Array.from(t.data);
  if (s !== 1) for (let i = 0; i < out.length; i++) out[i]! *= s;
  return out;
}

const gemm: Handler = (c) => {
  const alpha = c.attrs.float('alpha', 1);
  const beta = c.attrs.float('beta', 1);
  const transA = c.attrs.int('transA', 0) === 1;
  const transB = c.attrs.int('transB', 0) === 1;
  const av = c.runtimeInput(0);
  if (av.shape.length !== 2) throw c.format(`A must be 2-D, got [${av.shape.join(', ')}]`);
  let a = c.tensor(av);
  if (transA) a = c.g.transpose(a, [1, 0], c.sub('transA'));
  const k = a.shape[1]!;
  const bIn = c.input(1);
  const bShape = bIn.kind === 'const' ? bIn.value.dims : bIn.shape;
  if (bShape.length !== 2) throw c.format(`B must be 2-D, got [${bShape.join(', ')}]`);
  const n = transB ? bShape[0]! : bShape[1]!;
  if ((transB ? bShape[1] : bShape[0]) !== k) throw c.format(`A [${av.shape.join(', ')}] and B [${bShape.join(', ')}] do not multiply (transA ${+transA}, transB ${+transB})`);
  const cIn = c.inputs[2];
  // C as a bias row (scalar, [N] or [1, N]) folds into the linear node
  const cRow = cIn?.kind === 'const' && elementCountOf(cIn.value.dims) === n && cIn.value.dims.length <= 2 && (cIn.value.dims.length < 2 || cIn.value.dims[0] === 1);
  const cScalar = cIn?.kind === 'const' && cIn.value.data.length === 1;
  let y: Tensor;
  if (bIn.kind === 'const') {
    const w = transB ? bIn.value : transposeConst(bIn.value, [1, 0]);
    let bias: Float32Array | undefined;
    if (cIn && beta !== 0 && (cRow || cScalar)) bias = cScalar ? new Float32Array(n).fill(cIn.value.data[0]! * beta) : scaled(cIn.value, beta);
    y = linear(c, a, scaled(w, alpha), n, bias);
    if (bias || !cIn || beta === 0) return [runtime(y)];
  } else {
    let b = c.tensor(bIn);
    if (transB) b = c.g.transpose(b, [1, 0], c.sub('transB'));
    y = c.g.matmul(a, b, alpha === 1 && (!cIn || beta === 0) ? c.name : c.sub('matmul'));
    if (alpha !== 1) y = c.g.mul(y, c.state.constantTensor(scalarConst(alpha), [1, 1], `${c.name}.alpha`), cIn && beta !== 0 ? c.sub('alpha') : c.name);
    if (!cIn || beta === 0) return [runtime(y)];
  }
  // a general C ([M, N], [M, 1]…) is added after, scaled by beta
  const cv = cIn.kind === 'const' ? constant({ ...cIn.value, data: scaled(cIn.value, beta) }) : cIn;
  let ct = c.tensorOf(cv, `${c.name}.C`);
  if (cIn.kind === 'runtime' && beta !== 1) ct = c.g.mul(ct, c.state.constantTensor(scalarConst(beta), [1, 1], `${c.name}.beta`), c.sub('beta'));
  return [runtime(c.g.add(y, ct, c.sub('addC')))];
};

export function scalarConst(v: number): ConstTensor {
  return { dtype: 1, dims: [1], data: new Float32Array([v]) };
}

const matMul: Handler = (c) => {
  const av = c.runtimeInput(0);
  const bIn = c.input(1);
  if (av.shape.length < 2) throw c.unsupported('shape', `a rank-${av.shape.length} first operand is not supported`);
  const k = av.shape[av.shape.length - 1]!;
  const rows = elementCountOf(av.shape) / k;
  if (bIn.kind === 'const' && bIn.value.dims.length === 2) {
    // [..., K] × [K, N]: the leading dimensions ride along as rows of a linear layer
    const [kb, n] = bIn.value.dims as [number, number];
    if (kb !== k) throw c.format(`[${av.shape.join(', ')}] × [${bIn.value.dims.join(', ')}]: inner dimensions differ`);
    const y = linear(c, c.tensor(av, [rows, k]), floats(transposeConst(bIn.value, [1, 0])), n, undefined);
    return [runtime(y, [...av.shape.slice(0, -1), n])];
  }
  const bv = c.runtimeInput(1);
  if (av.shape.length !== 2 || bv.shape.length !== 2) throw c.unsupported('shape', `batched MatMul [${av.shape.join(', ')}] × [${bv.shape.join(', ')}] is not supported`);
  return [runtime(c.g.matmul(c.tensor(av), c.tensor(bv), c.name))];
};

const batchNormalization: Handler = (c) => {
  if (c.attrs.int('training_mode', 0) === 1) throw c.unsupported('attribute', 'training_mode 1 is not supported (export the model in eval mode)');
  if (c.attrs.int('spatial', 1) !== 1) throw c.unsupported('attribute', 'spatial 0 is not supported');
  if ((c.node.output ?? []).slice(1).some(Boolean) && c.opset >= 14) throw c.unsupported('attribute', 'the running-statistics outputs are not supported');
  const v = c.runtimeInput(0);
  if (v.shape.length < 2 || v.shape.length > 4) throw c.unsupported('shape', `input [${v.shape.join(', ')}] is not supported`);
  const channels = v.shape[1]!;
  const params = [c.constInput(1, 'scale'), c.constInput(2, 'B'), c.constInput(3, 'mean'), c.constInput(4, 'var')];
  for (const p of params) if (p.data.length !== channels) throw c.format(`a statistic has ${p.data.length} values for ${channels} channels`);
  const shape4 = [v.shape[0]!, channels, v.shape[2] ?? 1, v.shape[3] ?? 1];
  const y = c.g.batchNorm(c.tensor(v, shape4), { name: c.name, epsilon: c.attrs.float('epsilon', 1e-5) });
  ['weight', 'bias', 'running_mean', 'running_var'].forEach((p, i) => c.state.setWeight(`${c.name}.${p}`, floats(params[i]!)));
  return [runtime(y, v.shape)];
};

const lrn: Handler = (c) => {
  const { t } = image(c);
  const size = c.attrs.int('size');
  if (size === undefined) throw c.format('LRN needs a size');
  return [runtime(c.g.lrn(t, { name: c.name, size, alpha: c.attrs.float('alpha', 1e-4), beta: c.attrs.float('beta', 0.75), k: c.attrs.float('bias', 1), convention: 'onnx' }))];
};

/** Softmax: before opset 13 over the 2-D coercion at `axis` (default 1), from 13 over the one axis (default -1). */
const softmax: Handler = (c) => {
  const v = c.runtimeInput(0);
  const rank = v.shape.length;
  if (rank === 0) throw c.format('softmax of a scalar');
  if (c.opset < 13) {
    const axis = normalizeAxis(c.attrs.int('axis', 1), rank);
    const flat = flattenDims(v.shape, axis);
    return [runtime(c.g.softmax(c.tensor(v, flat), c.name), v.shape)];
  }
  const axis = normalizeAxis(c.attrs.int('axis', -1), rank);
  const last = v.shape[rank - 1]!;
  if (axis === rank - 1) return [runtime(c.g.softmax(c.tensor(v, [elementCountOf(v.shape) / last, last]), c.name), v.shape)];
  // an inner axis: move it last, softmax the rows, move it back
  if (rank !== 4 && rank !== 2) throw c.unsupported('shape', `softmax over axis ${axis} of a rank-${rank} tensor is not supported`);
  const perm = [...Array(rank).keys()].filter((i) => i !== axis).concat(axis);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const moved = c.g.transpose(c.tensor(v), perm, c.sub('to_last'));
  const len = v.shape[axis]!;
  const s = c.g.softmax(c.g.reshape(moved, [elementCountOf(v.shape) / len, len], c.sub('rows')), c.name);
  return [runtime(c.g.transpose(c.g.reshape(s, moved.shape, c.sub('unrows')), inverse, c.sub('from_last')))];
};

export const NN_OPS: Record<string, Handler> = {
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  Gemm: gemm,
  MatMul: matMul,
  BatchNormalization: batchNormalization,
  LRN: lrn,
  Softmax: softmax,
};
