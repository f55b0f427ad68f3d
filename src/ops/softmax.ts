/**
 * Softmax and log-softmax over the last axis of [N, F], one row per
 * workgroup on the GPU. The ONNX importer takes a tensor of any rank to
 * rows: the trailing axes are a free reshape (row-major storage), an inner
 * axis is moved last by a transpose, normalized, and moved back.
 */
import { GraphError } from '../errors.js';
import { softmax as softmaxDispatch } from '../kernels/softmax.js';
import { dispatchOnly, type BuildContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { reshape } from './reshape.js';
import { flattenDims, normalizeAxis } from './shape_math.js';
import { transpose } from './transpose.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface SoftmaxNode extends NodeBase {
  readonly op: 'softmax';
  /** Log-softmax (x − logsumexp) instead of softmax. */
  readonly log?: boolean;
}

export interface SoftmaxExecNode extends ExecNodeBase {
  readonly kind: 'softmax';
  readonly log?: boolean;
}

/** Softmax (or, with `log`, log-softmax) over the last axis of [N, F]. */
export function softmax(b: BuildContext, x: Tensor, name?: string, o: { log?: boolean } = {}): Tensor {
  const n = b.nodeName(name, o.log ? 'logsoftmax' : 'softmax');
  if (x.shape.length !== 2) throw new GraphError(n, `softmax takes [N, F], got [${x.shape.join(', ')}]`);
  return b.node<SoftmaxNode>({ op: 'softmax', name: n, ...(o.log ? { log: true } : {}) }, [x], x.shape);
}

/** Softmax / LogSoftmax: before opset 13 over the 2-D coercion at `axis` (default 1), from 13 over the one axis (default -1). */
function importSoftmax(log: boolean): OnnxHandler {
  return (c) => {
    // the kernel normalizes the rows of [N, F]
    const rows = (x: Tensor, name: string): Tensor => softmax(c.build, x, name, { log });
    const v = c.runtimeInput(0);
    const rank = v.shape.length;
    if (rank === 0) throw c.format('softmax of a scalar');
    if (c.opset < 13) {
      const axis = normalizeAxis(c.attrs.int('axis', 1), rank);
      const flat = flattenDims(v.shape, axis);
      return [runtime(rows(c.tensor(v, flat), c.name), v.shape)];
    }
    const axis = normalizeAxis(c.attrs.int('axis', -1), rank);
    const last = v.shape[rank - 1]!;
    if (axis === rank - 1) return [runtime(rows(c.tensor(v, [elementCount(v.shape) / last, last]), c.name), v.shape)];
    // an inner axis: move it last, softmax the rows, move it back
    const perm = [...Array(rank).keys()].filter((i) => i !== axis).concat(axis);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    const moved = transpose(c.build, c.tensor(v), perm, c.sub('to_last'));
    const len = v.shape[axis]!;
    const s = rows(reshape(c.build, moved, [elementCount(v.shape) / len, len], c.sub('rows')), c.name);
    return [runtime(transpose(c.build, reshape(c.build, s, moved.shape, c.sub('unrows')), inverse, c.sub('from_last')))];
  };
}

export const softmaxOp: OpDef<SoftmaxNode> = {
  ops: ['softmax'],
  lower: (n, c): SoftmaxExecNode => ({ ...c.base, kind: 'softmax', ...(n.log ? { log: true } : {}) }),
  exportOnnx: (n, c) => c.emit({ op: n.log ? 'LogSoftmax' : 'Softmax', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axis: { int: 1 } } }),
  onnx: { Softmax: importSoftmax(false), LogSoftmax: importSoftmax(true) },
};

export const softmaxKernel: KernelDef<SoftmaxExecNode> = {
  kinds: ['softmax'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const outShape = c.shape(n.output);
    return dispatchOnly((b) => [softmaxDispatch({ rows: outShape[0]!, length: outShape[1]!, log: n.log }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
