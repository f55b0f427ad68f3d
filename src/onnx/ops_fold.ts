/** Ops evaluated on the CPU when every input is a constant (the fold path of the importer); each result is charged to the import's budget. */
import { constant, type NodeContext, type Value } from './context.js';
import * as fold from './fold.js';
import { reshapeTarget } from './ops_shape.js';
import { flattenDims, normalizeAxes, resolveSlice, squeezeDims, unsqueezeDims } from '../ops/shape_math.js';
import { decodeTensor, makeConst, type ConstTensor } from './tensor.js';
import { DataType } from './proto.js';

type Handler = (c: NodeContext) => Value[];

const arg = (c: NodeContext, i: number): ConstTensor => c.constInput(i, `input ${i}`);
const one = (t: ConstTensor): Value[] => [constant(t)];

function axesOf(c: NodeContext): number[] | undefined {
  return c.opset < 13 ? c.attrs.ints('axes') : c.optionalInts(1, 'axes');
}

/** Constant: a tensor, or since opset 12 one of the value_* attributes. */
const constantOp: Handler = (c) => {
  const t = c.attrs.tensor('value');
  if (t) return one(decodeTensor(t, c.name, c.budget));
  const f = c.attrs.float('value_float');
  if (f !== undefined) return one(makeConst(DataType.FLOAT, [], [f], c.budget));
  const fs = c.attrs.floats('value_floats');
  if (fs) return one(makeConst(DataType.FLOAT, [fs.length], fs, c.budget));
  const i = c.attrs.int('value_int');
  if (i !== undefined) return one(makeConst(DataType.INT64, [], [i], c.budget));
  const is = c.attrs.ints('value_ints');
  if (is) return one(makeConst(DataType.INT64, [is.length], is, c.budget));
  throw c.unsupported('attribute', `a Constant with ${c.attrs.names().join(', ') || 'no value'} is not supported (only numeric tensors)`);
};

const elementwise =
  (op: string): Handler =>
  (c) =>
    one(fold.foldElementwise(op, c.inputs.map((_, i) => arg(c, i)), c.budget));

const clip: Handler = (c) => {
  const x = arg(c, 0);
  const min = c.opset < 11 ? c.attrs.float('min', -Infinity) : c.inputs[1] ? arg(c, 1).data[0]! : -Infinity;
  const max = c.opset < 11 ? c.attrs.float('max', Infinity) : c.inputs[2] ? arg(c, 2).data[0]! : Infinity;
  return one(fold.broadcastMap([x], x.dtype, ([v]) => Math.min(Math.max(v!, min), max), c.budget));
};

const slice: Handler = (c) => {
  const x = arg(c, 0);
  const windows =
    c.opset < 10
      ? resolveSlice(x.dims, c.attrs.ints('starts') ?? [], c.attrs.ints('ends') ?? [], c.attrs.ints('axes'), undefined)
      : resolveSlice(x.dims, Array.from(arg(c, 1).data), Array.from(arg(c, 2).data), c.optionalInts(3, 'axes'), c.optionalInts(4, 'steps'));
  return one(fold.slice(x, windows, c.budget));
};

export const FOLD_OPS: Record<string, Handler> = {
  Constant: constantOp,
  Add: elementwise('Add'),
  Sub: elementwise('Sub'),
  Mul: elementwise('Mul'),
  Div: elementwise('Div'),
  Pow: elementwise('Pow'),
  Max: elementwise('Max'),
  Min: elementwise('Min'),
  Mod: elementwise('Mod'),
  Equal: elementwise('Equal'),
  Less: elementwise('Less'),
  Greater: elementwise('Greater'),
  LessOrEqual: elementwise('LessOrEqual'),
  GreaterOrEqual: elementwise('GreaterOrEqual'),
  And: elementwise('And'),
  Or: elementwise('Or'),
  Not: elementwise('Not'),
  Neg: elementwise('Neg'),
  Abs: elementwise('Abs'),
  Floor: elementwise('Floor'),
  Ceil: elementwise('Ceil'),
  Sqrt: elementwise('Sqrt'),
  Exp: elementwise('Exp'),
  Reciprocal: elementwise('Reciprocal'),
  Relu: elementwise('Relu'),
  Sigmoid: elementwise('Sigmoid'),
  Tanh: elementwise('Tanh'),
  Clip: clip,
  Where: (c) => one(fold.where(arg(c, 0), arg(c, 1), arg(c, 2), c.budget)),
  Cast: (c) => one(fold.cast(arg(c, 0), c.attrs.int('to', DataType.FLOAT), c.budget)),
  Gather: (c) => one(fold.gather(arg(c, 0), arg(c, 1), c.attrs.int('axis', 0), c.budget)),
  Concat: (c) => one(fold.concat(c.inputs.map((_, i) => arg(c, i)), c.attrs.int('axis', 0), c.budget)),
  Slice: slice,
  Transpose: (c) => {
    const x = arg(c, 0);
    return one(fold.transpose(x, c.attrs.ints('perm') ?? [...x.dims.keys()].reverse(), c.budget));
  },
  Reshape: (c) => one(fold.reshaped(arg(c, 0), reshapeTarget(c))),
  Flatten: (c) => one(fold.reshaped(arg(c, 0), flattenDims(arg(c, 0).dims, c.attrs.int('axis', 1)))),
  Squeeze: (c) => one(fold.reshaped(arg(c, 0), squeezeDims(arg(c, 0).dims, axesOf(c)))),
  Unsqueeze: (c) => {
    const axes = axesOf(c);
    if (!axes) throw c.format('Unsqueeze needs axes');
    return one(fold.reshaped(arg(c, 0), unsqueezeDims(arg(c, 0).dims, axes)));
  },
  ConstantOfShape: (c) => {
    const t = c.attrs.tensor('value');
    return one(fold.constantOfShape(Array.from(arg(c, 0).data), t ? decodeTensor(t, c.name, c.budget) : undefined, c.budget));
  },
  Range: (c) => one(fold.range(arg(c, 0), arg(c, 1), arg(c, 2), c.budget)),
  Expand: (c) => one(fold.expand(arg(c, 0), Array.from(arg(c, 1).data), c.budget)),
  Tile: (c) => one(fold.tile(arg(c, 0), Array.from(arg(c, 1).data), c.budget)),
  Identity: (c) => [c.input(0)],
  Dropout: (c) => [c.input(0)],
  ReduceMean: (c) => {
    const x = arg(c, 0);
    const axes = c.opset < 18 ? c.attrs.ints('axes') : c.optionalInts(1, 'axes');
    const ax = normalizeAxes(axes && axes.length ? axes : [...x.dims.keys()], x.dims.length);
    if (ax.length !== 1 || c.attrs.int('keepdims', 1) !== 1) throw c.unsupported('attribute', 'constant ReduceMean folds only over one axis with keepdims');
    return one(fold.reduceMean(x, ax[0]!, c.budget));
  },
};
