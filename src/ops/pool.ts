/**
 * Max and average pooling over 2-D windows of [N, C, H, W], with stride,
 * dilation, asymmetric pads of any size, ceil mode and (average)
 * count_include_pad; ONNX's 1-D pooling on [N, C, L] imports as [N, C, 1, L].
 * Executes as a `pool` node: one pool2d dispatch on the NHWC data, which can
 * write straight into a concat's channel slice.
 */
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import { pool2d, poolOutputSize } from '../kernels/pool2d.js';
import { pair, padding, requireImage, type Pair, type Padding } from './checks.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import type { OnnxHandler } from './onnx_import.js';
import { importPool3d } from './pool3d.js';
import { onnxWindowInput, pairAttr, windowAttrs, windowPads } from './onnx_window.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface PoolAttrs {
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
  ceilMode: boolean;
  countIncludePad: boolean;
}

/**
 * PyTorch's MaxPool2d(kernel_size, stride, padding, dilation, ceil_mode) is
 * `maxPool(x, { kernel, stride, pad, dilation, ceilMode })`; AvgPool2d(kernel_size,
 * stride, padding, ceil_mode, count_include_pad) is `avgPool(x, { kernel, stride,
 * pad, ceilMode, countIncludePad })`. Pads may exceed half the kernel (ONNX allows
 * it; PyTorch does not).
 * @example g.maxPool(x, { kernel: 3, stride: 2, pad: 1, dilation: 2, ceilMode: true })
 */
export interface PoolOptions {
  name?: string;
  kernel: Pair;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  pad?: Padding;
  /** Default 1. An average over a dilated window divides by its taps (ONNX's AveragePool-19). */
  dilation?: Pair;
  /** Round the output size up; a last window that would start in the bottom/right padding is dropped (PyTorch's and ONNX's rule). */
  ceilMode?: boolean;
  /** Average pooling: divide by the taps inside the padded input rather than the real ones; PyTorch's default true. */
  countIncludePad?: boolean;
}

export interface PoolNode extends NodeBase {
  readonly op: 'maxpool' | 'avgpool';
  readonly attrs: PoolAttrs;
}

export interface PoolExecNode extends ExecNodeBase {
  readonly kind: 'pool';
  readonly op: 'max' | 'average';
  readonly attrs: PoolAttrs;
}

function pool(b: BuildContext, op: 'maxpool' | 'avgpool', x: Tensor, o: PoolOptions): Tensor {
  const name = b.nodeName(o.name, op);
  const [n, c, h, w] = requireImage(x, name);
  const [kernelHeight, kernelWidth] = pair(o.kernel);
  const [strideH, strideW] = pair(o.stride ?? o.kernel);
  const [dilationH, dilationW] = pair(o.dilation ?? 1);
  const attrs: PoolAttrs = {
    kernelHeight,
    kernelWidth,
    strideH,
    strideW,
    dilationH,
    dilationW,
    ...padding(o.pad),
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  };
  for (const k of ['kernelHeight', 'kernelWidth', 'strideH', 'strideW', 'dilationH', 'dilationW'] as const) {
    if (!Number.isInteger(attrs[k]) || attrs[k] < 1) throw new GraphError(name, `${k} must be a positive integer, got ${attrs[k]}`);
  }
  for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
    if (!Number.isInteger(attrs[k]) || attrs[k] < 0) throw new GraphError(name, `${k} must be a non-negative integer, got ${attrs[k]}`);
  }
  const oh = poolOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, dilationH, attrs.ceilMode);
  const ow = poolOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, dilationW, attrs.ceilMode);
  if (oh < 1 || ow < 1) {
    const dilated = dilationH * dilationW > 1 ? ` dilated ${dilationH}×${dilationW}` : '';
    throw new GraphError(name, `a ${kernelHeight}×${kernelWidth} window${dilated} does not fit the ${h}×${w} input with pads [${attrs.padTop}, ${attrs.padLeft}, ${attrs.padBottom}, ${attrs.padRight}]`);
  }
  return b.node<PoolNode>({ op, name, attrs }, [x], [n, c, oh, ow]);
}

export function maxPool(b: BuildContext, x: Tensor, o: PoolOptions): Tensor {
  return pool(b, 'maxpool', x, o);
}

export function avgPool(b: BuildContext, x: Tensor, o: PoolOptions): Tensor {
  return pool(b, 'avgpool', x, o);
}

/** ONNX's AveragePool has dilations from opset 19 on (the export writes opset 13). */
const AVERAGE_DILATION_OPSET = 19;

function importPool(kind: 'max' | 'avg'): OnnxHandler {
  return (c) => {
    if (c.runtimeInput(0).shape.length === 5) return importPool3d(c, kind);
    const x = onnxWindowInput(c);
    const rank = x.spatialRank;
    const kernelAttr = c.attrs.ints('kernel_shape');
    if (!kernelAttr) throw c.format('kernel_shape is required');
    if (kernelAttr.length !== rank) throw c.unsupported('shape', `a ${kernelAttr.length}-D kernel_shape [${kernelAttr.join(', ')}] on the ${rank}-D input [${x.v.shape.join(', ')}]`);
    const kernel = pairAttr(c, 'kernel_shape', 1, rank);
    const stride = pairAttr(c, 'strides', 1, rank);
    if (kind === 'avg' && c.opset < AVERAGE_DILATION_OPSET && c.attrs.has('dilations')) throw c.format(`AveragePool has no dilations before opset ${AVERAGE_DILATION_OPSET} (this model is opset ${c.opset})`);
    const dilation = pairAttr(c, 'dilations', 1, rank);
    if (kind === 'max' && c.outputNames.length > 1 && c.outputNames[1]) throw c.unsupported('attribute', 'the Indices output of MaxPool is not supported');
    const [h, w] = [x.t.shape[2]!, x.t.shape[3]!];
    const pads = windowPads(c, h, w, kernel, stride, dilation, rank);
    const ceilMode = c.attrs.int('ceil_mode', 0) === 1;
    const o = { name: c.name, kernel, stride, dilation, pad: pads, ceilMode, countIncludePad: c.attrs.int('count_include_pad', 0) === 1 };
    return [x.result(kind === 'max' ? maxPool(c.build, x.t, o) : avgPool(c.build, x.t, o))];
  };
}

export const poolOp: OpDef<PoolNode> = {
  ops: ['maxpool', 'avgpool'],
  lower: (n, c): PoolExecNode => ({ ...c.base, kind: 'pool', op: n.op === 'maxpool' ? 'max' : 'average', attrs: n.attrs }),
  exportOnnx: (n, c: ExportContext) => {
    const base = { name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] };
    const ceil_mode = { int: n.attrs.ceilMode ? 1 : 0 };
    if (n.op === 'maxpool') {
      c.emit({ ...base, op: 'MaxPool', attrs: { ...windowAttrs(n.attrs), dilations: { ints: [n.attrs.dilationH, n.attrs.dilationW] }, ceil_mode } });
      return;
    }
    if (n.attrs.dilationH !== 1 || n.attrs.dilationW !== 1) {
      throw new UnsupportedConfigurationError(`${n.name}: a dilated average pool needs ONNX opset ${AVERAGE_DILATION_OPSET}; the export writes opset 13`);
    }
    c.emit({ ...base, op: 'AveragePool', attrs: { ...windowAttrs(n.attrs), ceil_mode, count_include_pad: { int: n.attrs.countIncludePad ? 1 : 0 } } });
  },
  onnx: { MaxPool: importPool('max'), AveragePool: importPool('avg') },
};

export const poolKernel: KernelDef<PoolExecNode> = {
  kinds: ['pool'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, inHeight, inWidth] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return dispatchOnly((b) => [pool2d(n.op, { batch, channels, inHeight, inWidth, ...n.attrs }, b.read(n.inputs[0]!), b.write, b.slice, c.label)], { writesSlices: true });
  },
};
