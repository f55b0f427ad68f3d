/**
 * Transpose: permutes the logical axes of a tensor of any rank (output axis
 * i is input axis perm[i]). An identity perm lowers to `identity`; any other
 * executes as a `transpose` node, one strided copy that writes the output
 * in its storage order and reads each element through the input's storage
 * strides, so NHWC and row-major tensors need no conversion first.
 */
import { GraphError } from '../errors.js';
import { stridedCopy } from '../kernels/strided.js';
import { requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { storageStrides, storageWalk } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxes } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

/** Output axis i is input axis perm[i] (logical axes). */
export interface TransposeNode extends NodeBase {
  readonly op: 'transpose';
  readonly perm: readonly number[];
}

export interface TransposeExecNode extends ExecNodeBase {
  readonly kind: 'transpose';
  readonly perm: readonly number[];
}

/** Permutes the logical axes: output axis i is input axis perm[i]. */
export function transpose(b: BuildContext, x: Tensor, perm: readonly number[], name?: string): Tensor {
  const n = b.nodeName(name, 'transpose');
  requireRuntime(x, n);
  if (perm.length !== x.shape.length || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new GraphError(n, `perm [${perm.join(', ')}] is not a permutation of the ${x.shape.length} axes of ${showShape(x.shape)}`);
  }
  return b.node<TransposeNode>({ op: 'transpose', name: n, perm: [...perm] }, [x], perm.map((p) => x.shape[p]!));
}

const importTranspose: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const rank = v.shape.length;
  const perm = c.attrs.ints('perm') ?? [...Array(rank).keys()].reverse();
  if (perm.length !== rank) throw c.format(`perm [${perm.join(', ')}] does not fit rank ${rank}`);
  normalizeAxes(perm, rank, 'perm');
  return [runtime(transpose(c.build, c.tensor(v), perm, c.name))];
};

export const transposeOp: OpDef<TransposeNode> = {
  ops: ['transpose'],
  lower: (n, c): TransposeExecNode | IdentityExecNode =>
    n.perm.every((p, i) => p === i) ? { ...c.base, kind: 'identity' } : { ...c.base, kind: 'transpose', perm: n.perm },
  exportOnnx: (n, c) => c.emit({ op: 'Transpose', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { perm: { ints: n.perm } } }),
  onnx: { Transpose: importTranspose },
};

export const transposeKernel: KernelDef<TransposeExecNode> = {
  kinds: ['transpose'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const out = storageWalk(outShape);
    const inStrides = storageStrides(inShape);
    const from = { strides: out.order.map((a) => inStrides[n.perm[a]!]!), offset: 0 };
    return dispatchOnly((b) => [stridedCopy(out.dims, from, { strides: out.strides, offset: 0 }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
