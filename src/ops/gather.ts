/**
 * Gather on a runtime tensor with constant indices (ONNX Gather): the node
 * keeps the data's rank, the gathered axis becoming the flat list of
 * indices, and the importer relabels that to ONNX's shape (data[:axis] +
 * indices' shape + data[axis+1:]), which is free where both are stored
 * row-major. Gathers on constants fold on the CPU (onnx/ops_fold.ts).
 */
import { GraphError } from '../errors.js';
import { gather as gatherDispatch } from '../kernels/gather.js';
import { requireRuntime } from './checks.js';
import { storageOrder, storageStrides } from './layout.js';
import type { BuildContext, KernelDef, NodeKernel, OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxis } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface GatherNode extends NodeBase {
  readonly op: 'gather';
  readonly axis: number;
  /** Non-negative, each below the axis length. */
  readonly indices: readonly number[];
}

export interface GatherExecNode extends ExecNodeBase {
  readonly kind: 'gather';
  readonly axis: number;
  readonly indices: readonly number[];
}

/** Picks `indices` (negative counts from the end) along `axis`; the axis's extent becomes indices.length. */
export function gather(b: BuildContext, x: Tensor, axis: number, indices: readonly number[], name?: string): Tensor {
  const n = b.nodeName(name, 'gather');
  requireRuntime(x, n);
  const length = x.shape[axis];
  if (!Number.isInteger(axis) || length === undefined) throw new GraphError(n, `axis ${axis} is not an axis of ${showShape(x.shape)}`);
  if (!indices.length) throw new GraphError(n, 'gathering no indices leaves an empty tensor, which is not supported');
  const resolved = indices.map((i) => {
    const k = i < 0 ? i + length : i;
    if (!Number.isInteger(k) || k < 0 || k >= length) throw new GraphError(n, `index ${i} is out of range for axis ${axis} of length ${length}`);
    return k;
  });
  const shape = [...x.shape];
  shape[axis] = resolved.length;
  return b.node<GatherNode>({ op: 'gather', name: n, axis, indices: resolved }, [x], shape);
}

const importGather: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const axis = normalizeAxis(c.attrs.int('axis', 0), v.shape.length);
  const idx = c.constInput(1, 'the indices');
  const y = gather(c.build, c.tensor(v), axis, Array.from(idx.data), c.name);
  return [runtime(y, [...v.shape.slice(0, axis), ...idx.dims, ...v.shape.slice(axis + 1)])];
};

export const gatherOp: OpDef<GatherNode> = {
  ops: ['gather'],
  lower: (n, c): GatherExecNode => ({ ...c.base, kind: 'gather', axis: n.axis, indices: n.indices }),
  exportOnnx: (n, c) =>
    c.emit({ op: 'Gather', name: n.name, inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.indices`, n.indices)], outputs: [c.name(n.output)], attrs: { axis: { int: n.axis } } }),
  onnx: { Gather: importGather },
};

export const gatherKernel: KernelDef<GatherExecNode> = {
  kinds: ['gather'],
  kernel: (n, c): NodeKernel => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const order = storageOrder(outShape.length);
    const inStrides = storageStrides(inShape);
    const params = { dims: order.map((a) => outShape[a]!), inStrides: order.map((a) => inStrides[a]!), axis: order.indexOf(n.axis), axisStride: inStrides[n.axis]! };
    return {
      weights: { indices: Float32Array.from(n.indices) },
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => [gatherDispatch(params, b.read(n.inputs[0]!), b.weights.indices!, b.write, c.label)],
    };
  },
};
