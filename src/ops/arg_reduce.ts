/**
 * ArgMax and ArgMin along one axis of a runtime tensor of any rank: one
 * `argreduce` node, one dispatch (kernels/arg_reduce.ts) reading the input
 * through its storage strides, so an NHWC tensor reduces over channels
 * without a layout conversion. The output is an int64 tensor (ops/dtype.ts):
 * float32-exact integers on the GPU, a BigInt64Array for the caller.
 */
import { GraphError } from '../errors.js';
import { argReduce as argReduceDispatch, MAX_ARG_AXIS, type AxisWalk } from '../kernels/arg_reduce.js';
import { requireRuntime } from './checks.js';
import { storageStrides } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxis } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface ArgReduceNode extends NodeBase {
  readonly op: 'argmax' | 'argmin';
  /** Non-negative. */
  readonly axis: number;
  readonly keepdims: boolean;
  readonly selectLast: boolean;
}

export interface ArgReduceExecNode extends ExecNodeBase {
  readonly kind: 'argreduce';
  readonly argmin: boolean;
  readonly axis: number;
  readonly keepdims: boolean;
  readonly selectLast: boolean;
}

export interface ArgReduceOptions {
  /** Default 0, as ONNX; negative counts from the end. */
  axis?: number;
  /** Keep the reduced axis as size 1 (default true, as ONNX). */
  keepdims?: boolean;
  /** Among equal values report the last index (default: the first). */
  selectLast?: boolean;
  name?: string;
}

/** The non-negative axis, or a GraphError naming the node. */
export function checkedAxis(axis: number, shape: Shape, name: string): number {
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new GraphError(name, `axis ${axis} is not an axis of ${showShape(shape)}`);
  const a = axis < 0 ? axis + rank : axis;
  if (shape[a]! >= MAX_ARG_AXIS) throw new GraphError(name, `axis ${axis} has ${shape[a]} elements; indices are computed in float32, exact below 2^24`);
  return a;
}

/** Indices (int64) of the largest (`argmin`: smallest) element along `axis` of `x`. */
export function argReduce(b: BuildContext, x: Tensor, argmin: boolean, o: ArgReduceOptions = {}): Tensor {
  const op = argmin ? 'argmin' : 'argmax';
  const name = b.nodeName(o.name, op);
  requireRuntime(x, name);
  if (x.shape.length === 0) throw new GraphError(name, `${op} of a scalar: there is no axis`);
  const axis = checkedAxis(o.axis ?? 0, x.shape, name);
  const keepdims = o.keepdims ?? true;
  const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return b.node<ArgReduceNode>({ op, name, axis, keepdims, selectLast: o.selectLast ?? false }, [x], shape, 'int64');
}

/**
 * The walk of one axis of `inShape` per element of `outShape` (which drops
 * the axis, or keeps it of any extent): the other axes with their input and
 * output storage strides.
 */
export function axisWalk(inShape: Shape, outShape: Shape, axis: number, outKeepsAxis: boolean): AxisWalk {
  const inStrides = storageStrides(inShape);
  const outStrides = storageStrides(outShape);
  const kept = inShape.map((_, i) => i).filter((i) => i !== axis);
  return {
    keptDims: kept.map((a) => inShape[a]!),
    keptInStrides: kept.map((a) => inStrides[a]!),
    keptOutStrides: kept.map((a) => outStrides[outKeepsAxis || a < axis ? a : a - 1]!),
    axisDim: inShape[axis]!,
    axisStride: inStrides[axis]!,
  };
}

const importArgReduce =
  (argmin: boolean): OnnxHandler =>
  (c) => {
    const v = c.runtimeInput(0);
    if (v.shape.length === 0) throw c.format('the input is a scalar: there is no axis');
    const axis = normalizeAxis(c.attrs.int('axis', 0), v.shape.length);
    const keepdims = c.attrs.int('keepdims', 1);
    const selectLast = c.attrs.int('select_last_index', 0);
    if (keepdims !== 0 && keepdims !== 1) throw c.unsupported('attribute', `keepdims must be 0 or 1, got ${keepdims}`);
    if (selectLast !== 0 && selectLast !== 1) throw c.unsupported('attribute', `select_last_index must be 0 or 1, got ${selectLast}`);
    return [runtime(argReduce(c.build, c.tensor(v), argmin, { axis, keepdims: keepdims === 1, selectLast: selectLast === 1, name: c.name }))];
  };

export const argReduceOp: OpDef<ArgReduceNode> = {
  ops: ['argmax', 'argmin'],
  lower: (n, c): ArgReduceExecNode => ({ ...c.base, kind: 'argreduce', argmin: n.op === 'argmin', axis: n.axis, keepdims: n.keepdims, selectLast: n.selectLast }),
  exportOnnx: (n, c) =>
    c.emit({
      op: n.op === 'argmin' ? 'ArgMin' : 'ArgMax',
      name: n.name,
      inputs: [c.name(n.inputs[0]!)],
      outputs: [c.name(n.output)],
      attrs: { axis: { int: n.axis }, keepdims: { int: n.keepdims ? 1 : 0 }, ...(n.selectLast ? { select_last_index: { int: 1 } } : {}) },
    }),
  onnx: { ArgMax: importArgReduce(false), ArgMin: importArgReduce(true) },
};

export const argReduceKernel: KernelDef<ArgReduceExecNode> = {
  kinds: ['argreduce'],
  kernel: (n, c) => {
    const walk = axisWalk(c.shape(n.inputs[0]!), c.shape(n.output), n.axis, n.keepdims);
    const params = { ...walk, argmin: n.argmin, selectLast: n.selectLast };
    return dispatchOnly((b) => [argReduceDispatch(params, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
