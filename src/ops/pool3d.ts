/**
 * MaxPool3d / AvgPool3d on [N, C, D, H, W] (stored row-major), with what
 * 2-D pooling has: begin/end pads of any size, dilation, ceil mode and
 * (average) count_include_pad. Executes as a `pool3d` node: one pool3d
 * dispatch. ONNX MaxPool/AveragePool on 5-D inputs import here (ops/pool.ts's
 * handlers hand those over).
 */
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import type { Triple, Window3d } from '../kernels/conv3d.js';
import { pool3d as pool3dDispatch, pool3dShape } from '../kernels/pool3d.js';
import { poolOutputSize } from '../kernels/pool2d.js';
import { checkWindow, padding3d, requireVolume, triple, type Padding3d, type Triplet } from './conv3d.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxNodeContext, type RuntimeValue } from './onnx_import.js';
import { tripleAttr, window3dAttrs, windowPads3d } from './onnx_window3d.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface Pool3dAttrs extends Window3d {
  ceilMode: boolean;
  countIncludePad: boolean;
}

/**
 * torch.nn.MaxPool3d(kernel_size, stride, padding, dilation, ceil_mode) is
 * `maxPool3d(x, { kernel, stride, padding, dilation, ceilMode })`;
 * AvgPool3d(kernel_size, stride, padding, ceil_mode, count_include_pad) is
 * `avgPool3d(x, { kernel, stride, padding, ceilMode, countIncludePad })`.
 * @example g.maxPool3d(x, { kernel: 3, stride: 2, padding: 1 })
 */
export interface Pool3dOptions {
  name?: string;
  kernel: Triplet;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Triplet;
  padding?: Padding3d;
  /** Default 1. An average over a dilated window divides by its taps (ONNX's AveragePool-19). */
  dilation?: Triplet;
  /** Round output sizes up; a last window that would start in the end padding is dropped. */
  ceilMode?: boolean;
  /** Average only: divide by the taps inside the padded input rather than the real ones; PyTorch's default true. */
  countIncludePad?: boolean;
}

export interface Pool3dNode extends NodeBase {
  readonly op: 'maxpool3d' | 'avgpool3d';
  readonly attrs: Pool3dAttrs;
}

export interface Pool3dExecNode extends ExecNodeBase {
  readonly kind: 'pool3d';
  readonly op: 'max' | 'average';
  readonly attrs: Pool3dAttrs;
}

function pool3d(b: BuildContext, op: 'maxpool3d' | 'avgpool3d', x: Tensor, o: Pool3dOptions): Tensor {
  const name = b.nodeName(o.name, op);
  const [n, c, d, h, w] = requireVolume(x, name);
  const kernel = triple(o.kernel);
  const attrs: Pool3dAttrs = {
    kernel,
    stride: triple(o.stride ?? kernel),
    dilation: triple(o.dilation ?? 1),
    ...padding3d(o.padding),
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  };
  checkWindow(name, attrs);
  const out = [d, h, w].map((size, i) => poolOutputSize(size, attrs.kernel[i]!, attrs.stride[i]!, attrs.padBegin[i]!, attrs.padEnd[i]!, attrs.dilation[i]!, attrs.ceilMode));
  if (out.some((v) => v < 1)) {
    throw new GraphError(name, `a ${kernel.join('×')} window (dilation [${attrs.dilation.join(', ')}]) does not fit the ${d}×${h}×${w} input with pads [${attrs.padBegin.join(', ')}] / [${attrs.padEnd.join(', ')}]`);
  }
  return b.node<Pool3dNode>({ op, name, attrs }, [x], [n, c, ...out]);
}

export function maxPool3d(b: BuildContext, x: Tensor, o: Pool3dOptions): Tensor {
  return pool3d(b, 'maxpool3d', x, o);
}

export function avgPool3d(b: BuildContext, x: Tensor, o: Pool3dOptions): Tensor {
  return pool3d(b, 'avgpool3d', x, o);
}

/** ONNX's AveragePool has dilations from opset 19 on (the export writes opset 13). */
const AVERAGE_DILATION_OPSET = 19;

/** ONNX MaxPool / AveragePool on [N, C, D, H, W] (called by ops/pool.ts's handlers). */
export function importPool3d(c: OnnxNodeContext, kind: 'max' | 'avg'): RuntimeValue[] {
  const v = c.runtimeInput(0);
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (!kernelAttr) throw c.format('kernel_shape is required');
  if (kernelAttr.length !== 3) throw c.unsupported('shape', `a ${kernelAttr.length}-D kernel_shape [${kernelAttr.join(', ')}] on the 3-D input [${v.shape.join(', ')}]`);
  const kernel = tripleAttr(c, 'kernel_shape', 1);
  const stride = tripleAttr(c, 'strides', 1);
  if (kind === 'avg' && c.opset < AVERAGE_DILATION_OPSET && c.attrs.has('dilations')) throw c.format(`AveragePool has no dilations before opset ${AVERAGE_DILATION_OPSET} (this model is opset ${c.opset})`);
  const dilation = tripleAttr(c, 'dilations', 1);
  if (kind === 'max' && c.outputNames.length > 1 && c.outputNames[1]) throw c.unsupported('attribute', 'the Indices output of MaxPool is not supported');
  const pads = windowPads3d(c, v.shape.slice(2) as unknown as Triple, kernel, stride, dilation);
  const o: Pool3dOptions = {
    name: c.name,
    kernel,
    stride,
    dilation,
    padding: [...pads.padBegin, ...pads.padEnd] as unknown as Padding3d,
    ceilMode: c.attrs.int('ceil_mode', 0) === 1,
    countIncludePad: c.attrs.int('count_include_pad', 0) === 1,
  };
  const x = c.tensor(v);
  return [runtime(kind === 'max' ? maxPool3d(c.build, x, o) : avgPool3d(c.build, x, o))];
}

export const pool3dOp: OpDef<Pool3dNode> = {
  ops: ['maxpool3d', 'avgpool3d'],
  lower: (n, c): Pool3dExecNode => ({ ...c.base, kind: 'pool3d', op: n.op === 'maxpool3d' ? 'max' : 'average', attrs: n.attrs }),
  exportOnnx: (n, c: ExportContext) => {
    const base = { name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] };
    const ceil_mode = { int: n.attrs.ceilMode ? 1 : 0 };
    if (n.op === 'maxpool3d') {
      c.emit({ ...base, op: 'MaxPool', attrs: { ...window3dAttrs(n.attrs), dilations: { ints: [...n.attrs.dilation] }, ceil_mode } });
      return;
    }
    if (n.attrs.dilation.some((d) => d !== 1)) throw new UnsupportedConfigurationError(`${n.name}: a dilated average pool needs ONNX opset ${AVERAGE_DILATION_OPSET}; the export writes opset 13`);
    c.emit({ ...base, op: 'AveragePool', attrs: { ...window3dAttrs(n.attrs), ceil_mode, count_include_pad: { int: n.attrs.countIncludePad ? 1 : 0 } } });
  },
};

export const pool3dKernel: KernelDef<Pool3dExecNode> = {
  kinds: ['pool3d'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, d, h, w] = c.shape(n.inputs[0]!) as [number, number, number, number, number];
    const s = pool3dShape({ batch, channels, inSize: [d, h, w], ...n.attrs });
    return dispatchOnly((b) => [pool3dDispatch(n.op, s, b.read(n.inputs[0]!), b.write, `${c.label} (pool3d)`)]);
  },
};
