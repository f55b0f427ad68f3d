/**
 * Reshape (a row-major, NCHW-order reinterpretation between ranks 2 and 4)
 * and Flatten ([N, C, H, W] → [N, C·H·W] in PyTorch's order). A reshape
 * lowers to `identity` (same shape), `flatten` (both layouts row-major: a
 * view of the input) or `reshape` (moves data through NCHW order
 * with permute4d). A flatten of an image with more than one pixel gathers
 * the NHWC data to NCHW.
 */
import { GraphError } from '../errors.js';
import type { BufferBinding } from '../kernels/dispatch.js';
import { activation as activationKernel } from '../kernels/elementwise.js';
import { permute4d } from '../kernels/layout_transform.js';
import { requireImage, requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { isRowMajorStorage, NCHW_TO_NHWC, NHWC_TO_NCHW, nhwcDims } from './layout.js';
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

/** Row-major (NCHW) reshape between rank 2 and 4; -1 and 0 must already be resolved. */
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
  const aliased = from.length !== 4 || from[2]! * from[3]! === 1;
  const rowMajor = to.length !== 4 || to[1] === 1 || to[2]! * to[3]! === 1;
  return aliased && rowMajor ? 'flatten' : 'reshape';
}

export const reshapeOp: OpDef<ReshapeNode> = {
  ops: ['reshape'],
  lower: (n, c): ReshapeExecNode | FlattenExecNode | IdentityExecNode => ({ ...c.base, kind: reshapeKind(c.shape(n.inputs[0]!), c.shape(n.output)) }),
};

export const flattenOp: OpDef<FlattenNode> = {
  ops: ['flatten'],
  lower: (_n, c): FlattenExecNode => ({ ...c.base, kind: 'flatten' }),
  exportOnnx: (n, c) => c.emit({ op: 'Flatten', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axis: { int: 1 } } }),
};

export const reshapeKernel: KernelDef<ReshapeExecNode> = {
  kinds: ['reshape'],
  kernel: (n, c) => {
    // through NCHW order: gather the input to row-major unless it is already, scatter to NHWC unless the output is row-major
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const label = c.label;
    const gatherIn = !isRowMajorStorage(inShape);
    const scatterOut = !isRowMajorStorage(outShape);
    const total = elementCount(outShape);
    const toNchw = (src: BufferBinding, dst: BufferBinding) => permute4d(nhwcDims(inShape), NHWC_TO_NCHW, src, dst, `${label} (to NCHW)`);
    const toNhwc = (src: BufferBinding, dst: BufferBinding) => permute4d(outShape as [number, number, number, number], NCHW_TO_NHWC, src, dst, `${label} (to NHWC)`);
    return {
      weights: {},
      scratchFloats: gatherIn && scatterOut ? total : 0,
      writesSlices: false,
      dispatches: (b) => {
        const x = b.read(n.inputs[0]!);
        if (gatherIn && scatterOut) return [toNchw(x, b.scratch!), toNhwc(b.scratch!, b.write)];
        if (gatherIn) return [toNchw(x, b.write)];
        if (scatterOut) return [toNhwc(x, b.write)];
        return [activationKernel(total, 'none', x, b.write, label)];
      },
    };
  },
};

export const flattenKernel: KernelDef<FlattenExecNode> = {
  kinds: ['flatten'],
  kernel: (n, c) => {
    // NHWC data flattened in PyTorch's (C, H, W) order: a gather to NCHW; a view of the input (no step) when it is [N, F] or H·W = 1
    const inShape = c.shape(n.inputs[0]!);
    const view = inShape.length !== 4 || inShape[2]! * inShape[3]! === 1;
    const dims = nhwcDims(inShape);
    return dispatchOnly((b) => [permute4d(dims, NHWC_TO_NCHW, b.read(n.inputs[0]!), b.write, c.label)], { writesSlices: false, ...(view ? { placement: 'view' as const } : {}) });
  },
};
