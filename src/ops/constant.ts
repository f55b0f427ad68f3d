/**
 * A tensor whose data is a non-learnable parameter (an ONNX initializer such
 * as a normalisation mean). It executes as a `constant` node: the data is
 * uploaded once in GPU layout and copied into the arena each run; binary ops
 * take their constant operands inline instead.
 */
import { GraphError } from '../errors.js';
import { activation as activationKernel } from '../kernels/elementwise.js';
import { MAX_RANK } from './checks.js';
import { toStorageLayout } from './layout.js';
import type { BuildContext, KernelContext, KernelDef, LowerContext, NodeKernel, OpDef } from './op.js';
import { showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface ConstantNode extends NodeBase {
  readonly op: 'constant';
  /** The parameter holding the data (NCHW). */
  readonly param: string;
}

/** A parameter materialized as a tensor, data in GPU layout. */
export interface ConstantExecNode extends ExecNodeBase {
  readonly kind: 'constant';
  readonly data: Float32Array;
}

/**
 * A tensor whose data is the non-learnable parameter `name` (an ONNX
 * initializer such as a normalisation mean), of any rank up to 6.
 * @example div(b, sub(b, x, constantParam(b, 'mean', [1, 3, 1, 1])), constantParam(b, 'std', [1, 3, 1, 1]))
 */
export function constantParam(b: BuildContext, name: string, shape: Shape): Tensor {
  const node = b.nodeName(undefined, 'constant');
  if (shape.length > MAX_RANK || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new GraphError(node, `constant "${name}" must have 0 to ${MAX_RANK} positive integer dimensions, got ${showShape(shape)}`);
  }
  const param = b.param(name, shape, false);
  return b.node<ConstantNode>({ op: 'constant', name: node, param }, [], shape);
}

export const constantOp: OpDef<ConstantNode> = {
  ops: ['constant'],
  lower: (n, c: LowerContext): ConstantExecNode => ({ ...c.base, kind: 'constant', data: toStorageLayout(c.shape(n.output), c.weight(n.param)) }),
  // the parameter becomes an initializer of its shape; Identity gives it the tensor's name
  exportOnnx: (n, c) => c.emit({ op: 'Identity', name: n.name, inputs: [c.param(n.param)], outputs: [c.name(n.output)] }),
};

export const constantKernel: KernelDef<ConstantExecNode> = {
  kinds: ['constant'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const label = c.label;
    // copied into the arena each run (a tensor's memory is shared over its lifetime); binary ops take constants inline instead
    return {
      weights: { value: n.data },
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => [activationKernel(n.data.length, 'none', b.weights.value!, b.write, label)],
    };
  },
};
