/**
 * Averages over H and W: the global average pool ([N, C, H, W] → [N, C, 1, 1]),
 * ReduceMean over axes 2 and 3 (which lowers to it), and PyTorch's
 * AdaptiveAvgPool2d. Each runs as one dispatch on the NHWC data; an adaptive
 * pool to 1×1 runs as the global one, to the input's own size as the identity.
 */
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import { adaptiveAvgPool as adaptiveAvgPoolDispatch } from '../kernels/adaptive_avg_pool.js';
import { globalAvgPool as globalAvgPoolDispatch } from '../kernels/global_avg_pool.js';
import { pair, requireImage, type Pair } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { dispatchOnly, type BuildContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { onnxWindowInput } from './onnx_window.js';
import { volumeAsImage } from './onnx_window3d.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface GlobalAvgPoolNode extends NodeBase {
  readonly op: 'globalavgpool';
}

export interface AdaptiveAvgPoolNode extends NodeBase {
  readonly op: 'adaptiveavgpool';
  readonly outHeight: number;
  readonly outWidth: number;
}

/** Mean over H and W (axes 2, 3): [N, C, 1, 1] with keepdims, else [N, C]. */
export interface ReduceMeanNode extends NodeBase {
  readonly op: 'reducemean';
  readonly keepdims: boolean;
}

export interface ReduceMeanOptions {
  name?: string;
  /** Only [2, 3] (H and W) is supported. */
  axes: readonly number[];
  /** Default true, as in ONNX. */
  keepdims?: boolean;
}

export interface GlobalAvgPoolExecNode extends ExecNodeBase {
  readonly kind: 'globalavgpool';
}

export interface AdaptiveAvgPoolExecNode extends ExecNodeBase {
  readonly kind: 'adaptiveavgpool';
}

/** [N, C, H, W] → [N, C, 1, 1]. */
export function globalAvgPool(b: BuildContext, x: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, 'globalavgpool');
  const [batch, c] = requireImage(x, n);
  return b.node<GlobalAvgPoolNode>({ op: 'globalavgpool', name: n }, [x], [batch, c, 1, 1]);
}

/** PyTorch's AdaptiveAvgPool2d: [N, C, H, W] → [N, C, outHeight, outWidth]. */
export function adaptiveAvgPool(b: BuildContext, x: Tensor, size: Pair, name?: string): Tensor {
  const n = b.nodeName(name, 'adaptiveavgpool');
  const [batch, c] = requireImage(x, n);
  const [outHeight, outWidth] = pair(size);
  if (![outHeight, outWidth].every((v) => Number.isInteger(v) && v >= 1)) throw new GraphError(n, `output size must be positive integers, got ${outHeight}×${outWidth}`);
  return b.node<AdaptiveAvgPoolNode>({ op: 'adaptiveavgpool', name: n, outHeight, outWidth }, [x], [batch, c, outHeight, outWidth]);
}

/** Mean over H and W: a global average pool ([N, C, 1, 1] with keepdims, else [N, C]). */
export function reduceMean(b: BuildContext, x: Tensor, o: ReduceMeanOptions): Tensor {
  const name = b.nodeName(o.name, 'reducemean');
  const [n, c] = requireImage(x, name);
  if ([...o.axes].sort().join() !== '2,3') {
    throw new GraphError(name, `reduceMean over axes [${o.axes.join(', ')}] is not supported: only axes [2, 3] (H and W of [N, C, H, W], a global average pool)`);
  }
  const keepdims = o.keepdims ?? true;
  return b.node<ReduceMeanNode>({ op: 'reducemean', name, keepdims }, [x], keepdims ? [n, c, 1, 1] : [n, c]);
}

// [N, C, L] runs as [N, C, 1, L] and comes back as [N, C, 1]
const importGlobalAveragePool: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  // [N, C, D, H, W]: the same mean over one [D·H, W] plane per channel (a row-major view)
  if (v.shape.length === 5) return [runtime(globalAvgPool(c.build, c.tensor(v, volumeAsImage(v.shape)), c.name), [v.shape[0]!, v.shape[1]!, 1, 1, 1])];
  const x = onnxWindowInput(c);
  return [x.result(globalAvgPool(c.build, x.t, c.name))];
};

export const globalAvgPoolOp: OpDef<GlobalAvgPoolNode> = {
  ops: ['globalavgpool'],
  lower: (_n, c): GlobalAvgPoolExecNode => ({ ...c.base, kind: 'globalavgpool' }),
  exportOnnx: (n, c) => c.emit({ op: 'GlobalAveragePool', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
  onnx: { GlobalAveragePool: importGlobalAveragePool },
};

export const adaptiveAvgPoolOp: OpDef<AdaptiveAvgPoolNode> = {
  ops: ['adaptiveavgpool'],
  lower: (n, c): GlobalAvgPoolExecNode | IdentityExecNode | AdaptiveAvgPoolExecNode => {
    // the 1×1 case is a global average; equal sizes are the identity
    const [, , h, w] = c.shape(n.inputs[0]!);
    if (n.outHeight === 1 && n.outWidth === 1) return { ...c.base, kind: 'globalavgpool' };
    if (n.outHeight === h && n.outWidth === w) return { ...c.base, kind: 'identity' };
    return { ...c.base, kind: 'adaptiveavgpool' };
  },
  exportOnnx: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const base = { name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] };
    const [h, w] = [inShape[2]!, inShape[3]!];
    if (n.outHeight === 1 && n.outWidth === 1) c.emit({ ...base, op: 'GlobalAveragePool' });
    else if (h % n.outHeight === 0 && w % n.outWidth === 0) {
      // evenly divisible: adaptive pooling is a plain average pool
      const [kh, kw] = [h / n.outHeight, w / n.outWidth];
      c.emit({ ...base, op: 'AveragePool', attrs: { kernel_shape: { ints: [kh, kw] }, strides: { ints: [kh, kw] } } });
    } else {
      throw new UnsupportedConfigurationError(`${n.name}: adaptive average pooling ${h}×${w} → ${n.outHeight}×${n.outWidth} has uneven windows, which ONNX cannot express with one op`);
    }
  },
};

export const reduceMeanOp: OpDef<ReduceMeanNode> = {
  ops: ['reducemean'],
  // the pool writes [N, 1, 1, C], which is [N, C] row-major too
  lower: (_n, c): GlobalAvgPoolExecNode => ({ ...c.base, kind: 'globalavgpool' }),
  exportOnnx: (n, c) =>
    c.emit({ op: 'ReduceMean', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axes: { ints: [2, 3] }, keepdims: { int: n.keepdims ? 1 : 0 } } }),
};

export const globalAvgPoolKernel: KernelDef<GlobalAvgPoolExecNode> = {
  kinds: ['globalavgpool'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return dispatchOnly((b) => [globalAvgPoolDispatch({ batch, channels, height, width }, b.read(n.inputs[0]!), b.write, b.slice, c.label)], { writesSlices: true });
  },
};

export const adaptiveAvgPoolKernel: KernelDef<AdaptiveAvgPoolExecNode> = {
  kinds: ['adaptiveavgpool'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, inHeight, inWidth] = c.shape(n.inputs[0]!) as [number, number, number, number];
    const [, , outHeight, outWidth] = c.shape(n.output) as [number, number, number, number];
    return dispatchOnly((b) => [adaptiveAvgPoolDispatch({ batch, channels, inHeight, inWidth, outHeight, outWidth }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
