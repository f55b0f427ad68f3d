/**
 * Transpose: permutes the logical axes of a rank-4 or rank-2 tensor (output
 * axis i is input axis perm[i]). An identity perm lowers to `identity`; any
 * other executes as a `transpose` node, one permute4d over the NHWC storage
 * with the logical perm translated to storage axes.
 */
import { GraphError } from '../errors.js';
import { permute4d } from '../kernels/layout_transform.js';
import { requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { nhwcDims, storageAxis } from './layout.js';
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

/** Permutes the logical axes: output axis i is input axis perm[i] (rank 4 or 2). */
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
  if (rank === 2 || rank === 4) return [runtime(transpose(c.build, c.tensor(v), perm, c.name))];
  if (rank === 3) return [runtime(transpose(c.build, c.carrier(v), [...perm, 3], c.name), perm.map((p) => v.shape[p]!))];
  throw c.unsupported('shape', `transposing a rank-${rank} tensor is not supported`);
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
    // output storage axis j holds logical axis [N, H, W, C][j] of the output, i.e. input logical axis perm of it
    const inShape = c.shape(n.inputs[0]!);
    const rank = inShape.length;
    const logicalOf = rank === 4 ? [0, 2, 3, 1] : [0, -1, -1, 1];
    const perm = logicalOf.map((l, j) => (l < 0 ? j : storageAxis(rank, n.perm[l]!))) as [number, number, number, number];
    return dispatchOnly((b) => [permute4d(nhwcDims(inShape), perm, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
