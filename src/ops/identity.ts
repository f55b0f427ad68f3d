/**
 * Dropout (the identity at inference) and the identity. Both execute as an
 * `identity` node, which the passes remove where they can (aliasing the
 * output to the input); one that remains is a plain copy.
 */
import { activation as activationKernel } from '../kernels/elementwise.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type LowerContext, type NodeKernel, type OpDef } from './op.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface IdentityNode extends NodeBase {
  readonly op: 'dropout' | 'identity';
}

export interface IdentityExecNode extends ExecNodeBase {
  readonly kind: 'identity';
}

/** Identity at inference; removed by the passes. */
export function dropout(b: BuildContext, x: Tensor, name?: string): Tensor {
  return b.node<IdentityNode>({ op: 'dropout', name: b.nodeName(name, 'dropout') }, [x], x.shape);
}

export function identity(b: BuildContext, x: Tensor, name?: string): Tensor {
  return b.node<IdentityNode>({ op: 'identity', name: b.nodeName(name, 'identity') }, [x], x.shape);
}

export const identityOp: OpDef<IdentityNode> = {
  ops: ['dropout', 'identity'],
  lower: (_n, c: LowerContext): IdentityExecNode => ({ ...c.base, kind: 'identity' }),
  exportOnnx: (n, c: ExportContext) => c.emit({ op: 'Identity', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
};

export const identityKernel: KernelDef<IdentityExecNode> = {
  kinds: ['identity'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const total = elementCount(c.shape(n.output));
    const label = c.label;
    return dispatchOnly((b) => [activationKernel(total, 'none', b.read(n.inputs[0]!), b.write, label)]);
  },
};
