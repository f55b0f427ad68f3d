/**
 * MatMul of rank > 2 (numpy semantics: the last two axes multiply, the
 * leading ones broadcast), on tensors of any layout. Rank-2 products keep
 * the tiled GEMM of linear.ts; the ONNX importer sends the rest here, with
 * rank-1 operands promoted to a row or column as numpy does.
 */
import { GraphError } from '../errors.js';
import { matmulBatched } from '../kernels/matmul_batched.js';
import { requireRuntime } from './checks.js';
import { broadcastStridesAlong, storageStrides, storageWalk } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { broadcastShapes } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface BatchMatmulNode extends NodeBase {
  readonly op: 'batchmatmul';
}

export interface BatchMatmulExecNode extends ExecNodeBase {
  readonly kind: 'batchmatmul';
}

/** [..., M, K] × [..., K, N] → [..., M, N], batch axes broadcast; both operands rank ≥ 2. */
export function batchMatmul(b: BuildContext, x: Tensor, y: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, 'matmul');
  requireRuntime(x, n);
  requireRuntime(y, n);
  if (x.shape.length < 2 || y.shape.length < 2) throw new GraphError(n, `matmul takes operands of rank ≥ 2, got ${showShape(x.shape)} and ${showShape(y.shape)}`);
  const [m, k] = x.shape.slice(-2) as [number, number];
  const [k2, cols] = y.shape.slice(-2) as [number, number];
  const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2));
  if (k !== k2 || !batch) throw new GraphError(n, `${showShape(x.shape)} × ${showShape(y.shape)}: inner dimensions differ or batch dimensions do not broadcast`);
  return b.node<BatchMatmulNode>({ op: 'batchmatmul', name: n }, [x, y], [...batch, m, cols]);
}

export const batchMatmulOp: OpDef<BatchMatmulNode> = {
  ops: ['batchmatmul'],
  lower: (_n, c): BatchMatmulExecNode => ({ ...c.base, kind: 'batchmatmul' }),
  macs: (n, shape) => shape(n.output).reduce((a, b) => a * b, 1) * shape(n.inputs[0]!).at(-1)!,
  exportOnnx: (n, c) => c.emit({ op: 'MatMul', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
};

export const batchMatmulKernel: KernelDef<BatchMatmulExecNode> = {
  kinds: ['batchmatmul'],
  kernel: (n, c) => {
    const [aShape, bShape] = [c.shape(n.inputs[0]!), c.shape(n.inputs[1]!)];
    const outShape = c.shape(n.output);
    const rank = outShape.length;
    const { order, dims } = storageWalk(outShape);
    // each operand's strides along the output axes: batch axes aligned from the right (0 where broadcast), 0 on `skip` (n for a, m for b)
    const along = (shape: readonly number[], skip: number): number[] => broadcastStridesAlong(shape, rank, order).map((s, i) => (order[i] === skip ? 0 : s));
    const aOwn = storageStrides(aShape);
    const bOwn = storageStrides(bShape);
    const params = {
      dims,
      aStrides: along(aShape, rank - 1),
      bStrides: along(bShape, rank - 2),
      depth: aShape.at(-1)!,
      aStrideK: aOwn.at(-1)!,
      bStrideK: bOwn.at(-2)!,
    };
    return dispatchOnly((b) => [matmulBatched(params, b.read(n.inputs[0]!), b.read(n.inputs[1]!), b.write, c.label)]);
  },
};
