/**
 * TopK along one axis of a runtime tensor of any rank: the k largest (or
 * smallest) elements in order, and their indices. The IR has one output per
 * node, so TopK is two `topk` nodes on the same input — the values (float32)
 * and the indices (int64, ops/dtype.ts) — each one dispatch of the same
 * kernel (kernels/top_k.ts); a graph that uses one output runs only that one.
 */
import { GraphError } from '../errors.js';
import { topK as topKDispatch } from '../kernels/top_k.js';
import { axisWalk, checkedAxis } from './arg_reduce.js';
import { requireRuntime } from './checks.js';
import { storageStrides } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxis } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface TopKNode extends NodeBase {
  readonly op: 'topk';
  /** Non-negative. */
  readonly axis: number;
  readonly k: number;
  readonly smallest: boolean;
  /** Which of ONNX TopK's outputs this node makes. */
  readonly part: 'values' | 'indices';
}

export interface TopKExecNode extends ExecNodeBase {
  readonly kind: 'topk';
  readonly axis: number;
  readonly k: number;
  readonly smallest: boolean;
  readonly part: 'values' | 'indices';
}

export interface TopKOptions {
  k: number;
  /** Default -1 (the last axis), as ONNX. */
  axis?: number;
  /** The k smallest instead of the k largest (default false). */
  smallest?: boolean;
  /** The values node's name; the indices node is `${name}/indices`. */
  name?: string;
}

/** The k largest (or smallest) elements along `axis`, largest (smallest) first, equal values by index; indices are int64. */
export function topK(b: BuildContext, x: Tensor, o: TopKOptions): { values: Tensor; indices: Tensor } {
  const name = b.nodeName(o.name, 'topk');
  requireRuntime(x, name);
  if (x.shape.length === 0) throw new GraphError(name, 'topk of a scalar: there is no axis');
  const axis = checkedAxis(o.axis ?? -1, x.shape, name);
  const n = x.shape[axis]!;
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > n) throw new GraphError(name, `k must be an integer from 1 to ${n} (axis ${axis} of ${showShape(x.shape)}), got ${o.k}`);
  const shape = x.shape.map((d, i) => (i === axis ? o.k : d));
  const fields = { op: 'topk' as const, axis, k: o.k, smallest: o.smallest ?? false };
  const values = b.node<TopKNode>({ ...fields, name, part: 'values' }, [x], shape);
  const indices = b.node<TopKNode>({ ...fields, name: b.nodeName(`${name}/indices`, 'topk'), part: 'indices' }, [x], shape, 'int64');
  return { values, indices };
}

/** K is an attribute before opset 10, a constant int64 input [1] from 10 (largest and sorted from 11). */
const importTopK: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  if (v.shape.length === 0) throw c.format('the input is a scalar: there is no axis');
  const axis = normalizeAxis(c.attrs.int('axis', -1), v.shape.length);
  let k: number | undefined;
  if (c.opset < 10) k = c.attrs.int('k');
  else {
    const ks = c.optionalInts(1, 'K');
    if (!ks || ks.length !== 1) throw c.format(`K must be one integer, got ${ks ? `[${ks.join(', ')}]` : 'nothing'}`);
    k = ks[0];
  }
  const largest = c.attrs.int('largest', 1);
  if (largest !== 0 && largest !== 1) throw c.unsupported('attribute', `largest must be 0 or 1, got ${largest}`);
  if (k === undefined || !Number.isInteger(k) || k < 0 || k > v.shape[axis]!) throw c.format(`k ${k} is not between 0 and ${v.shape[axis]} (axis ${axis} of [${v.shape.join(', ')}])`);
  if (k === 0) throw c.unsupported('shape', 'k = 0 makes empty outputs; empty tensors are not supported');
  // sorted=0 leaves the order to the runtime: sorted is one valid order
  const { values, indices } = topK(c.build, c.tensor(v), { k, axis, smallest: largest === 0, name: c.name });
  return [runtime(values), runtime(indices)];
};

export const topKOp: OpDef<TopKNode> = {
  ops: ['topk'],
  lower: (n, c): TopKExecNode => ({ ...c.base, kind: 'topk', axis: n.axis, k: n.k, smallest: n.smallest, part: n.part }),
  exportOnnx: (n, c) => {
    // each node is a whole TopK whose other output goes unused
    const mine = c.name(n.output);
    const other = `${n.name}.${n.part === 'values' ? 'indices' : 'values'}_unused`;
    c.emit({
      op: 'TopK',
      name: n.name,
      inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.k`, [n.k])],
      outputs: n.part === 'values' ? [mine, other] : [other, mine],
      attrs: { axis: { int: n.axis }, largest: { int: n.smallest ? 0 : 1 }, sorted: { int: 1 } },
    });
  },
  onnx: { TopK: importTopK },
};

export const topKKernel: KernelDef<TopKExecNode> = {
  kinds: ['topk'],
  kernel: (n, c) => {
    const outShape = c.shape(n.output);
    const walk = axisWalk(c.shape(n.inputs[0]!), outShape, n.axis, true);
    const params = { ...walk, k: n.k, outAxisStride: storageStrides(outShape)[n.axis]!, smallest: n.smallest, indices: n.part === 'indices' };
    return dispatchOnly((b) => [topKDispatch(params, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
