/**
 * The ONNX ops that make no graph node of their own: Reshape, Flatten,
 * Squeeze and Unsqueeze only relabel a value's shape; Identity, Dropout and
 * Cast pass it through; Shape and Size are constants. (Ops that become graph
 * nodes are imported by their operator module in src/ops/.)
 */
import { relabel, shapeOfValue } from '../ops/onnx_import.js';
import { constant, type NodeContext, type Value } from './context.js';
import { flattenDims, resolveReshape, squeezeDims, unsqueezeDims } from '../ops/shape_math.js';
import { DataType } from './proto.js';
import { intConst, isFloatType } from './tensor.js';

type Handler = (c: NodeContext) => Value[];

const shapeOf = shapeOfValue;

export function reshapeTarget(c: NodeContext): number[] {
  const input = shapeOf(c.input(0));
  if (c.opset < 5) {
    const spec = c.attrs.ints('shape');
    if (!spec) throw c.format('Reshape needs a shape');
    return resolveReshape(input, spec, false);
  }
  const spec = Array.from(c.constInput(1, 'the target shape').data);
  return resolveReshape(input, spec, c.attrs.int('allowzero', 0) === 1);
}

const reshape: Handler = (c) => [relabel(c.input(0), reshapeTarget(c))];
const flatten: Handler = (c) => [relabel(c.input(0), flattenDims(shapeOf(c.input(0)), c.attrs.int('axis', 1)))];

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an optional input from 13. */
function axesOf(c: NodeContext): number[] | undefined {
  return c.opset < 13 ? c.attrs.ints('axes') : c.optionalInts(1, 'axes');
}

const squeeze: Handler = (c) => [relabel(c.input(0), squeezeDims(shapeOf(c.input(0)), axesOf(c)))];
const unsqueeze: Handler = (c) => {
  const axes = axesOf(c);
  if (!axes) throw c.format('Unsqueeze needs axes');
  return [relabel(c.input(0), unsqueezeDims(shapeOf(c.input(0)), axes))];
};

const passThrough: Handler = (c) => {
  if (c.opType === 'Dropout') {
    if (c.outputNames[1]) throw c.unsupported('attribute', 'the mask output of Dropout is not supported');
    const training = c.inputs[2];
    if (training?.kind === 'const' && training.value.data[0]) throw c.unsupported('attribute', 'training_mode true is not supported');
  }
  return [c.input(0)];
};

const cast: Handler = (c) => {
  const to = c.attrs.int('to', 0);
  const v = c.input(0);
  // an index tensor (ArgMax, TopK) stays int64: to int64 it passes, to float it would feed float ops
  if (v.kind === 'runtime' && v.tensor.dtype === 'int64') {
    if (to === DataType.INT64) return [v];
    throw c.unsupported('dtype', `casting an int64 tensor computed on the GPU (ArgMax/ArgMin or TopK indices) to element type ${to}: integer tensors may only be graph outputs`);
  }
  if (!isFloatType(to)) throw c.unsupported('dtype', `casting a runtime tensor to element type ${to}: only float32 tensors run on the GPU`);
  return [c.input(0)];
};

const shape: Handler = (c) => {
  const dims = shapeOf(c.input(0));
  const rank = dims.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(c.attrs.int('start', 0));
  const end = clamp(c.attrs.int('end', rank));
  return [constant(intConst(dims.slice(start, Math.max(start, end))))];
};

const size: Handler = (c) => [constant(intConst([shapeOf(c.input(0)).reduce((a, b) => a * b, 1)], []))];

export const SHAPE_OPS: Record<string, Handler> = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Identity: passThrough,
  Dropout: passThrough,
  Cast: cast,
  Shape: shape,
  Size: size,
};
