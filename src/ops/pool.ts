/**
 * Max and average pooling over 2-D windows of [N, C, H, W], with stride,
 * asymmetric pads, ceil mode and (average) count_include_pad. Executes as a
 * `pool` node: one pool2d dispatch on the NHWC data, which can write straight
 * into a concat's channel slice.
 */
import { GraphError } from '../errors.js';
import { pool2d, poolOutputSize } from '../kernels/pool2d.js';
import { pair, padding, requireImage, type Pair, type Padding } from './checks.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { onnxImage, pairAttr, windowAttrs, windowPads } from './onnx_window.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

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
  const attrs: PoolAttrs = { kernelHeight, kernelWidth, strideH, strideW, ...padding(o.pad), ceilMode: o.ceilMode ?? false, countIncludePad: o.countIncludePad ?? true };
  for (const k of ['kernelHeight', 'kernelWidth', 'strideH', 'strideW'] as const) {
    if (!Number.isInteger(attrs[k]) || attrs[k] < 1) throw new GraphError(name, `${k} must be a positive integer, got ${attrs[k]}`);
  }
  const oh = poolOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, 1, attrs.ceilMode);
  const ow = poolOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, 1, attrs.ceilMode);
  if (oh < 1 || ow < 1) throw new GraphError(name, `a ${kernelHeight}×${kernelWidth} window does not fit the ${h}×${w} input`);
  return b.node<PoolNode>({ op, name, attrs }, [x], [n, c, oh, ow]);
}

export function maxPool(b: BuildContext, x: Tensor, o: PoolOptions): Tensor {
  return pool(b, 'maxpool', x, o);
}

export function avgPool(b: BuildContext, x: Tensor, o: PoolOptions): Tensor {
  return pool(b, 'avgpool', x, o);
}

function importPool(kind: 'max' | 'avg'): OnnxHandler {
  return (c) => {
    const { v, t } = onnxImage(c);
    const kernelAttr = c.attrs.ints('kernel_shape');
    if (!kernelAttr || kernelAttr.length !== 2) throw c.unsupported('shape', `only 2-D pooling is supported (kernel_shape [${kernelAttr?.join(', ') ?? ''}])`);
    const kernel = pairAttr(c, 'kernel_shape', 1);
    const stride = pairAttr(c, 'strides', 1);
    const dilation = pairAttr(c, 'dilations', 1);
    if (dilation[0] !== 1 || dilation[1] !== 1) throw c.unsupported('attribute', `dilated pooling (dilations [${dilation.join(', ')}]) is not supported`);
    if (kind === 'max' && c.outputNames.length > 1 && c.outputNames[1]) throw c.unsupported('attribute', 'the Indices output of MaxPool is not supported');
    const pads = windowPads(c, v.shape[2]!, v.shape[3]!, kernel, stride, dilation);
    const ceilMode = c.attrs.int('ceil_mode', 0) === 1;
    const o = { name: c.name, kernel, stride, pad: pads, ceilMode, countIncludePad: c.attrs.int('count_include_pad', 0) === 1 };
    return [runtime(kind === 'max' ? maxPool(c.build, t, o) : avgPool(c.build, t, o))];
  };
}

const importGlobalMaxPool: OnnxHandler = (c) => {
  const { v, t } = onnxImage(c);
  return [runtime(maxPool(c.build, t, { name: c.name, kernel: [v.shape[2]!, v.shape[3]!], stride: 1 }))];
};

export const poolOp: OpDef<PoolNode> = {
  ops: ['maxpool', 'avgpool'],
  lower: (n, c): PoolExecNode => ({ ...c.base, kind: 'pool', op: n.op === 'maxpool' ? 'max' : 'average', attrs: n.attrs }),
  exportOnnx: (n, c: ExportContext) => {
    const base = { name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] };
    const ceil_mode = { int: n.attrs.ceilMode ? 1 : 0 };
    if (n.op === 'maxpool') c.emit({ ...base, op: 'MaxPool', attrs: { ...windowAttrs(n.attrs), ceil_mode } });
    else c.emit({ ...base, op: 'AveragePool', attrs: { ...windowAttrs(n.attrs), ceil_mode, count_include_pad: { int: n.attrs.countIncludePad ? 1 : 0 } } });
  },
  onnx: { MaxPool: importPool('max'), AveragePool: importPool('avg'), GlobalMaxPool: importGlobalMaxPool },
};

export const poolKernel: KernelDef<PoolExecNode> = {
  kinds: ['pool'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, inHeight, inWidth] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return dispatchOnly((b) => [pool2d(n.op, { batch, channels, inHeight, inWidth, ...n.attrs }, b.read(n.inputs[0]!), b.write, b.slice, c.label)], { writesSlices: true });
  },
};
