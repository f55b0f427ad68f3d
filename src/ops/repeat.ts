/**
 * Expand (numpy broadcasting to a larger shape) and Tile (each axis repeated
 * a whole number of times) on tensors of any rank: both only copy elements,
 * so each is one strided copy (kernels/strided.ts) whose input view has
 * stride 0 where the input is repeated. A tiled axis of extent r·d is walked
 * as two axes, r copies (input stride 0) of the d elements.
 */
import { GraphError } from '../errors.js';
import { stridedCopies, stridedCopy } from '../kernels/strided.js';
import { requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { broadcastStridesAlong, storageOrder, storageStrides, storageWalk } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { broadcastShapes } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface ExpandNode extends NodeBase {
  readonly op: 'expand';
}

export interface TileNode extends NodeBase {
  readonly op: 'tile';
  readonly repeats: readonly number[];
}

export interface ExpandExecNode extends ExecNodeBase {
  readonly kind: 'expand';
}

export interface TileExecNode extends ExecNodeBase {
  readonly kind: 'tile';
  readonly repeats: readonly number[];
}

/** `x` broadcast numpy-style against `shape` (the result is the broadcast of both, as ONNX Expand). */
export function expand(b: BuildContext, x: Tensor, shape: Shape, name?: string): Tensor {
  const n = b.nodeName(name, 'expand');
  requireRuntime(x, n);
  const out = broadcastShapes(x.shape, shape);
  if (!out) throw new GraphError(n, `${showShape(x.shape)} does not broadcast to ${showShape(shape)}`);
  return b.node<ExpandNode>({ op: 'expand', name: n }, [x], out);
}

/** `x` repeated `repeats[i]` times along each axis i. */
export function tile(b: BuildContext, x: Tensor, repeats: readonly number[], name?: string): Tensor {
  const n = b.nodeName(name, 'tile');
  requireRuntime(x, n);
  if (repeats.length !== x.shape.length || repeats.some((r) => !Number.isInteger(r) || r < 1)) {
    throw new GraphError(n, `repeats [${repeats.join(', ')}] must be one positive integer per axis of ${showShape(x.shape)}`);
  }
  return b.node<TileNode>({ op: 'tile', name: n, repeats: [...repeats] }, [x], x.shape.map((d, i) => d * repeats[i]!));
}

const importExpand: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const shape = Array.from(c.constInput(1, 'the target shape').data);
  return [runtime(expand(c.build, c.tensor(v), shape, c.name))];
};

const importTile: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const repeats = Array.from(c.constInput(1, 'repeats').data);
  if (repeats.some((r) => r === 0)) throw c.unsupported('shape', 'a Tile with a repeat of 0 leaves an empty tensor, which is not supported');
  return [runtime(tile(c.build, c.tensor(v), repeats, c.name))];
};

const same = (a: Shape, b: Shape): boolean => a.join() === b.join();

export const expandOp: OpDef<ExpandNode> = {
  ops: ['expand'],
  lower: (n, c): ExpandExecNode | IdentityExecNode => (same(c.shape(n.inputs[0]!), c.shape(n.output)) ? { ...c.base, kind: 'identity' } : { ...c.base, kind: 'expand' }),
  exportOnnx: (n, c) => c.emit({ op: 'Expand', name: n.name, inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.shape`, c.shape(n.output))], outputs: [c.name(n.output)] }),
  onnx: { Expand: importExpand },
};

export const tileOp: OpDef<TileNode> = {
  ops: ['tile'],
  lower: (n, c): TileExecNode | IdentityExecNode => (n.repeats.every((r) => r === 1) ? { ...c.base, kind: 'identity' } : { ...c.base, kind: 'tile', repeats: n.repeats }),
  exportOnnx: (n, c) => c.emit({ op: 'Tile', name: n.name, inputs: [c.name(n.inputs[0]!), c.int64s(`${n.name}.repeats`, n.repeats)], outputs: [c.name(n.output)] }),
  onnx: { Tile: importTile },
};

export const expandKernel: KernelDef<ExpandExecNode> = {
  kinds: ['expand'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const out = storageWalk(outShape);
    const from = { strides: broadcastStridesAlong(inShape, outShape.length, out.order), offset: 0 };
    return dispatchOnly((b) => [stridedCopy(out.dims, from, { strides: out.strides, offset: 0 }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};

export const tileKernel: KernelDef<TileExecNode> = {
  kinds: ['tile'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const inStrides = storageStrides(inShape);
    const outStrides = storageStrides(outShape);
    // each output axis (in storage order) as repeat × extent: the repeats read the same input elements again
    const dims: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    for (const a of storageOrder(outShape.length)) {
      const d = inShape[a]!;
      dims.push(n.repeats[a]!, d);
      from.push(0, inStrides[a]!);
      to.push(d * outStrides[a]!, outStrides[a]!);
    }
    // five or six repeated axes split into more axes than one walk holds: stridedCopies then peels the outer ones into several dispatches
    return dispatchOnly((b) => stridedCopies(dims, { strides: from, offset: 0 }, { strides: to, offset: 0 }, b.read(n.inputs[0]!), b.write, c.label));
  },
};
