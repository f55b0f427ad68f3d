/**
 * Reshape (a row-major, NCHW-order reinterpretation between any ranks)
 * and Flatten ([N, C, H, W] → [N, C·H·W] in PyTorch's order). A reshape
 * lowers to `identity` (same shape), `flatten` (input [N, F] or one pixel,
 * output row-major) or `reshape`; both executable kinds are row-major views
 * whose layout conversions placement inserts (graph/placement.ts).
 */
import { GraphError } from '../errors.js';
import { requireImage, requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { isRowMajorStorage } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { elementCount, showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

/** Row-major (NCHW) reinterpretation; the output tensor's shape is the new shape. */
export interface ReshapeNode extends NodeBase {
  readonly op: 'reshape';
}

export interface FlattenNode extends NodeBase {
  readonly op: 'flatten';
}

/** A reshape that moves data (the free ones are lowered to 'flatten', which the executor aliases). */
export interface ReshapeExecNode extends ExecNodeBase {
  readonly kind: 'reshape';
}

export interface FlattenExecNode extends ExecNodeBase {
  readonly kind: 'flatten';
}

/** Row-major (NCHW-order) reshape to any rank up to 6; -1 and 0 must already be resolved. */
export function reshape(b: BuildContext, x: Tensor, shape: Shape, name?: string): Tensor {
  const n = b.nodeName(name, 'reshape');
  requireRuntime(x, n);
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new GraphError(n, `the new shape ${showShape(shape)} must be positive integers (resolve -1 and 0 first)`);
  if (elementCount(shape) !== elementCount(x.shape)) throw new GraphError(n, `cannot reshape ${showShape(x.shape)} (${elementCount(x.shape)} values) to ${showShape(shape)} (${elementCount(shape)})`);
  return b.node<ReshapeNode>({ op: 'reshape', name: n }, [x], shape);
}

/** [N, C, H, W] → [N, C·H·W] in PyTorch's (C, H, W) order. */
export function flatten(b: BuildContext, x: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, 'flatten');
  if (x.shape.length === 2) return b.node<FlattenNode>({ op: 'flatten', name: n }, [x], x.shape);
  if (x.shape.length !== 4) throw new GraphError(n, `flatten takes [N, C, H, W] or [N, F], got ${showShape(x.shape)}: use reshape for other ranks`);
  const [batch, c, h, w] = requireImage(x, n);
  return b.node<FlattenNode>({ op: 'flatten', name: n }, [x], [batch, c * h * w]);
}

/**
 * Equal shapes are the identity; when both layouts are row-major and the
 * executor aliases the kind (input [N, F] or one pixel) it is a free
 * 'flatten'; anything else moves data.
 */
function reshapeKind(from: Shape, to: Shape): 'identity' | 'flatten' | 'reshape' {
  if (from.join() === to.join()) return 'identity';
  return isRowMajorStorage(from) && isRowMajorStorage(to) ? 'flatten' : 'reshape';
}

export const reshapeOp: OpDef<ReshapeNode> = {
  ops: ['reshape'],
  lower: (n, c): ReshapeExecNode | FlattenExecNode | IdentityExecNode => ({ ...c.base, kind: reshapeKind(c.shape(n.inputs[0]!), c.shape(n.output)) }),
  exportOnnx: (n, c) =>
    c.emit({ op: 'Reshape', name: n.name, inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.shape`, c.shape(n.output))], outputs: [c.name(n.output)] }),
};

export const flattenOp: OpDef<FlattenNode> = {
  ops: ['flatten'],
  lower: (_n, c): FlattenExecNode => ({ ...c.base, kind: 'flatten' }),
  exportOnnx: (n, c) => c.emit({ op: 'Flatten', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axis: { int: 1 } } }),
};

/**
 * Both read the input in row-major (NCHW) order and have no dispatches of
 * their own: placement converts an NHWC input to row-major and the result to
 * an NHWC output where needed (a flatten of H·W > 1 is one gather, an image →
 * image reshape a gather and a scatter), and makes the output a view of the
 * input where both are stored row-major ([N, F], one channel, one pixel).
 */
export const reshapeKernel: KernelDef<ReshapeExecNode | FlattenExecNode> = {
  kinds: ['reshape', 'flatten'],
  kernel: () => dispatchOnly(() => [], { writesSlices: false, placement: 'row-major-view' }),
};
