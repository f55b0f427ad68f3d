/**
 * Elementwise add, sub, mul and div with numpy broadcasting, and PReLU
 * (a ≥ 0 ? a : a·slope, one learnable slope per channel). All execute as a
 * `binary` node — one dispatch reading each operand through broadcast strides
 * — PReLU's slopes as a constant operand uploaded with the node.
 */
import { GraphError } from '../errors.js';
import { elementwiseBinaryStrided } from '../kernels/elementwise.js';
import type { BufferBinding } from '../kernels/dispatch.js';
import type { Activation, ActivationParams, BinaryOp } from '../vocabulary.js';
import { activation } from './activation.js';
import { requireRuntime } from './checks.js';
import { broadcastStridesAlong, storageWalk } from './layout.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, LowerContext, NodeKernel, OpDef } from './op.js';
import { runtime, scalarConst, shapeOfValue, type OnnxHandler, type OnnxNodeContext, type Value } from './onnx_import.js';
import { broadcastDims, broadcastShapes } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div';

export interface BinaryNode extends NodeBase {
  readonly op: BinaryOpName;
}

export interface PreluNode extends NodeBase {
  readonly op: 'prelu';
  /** The slopes, [C]. */
  readonly weight: string;
}

/** A constant operand of a binary node, uploaded with it instead of read from a tensor. */
export interface ConstantOperand {
  /** Which operand it is; the node's single input is the other. */
  readonly position: 0 | 1;
  /** Logical shape (any rank, broadcast numpy-style). */
  readonly shape: Shape;
  /** In GPU layout (layout.ts toStorageLayout). */
  readonly data: Float32Array;
}

export interface BinaryExecNode extends ExecNodeBase {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
  readonly constant?: ConstantOperand;
}

/**
 * Elementwise a OP b (add, sub, mul, div) with numpy broadcasting (e.g. b
 * [N, C, 1, 1], [1, C, 1, 1], [1], [1, F]; squeeze-and-excitation multiplies
 * by b [N, C, 1, 1]).
 */
export function binary(b: BuildContext, op: BinaryOpName, a: Tensor, bb: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, op);
  const shape = broadcastShapes(a.shape, bb.shape);
  if (!shape) throw new GraphError(n, `shape mismatch: ${showShape(a.shape)} ${op} ${showShape(bb.shape)} do not broadcast (numpy rules: aligned from the right, each dimension equal or 1)`);
  return b.node<BinaryNode>({ op, name: n }, [a, bb], shape);
}

/**
 * PReLU: x ≥ 0 ? x : slope[c]·x with one learnable slope per channel,
 * declared as `${name}.weight` of shape [C] (axis 1 of [N, C, H, W] or [N, C]).
 */
export function prelu(b: BuildContext, x: Tensor, o: { name?: string } = {}): Tensor {
  const name = b.nodeName(o.name, 'prelu');
  requireRuntime(x, name);
  if (x.shape.length < 2) throw new GraphError(name, `expects channels on axis 1, got ${showShape(x.shape)}`);
  const weight = b.param(`${name}.weight`, [x.shape[1]!], true);
  return b.node<PreluNode>({ op: 'prelu', name, weight }, [x], x.shape);
}

const padLeft = (shape: readonly number[], rank: number): number[] => [...Array(rank - shape.length).fill(1), ...shape];

/** Both operands as builder tensors in their own shapes (the kernel broadcasts across ranks and layouts). */
export function operands(c: OnnxNodeContext, a: Value, b: Value): { ta: Tensor; tb: Tensor; shape: number[] } {
  const shape = broadcastDims(shapeOfValue(a), shapeOfValue(b));
  const one = (v: Value, i: number): Tensor => (v.kind === 'runtime' ? c.tensor(v) : c.constantTensor(v.value, v.value.dims, c.inputNames[i] || `${c.name}.input${i}`));
  return { ta: one(a, 0), tb: one(b, 1), shape };
}

function importBinary(op: BinaryOpName): OnnxHandler {
  return (c) => {
    const { ta, tb, shape } = operands(c, c.input(0), c.input(1));
    return [runtime(binary(c.build, op, ta, tb, c.name), shape)];
  };
}

/** The opset from which PRelu's slope broadcasts (unidirectionally, numpy-style) against the input. */
const PRELU_BROADCAST_OPSET = 7;

/** PRelu: a per-channel slope is prelu, one slope is leaky_relu, anything else relu(x) − slope·relu(−x). */
const importPrelu: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const slopeIn = c.input(1);
  if (slopeIn.kind === 'const') {
    const slope = slopeIn.value;
    if (slope.data.length === 1) return [runtime(activation(c.build, c.tensor(v), 'leaky_relu', { name: c.name, alpha: slope.data[0]! }), v.shape)];
    const channels = v.shape[1];
    const dims = padLeft(slope.dims, v.shape.length);
    // before opset 7 PRelu had no broadcasting: a [C] slope is one per channel of axis 1 (PyTorch's
    // exports at opset 6 rely on it); from 7 on it broadcasts numpy-style, aligned from the right
    const legacyPerChannel = c.opset < PRELU_BROADCAST_OPSET && slope.dims.length === 1 && slope.dims[0] === channels;
    const perChannel = v.shape.length >= 2 && (legacyPerChannel || dims.every((d, i) => (i === 1 ? d === channels : d === 1)));
    if (perChannel) {
      const y = prelu(c.build, c.tensor(v), { name: c.name });
      c.setWeight(`${c.name}.weight`, Float32Array.from(slope.data));
      return [runtime(y)];
    }
  }
  const x = c.tensor(v);
  const positive = activation(c.build, x, 'relu', c.sub('positive'));
  const negated = binary(c.build, 'mul', x, c.constantTensor(scalarConst(-1), [1], `${c.name}.minus_one`), c.sub('negate'));
  const negative = activation(c.build, negated, 'relu', c.sub('negative'));
  const { ta, tb, shape } = operands(c, runtime(negative, v.shape), slopeIn);
  const scaledNegative = binary(c.build, 'mul', ta, tb, c.sub('slope'));
  return [runtime(binary(c.build, 'sub', positive, scaledNegative, c.name), shape)];
};

const ONNX_OP: Readonly<Record<BinaryOpName, string>> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div' };

export const binaryOp: OpDef<BinaryNode> = {
  ops: ['add', 'sub', 'mul', 'div'],
  lower: (n, c: LowerContext): BinaryExecNode => ({ ...c.base, kind: 'binary', op: n.op, activation: 'none' }),
  exportOnnx: (n, c: ExportContext) => c.emit({ op: ONNX_OP[n.op], name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
  onnx: { Add: importBinary('add'), Sub: importBinary('sub'), Mul: importBinary('mul'), Div: importBinary('div') },
};

export const preluOp: OpDef<PreluNode> = {
  ops: ['prelu'],
  lower: (n, c: LowerContext): BinaryExecNode => {
    // the slopes are a constant operand broadcast along axis 1
    const shape = c.shape(n.output);
    const slopeShape = shape.map((d, i) => (i === 1 ? d : 1));
    return { ...c.base, kind: 'binary', op: 'prelu', activation: 'none', constant: { position: 1, shape: slopeShape, data: c.weight(n.weight) } };
  },
  parameters: (n) => [n.weight],
  exportOnnx: (n, c: ExportContext) => {
    // ONNX broadcasts the slope from the right: [C] becomes [C, 1, …] so that it lines up with axis 1
    const rank = c.shape(n.output).length;
    const channels = c.shape(n.output)[1]!;
    const slope = `${n.name}.slope`;
    c.emit({ op: 'Reshape', name: `${n.name}.slope_shape`, inputs: [c.param(n.weight), c.int64s(`${n.name}.slope_dims`, [channels, ...new Array<number>(rank - 2).fill(1)])], outputs: [slope] });
    c.emit({ op: 'PRelu', name: n.name, inputs: [c.name(n.inputs[0]!), slope], outputs: [c.name(n.output)] });
  },
  onnx: { PRelu: importPrelu },
};

export const binaryKernel: KernelDef<BinaryExecNode> = {
  kinds: ['binary'],
  kernel: (n, c: KernelContext): NodeKernel => {
    // a constant operand is uploaded with the node; the single input is then the other operand
    const k = n.constant;
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const shapes = k ? (k.position === 0 ? [k.shape, inShape] : [inShape, k.shape]) : [inShape, c.shape(n.inputs[1]!)];
    // walk the output in its storage order; each operand through its own storage strides, 0 where it broadcasts
    const { order, dims } = storageWalk(outShape);
    const params = {
      op: n.op,
      dims,
      aStrides: broadcastStridesAlong(shapes[0]!, outShape.length, order),
      bStrides: broadcastStridesAlong(shapes[1]!, outShape.length, order),
      activation: n.activation,
      activationParams: n.activationParams,
    };
    const label = c.label;
    return {
      weights: k ? { constant: k.data } : {},
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => {
        const operand = (i: 0 | 1): BufferBinding => (k?.position === i ? b.weights.constant! : b.read(n.inputs[k ? 0 : i]!));
        return [elementwiseBinaryStrided(params, operand(0), operand(1), b.write, label)];
      },
    };
  },
};
