/**
 * Reductions over any axes of a tensor of any rank: ReduceSum, ReduceMean,
 * ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
 * ReduceLogSumExp, ReduceSumSquare. One `reduce` node, one dispatch
 * (kernels/reduce.ts) reading the input through its storage strides, so an
 * NHWC tensor reduces over channels without a layout conversion. A mean
 * over the spatial axes of [N, C, H, W] keeps going to the global average
 * pool (global_pool.ts), which reads whole rows per workgroup.
 */
import { GraphError } from '../errors.js';
import { reduce as reduceDispatch, REDUCE_OPS, type ReduceOp } from '../kernels/reduce.js';
import { requireRuntime } from './checks.js';
import { reduceMean } from './global_pool.js';
import type { IdentityExecNode } from './identity.js';
import { storageOrder, storageStrides } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxes } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export { REDUCE_OPS, type ReduceOp } from '../kernels/reduce.js';

export interface ReduceNode extends NodeBase {
  readonly op: 'reduce';
  readonly reduction: ReduceOp;
  /** Sorted, non-negative. */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

export interface ReduceExecNode extends ExecNodeBase {
  readonly kind: 'reduce';
  readonly reduction: ReduceOp;
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}

export interface ReduceOptions {
  /** Default: every axis. */
  axes?: readonly number[];
  /** Keep reduced axes as size 1 (default true, as ONNX). */
  keepdims?: boolean;
  name?: string;
}

/** Reduces `x` over `axes` (negative counts from the end). */
export function reduce(b: BuildContext, x: Tensor, reduction: ReduceOp, o: ReduceOptions = {}): Tensor {
  const name = b.nodeName(o.name, `reduce${reduction}`);
  requireRuntime(x, name);
  if (!REDUCE_OPS.includes(reduction)) throw new GraphError(name, `unknown reduction "${reduction}"; known: ${REDUCE_OPS.join(', ')}`);
  const rank = x.shape.length;
  const axes = [...new Set((o.axes ?? [...Array(rank).keys()]).map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= rank)) throw new GraphError(name, `axes [${(o.axes ?? []).join(', ')}] are not axes of ${showShape(x.shape)}`);
  const keepdims = o.keepdims ?? true;
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d)).filter((_, i) => keepdims || !axes.includes(i));
  return b.node<ReduceNode>({ op: 'reduce', name, reduction, axes, keepdims }, [x], shape);
}

const ONNX_NAMES: Readonly<Record<ReduceOp, string>> = {
  sum: 'ReduceSum',
  mean: 'ReduceMean',
  max: 'ReduceMax',
  min: 'ReduceMin',
  prod: 'ReduceProd',
  l1: 'ReduceL1',
  l2: 'ReduceL2',
  logsum: 'ReduceLogSum',
  logsumexp: 'ReduceLogSumExp',
  sumsquare: 'ReduceSumSquare',
};

/** Axes from the attribute, or (ReduceSum from opset 13, the others from 18) from input 1; none: every axis unless noop_with_empty_axes. */
function importReduce(reduction: ReduceOp): OnnxHandler {
  return (c) => {
    const v = c.runtimeInput(0);
    const rank = v.shape.length;
    const keepdims = c.attrs.int('keepdims', 1) === 1;
    const axesFromInput = c.opset >= (reduction === 'sum' ? 13 : 18);
    let axes = axesFromInput ? c.optionalInts(1, 'axes') : c.attrs.ints('axes');
    if (!axes || !axes.length) {
      if (axesFromInput && c.attrs.int('noop_with_empty_axes', 0) === 1) return [v];
      axes = [...Array(rank).keys()];
    }
    const ax = normalizeAxes(axes, rank).sort((p, q) => p - q);
    // a spatial mean of [N, C, H, W] is the global average pool
    if (reduction === 'mean' && rank === 4 && ax.join() === '2,3') {
      const pooled = reduceMean(c.build, c.tensor(v), { name: c.name, axes: [2, 3], keepdims: true });
      return [runtime(pooled, keepdims ? pooled.shape : pooled.shape.slice(0, 2))];
    }
    return [runtime(reduce(c.build, c.tensor(v), reduction, { axes: ax, keepdims, name: c.name }))];
  };
}

/** The reductions that leave a single element as it is. */
const ONE_ELEMENT_IDENTITY: ReadonlySet<ReduceOp> = new Set(['sum', 'mean', 'max', 'min', 'prod', 'logsumexp']);

export const reduceOp: OpDef<ReduceNode> = {
  ops: ['reduce'],
  lower: (n, c): ReduceExecNode | IdentityExecNode =>
    // reducing only unit axes and keeping them changes nothing — for the reductions whose value of one element is that element
    // (l1, l2, logsum and sumsquare of one element are |x|, |x|, log x and x², which still need the kernel)
    n.keepdims && ONE_ELEMENT_IDENTITY.has(n.reduction) && n.axes.every((a) => c.shape(n.inputs[0]!)[a] === 1)
      ? { ...c.base, kind: 'identity' }
      : { ...c.base, kind: 'reduce', reduction: n.reduction, axes: n.axes, keepdims: n.keepdims },
  exportOnnx: (n, c) => {
    const base = { op: ONNX_NAMES[n.reduction], name: n.name, outputs: [c.name(n.output)] };
    const keepdims = { int: n.keepdims ? 1 : 0 };
    // the exporter writes opset 13, where only ReduceSum takes its axes as an input
    if (n.reduction === 'sum') c.emit({ ...base, inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.axes`, n.axes)], attrs: { keepdims } });
    else c.emit({ ...base, inputs: [c.name(n.inputs[0]!)], attrs: { axes: { ints: n.axes }, keepdims } });
  },
  onnx: Object.fromEntries(REDUCE_OPS.map((r) => [ONNX_NAMES[r], importReduce(r)])),
};

export const reduceKernel: KernelDef<ReduceExecNode> = {
  kinds: ['reduce'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const inStrides = storageStrides(inShape);
    // output axis → input axis: all of them with keepdims, else the kept ones in order
    const keptInputAxes = inShape.map((_, i) => i).filter((i) => !n.axes.includes(i));
    const inputAxisOf = (outAxis: number): number => (n.keepdims ? outAxis : keptInputAxes[outAxis]!);
    const order = storageOrder(outShape.length);
    const params = {
      op: n.reduction,
      keptDims: order.map((a) => outShape[a]!),
      keptStrides: order.map((a) => (n.axes.includes(inputAxisOf(a)) ? 0 : inStrides[inputAxisOf(a)]!)),
      reducedDims: n.axes.map((a) => inShape[a]!),
      reducedStrides: n.axes.map((a) => inStrides[a]!),
    };
    return dispatchOnly((b) => [reduceDispatch(params, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
