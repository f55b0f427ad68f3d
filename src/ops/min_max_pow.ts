/**
 * Elementwise min, max and pow of two tensors with numpy broadcasting (a
 * `binary` node, like add), and the ONNX ops built from them: Pow (an
 * activation when the exponent is one constant number), and the variadic
 * Min, Max, Sum and Mean, each a chain of binary nodes (Mean: the sum, then
 * a `scale` by 1/N that fusion moves into the last add).
 */
import { GraphError } from '../errors.js';
import { activation } from './activation.js';
import { binary, operands, type BinaryExecNode } from './binary.js';
import type { BuildContext, ExportContext, LowerContext, OpDef } from './op.js';
import { runtime, type OnnxHandler, type OnnxNodeContext, type Value } from './onnx_import.js';
import { broadcastShapes } from './shape_math.js';
import { showShape, type NodeBase, type Tensor } from './types.js';

export type MinMaxPowOp = 'min' | 'max' | 'pow';

export interface MinMaxPowNode extends NodeBase {
  readonly op: MinMaxPowOp;
}

/**
 * min(a, b), max(a, b) (NaN when either is NaN) or a^b (ONNX's pow: a
 * negative base takes integer exponents, else NaN), numpy broadcasting.
 * @example minMaxPow(b, 'max', x, floor)   // floor [1, C, 1, 1] against x [N, C, H, W]
 */
export function minMaxPow(b: BuildContext, op: MinMaxPowOp, a: Tensor, bb: Tensor, name?: string): Tensor {
  const n = b.nodeName(name, op);
  const shape = broadcastShapes(a.shape, bb.shape);
  if (!shape) throw new GraphError(n, `shape mismatch: ${showShape(a.shape)} ${op} ${showShape(bb.shape)} do not broadcast (numpy rules: aligned from the right, each dimension equal or 1)`);
  return b.node<MinMaxPowNode>({ op, name: n }, [a, bb], shape);
}

type ChainOp = 'add' | 'min' | 'max';

/** a OP b of two import values, as a runtime value of their broadcast ONNX shape. */
function combine(c: OnnxNodeContext, op: ChainOp | 'pow', a: Value, b: Value, name: string): Value {
  const { ta, tb, shape } = operands(c, a, b);
  const y = op === 'add' ? binary(c.build, 'add', ta, tb, name) : minMaxPow(c.build, op, ta, tb, name);
  return runtime(y, shape);
}

/** Folds the node's inputs left to right with op; the last step carries the node's name unless more follows. */
function chain(c: OnnxNodeContext, op: ChainOp, last: boolean): Value {
  const n = c.inputs.length;
  if (n === 0 || c.inputs.some((v) => v === undefined)) throw c.format(`${c.opType} needs one or more inputs`);
  let acc = c.input(0);
  for (let i = 1; i < n; i++) acc = combine(c, op, acc, c.input(i), i === n - 1 && last ? c.name : c.sub(`${op}${i}`));
  return acc;
}

const variadic =
  (op: ChainOp): OnnxHandler =>
  (c) =>
    // one input: the output is that value, as Identity
    [chain(c, op, true)];

/** Mean = Sum · (1/N). */
const importMean: OnnxHandler = (c) => {
  const sum = chain(c, 'add', false);
  if (c.inputs.length === 1) return [sum];
  const v = sum as Extract<Value, { kind: 'runtime' }>;
  return [runtime(activation(c.build, c.tensor(v), 'scale', { name: c.name, alpha: 1 / c.inputs.length }), v.shape)];
};

/** Pow: a constant single-number exponent is the `pow` activation (fusable); any other exponent is the binary op. */
const importPow: OnnxHandler = (c) => {
  const e = c.input(1);
  if (e.kind === 'const' && e.value.data.length === 1) {
    const exponent = e.value.data[0]!;
    if (!Number.isFinite(exponent)) throw c.unsupported('attribute', `Pow exponent must be finite, got ${exponent}`);
    const v = c.runtimeInput(0);
    // broadcasting against a [1] or [1, 1] exponent may raise the rank
    const shape = v.shape.length >= e.value.dims.length ? v.shape : [...Array(e.value.dims.length - v.shape.length).fill(1), ...v.shape];
    return [runtime(activation(c.build, c.tensor(v), 'pow', { name: c.name, exponent }), shape)];
  }
  return [combine(c, 'pow', c.input(0), e, c.name)];
};

const ONNX_OP: Readonly<Record<MinMaxPowOp, string>> = { min: 'Min', max: 'Max', pow: 'Pow' };

export const minMaxPowOp: OpDef<MinMaxPowNode> = {
  ops: ['min', 'max', 'pow'],
  lower: (n, c: LowerContext): BinaryExecNode => ({ ...c.base, kind: 'binary', op: n.op, activation: 'none' }),
  exportOnnx: (n, c: ExportContext) => c.emit({ op: ONNX_OP[n.op], name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)] }),
  onnx: { Pow: importPow, Min: variadic('min'), Max: variadic('max'), Sum: variadic('add'), Mean: importMean },
};
