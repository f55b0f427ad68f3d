/**
 * Local response normalization across channels (AlexNet, GoogLeNet):
 * x / (k + α/size · Σ x²)^β over a window of `size` channels, placed by the
 * PyTorch or the ONNX convention (they differ for even sizes). Runs as one
 * lrn dispatch on the NHWC data.
 */
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import { lrn as lrnDispatch } from '../kernels/lrn.js';
import type { LrnConvention } from '../vocabulary.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { onnxImage } from './onnx_window.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface LrnOptions {
  name?: string;
  size: number;
  alpha?: number;
  beta?: number;
  k?: number;
  convention?: LrnConvention;
}

export interface LrnNode extends NodeBase {
  readonly op: 'lrn';
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  readonly convention: LrnConvention;
}

export interface LrnExecNode extends ExecNodeBase {
  readonly kind: 'lrn';
  readonly size: number;
  readonly alpha: number;
  readonly beta: number;
  readonly k: number;
  readonly convention: LrnConvention;
}

export function lrn(b: BuildContext, x: Tensor, o: LrnOptions): Tensor {
  const name = b.nodeName(o.name, 'lrn');
  requireImage(x, name);
  if (!Number.isInteger(o.size) || o.size < 1) throw new GraphError(name, `size must be a positive integer, got ${o.size}`);
  return b.node<LrnNode>(
    { op: 'lrn', name, size: o.size, alpha: o.alpha ?? 1e-4, beta: o.beta ?? 0.75, k: o.k ?? 1, convention: o.convention ?? 'pytorch' },
    [x],
    x.shape,
  );
}

const importLrn: OnnxHandler = (c) => {
  const { t } = onnxImage(c);
  const size = c.attrs.int('size');
  if (size === undefined) throw c.format('LRN needs a size');
  return [runtime(lrn(c.build, t, { name: c.name, size, alpha: c.attrs.float('alpha', 1e-4), beta: c.attrs.float('beta', 0.75), k: c.attrs.float('bias', 1), convention: 'onnx' }))];
};

export const lrnOp: OpDef<LrnNode> = {
  ops: ['lrn'],
  lower: (n, c): LrnExecNode => ({ ...c.base, kind: 'lrn', size: n.size, alpha: n.alpha, beta: n.beta, k: n.k, convention: n.convention }),
  exportOnnx: (n, c) => {
    // the ONNX spec (and ONNX Runtime) take odd sizes only; for those both conventions centre the window alike
    if (n.size % 2 === 0) throw new UnsupportedConfigurationError(`${n.name}: ONNX's LRN needs an odd size, got ${n.size}`);
    c.emit({
      op: 'LRN',
      name: n.name,
      inputs: n.inputs.map((t) => c.name(t)),
      outputs: [c.name(n.output)],
      attrs: { size: { int: n.size }, alpha: { float: n.alpha }, beta: { float: n.beta }, bias: { float: n.k } },
    });
  },
  onnx: { LRN: importLrn },
};

export const lrnKernel: KernelDef<LrnExecNode> = {
  kinds: ['lrn'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return dispatchOnly((b) => [lrnDispatch({ batch, channels, height, width, size: n.size, alpha: n.alpha, beta: n.beta, k: n.k, convention: n.convention }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
