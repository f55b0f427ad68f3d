/**
 * Shape ops on runtime values (Reshape, Flatten, Squeeze, Unsqueeze only
 * relabel the shape; Transpose, Concat, Slice, Pad, ReduceMean become graph
 * nodes), pass-through ops, and Shape, whose result is a constant.
 */
import type { Tensor } from '../graph/builder.js';
import { constant, runtime, type NodeContext, type Value } from './context.js';
import { flattenDims, normalizeAxes, normalizeAxis, resolveReshape, resolveSlice, squeezeDims, unsqueezeDims } from './shape_math.js';
import { intConst, isFloatType } from './tensor.js';

type Handler = (c: NodeContext) => Value[];

const shapeOf = (v: Value): readonly number[] => (v.kind === 'const' ? v.value.dims : v.shape);

/** A relabelled runtime value, or the constant with new dims. */
function withShape(v: Value, dims: readonly number[]): Value {
  return v.kind === 'const' ? constant({ ...v.value, dims: [...dims] }) : runtime(v.tensor, dims);
}

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

const reshape: Handler = (c) => [withShape(c.input(0), reshapeTarget(c))];
const flatten: Handler = (c) => [withShape(c.input(0), flattenDims(shapeOf(c.input(0)), c.attrs.int('axis', 1)))];

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an optional input from 13. */
function axesOf(c: NodeContext): number[] | undefined {
  return c.opset < 13 ? c.attrs.ints('axes') : c.optionalInts(1, 'axes');
}

const squeeze: Handler = (c) => [withShape(c.input(0), squeezeDims(shapeOf(c.input(0)), axesOf(c)))];
const unsqueeze: Handler = (c) => {
  const axes = axesOf(c);
  if (!axes) throw c.format('Unsqueeze needs axes');
  return [withShape(c.input(0), unsqueezeDims(shapeOf(c.input(0)), axes))];
};

const passThrough: Handler = (c) => {
  if (c.opType === 'Dropout') {
    if (c.node.output?.[1]) throw c.unsupported('attribute', 'the mask output of Dropout is not supported');
    const training = c.inputs[2];
    if (training?.kind === 'const' && training.value.data[0]) throw c.unsupported('attribute', 'training_mode true is not supported');
  }
  return [c.input(0)];
};

const cast: Handler = (c) => {
  const to = c.attrs.int('to', 0);
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

const transpose: Handler = (c) => {
  const v = c.runtimeInput(0);
  const rank = v.shape.length;
  const perm = c.attrs.ints('perm') ?? [...Array(rank).keys()].reverse();
  if (perm.length !== rank) throw c.format(`perm [${perm.join(', ')}] does not fit rank ${rank}`);
  normalizeAxes(perm, rank, 'perm');
  if (rank === 2 || rank === 4) return [runtime(c.g.transpose(c.tensor(v), perm, c.name))];
  if (rank === 3) return [runtime(c.g.transpose(c.carrier(v), [...perm, 3], c.name), perm.map((p) => v.shape[p]!))];
  throw c.unsupported('shape', `transposing a rank-${rank} tensor is not supported`);
};

/** Runs `f` with `axis` swapped into the channel position of a rank-4 tensor. */
function onChannelAxis(c: NodeContext, ts: Tensor[], axis: number, f: (ts: Tensor[]) => Tensor): Tensor {
  if (axis === 1) return f(ts);
  const perm = [0, 1, 2, 3];
  perm[1] = axis;
  perm[axis] = 1;
  const moved = f(ts.map((t) => c.g.transpose(t, perm, c.sub('move'))));
  return c.g.transpose(moved, perm, c.sub('move_back'));
}

const concatOp: Handler = (c) => {
  const values = c.inputs.map((_, i) => c.input(i));
  const rank = shapeOf(values[0]!).length;
  const axis = normalizeAxis(c.attrs.int('axis', 1), rank);
  const shapes = values.map(shapeOf);
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== shapes[0]![i])) throw c.format(`cannot concat [${s.join(', ')}] with [${shapes[0]!.join(', ')}] along axis ${axis}`);
  }
  const out = [...shapes[0]!];
  out[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  // empty inputs contribute nothing (exporters emit them for dynamic shapes)
  const parts = values.filter((v) => shapeOf(v)[axis]! > 0);
  if (parts.length === 1) return [withShape(parts[0]!, out)];
  // rank 2 and 3 ride as [a, b, c, 1]-style rank-4 tensors
  const four = (s: readonly number[]): number[] => (rank === 4 ? [...s] : rank === 3 ? [...s, 1] : rank === 2 ? [...s, 1, 1] : []);
  if (rank < 2 || rank > 4) throw c.unsupported('shape', `concat of rank-${rank} tensors is not supported`);
  const ts = parts.map((v, i) => (v.kind === 'runtime' ? c.tensor(v, four(v.shape)) : c.state.constantTensor(v.value, four(v.value.dims), c.node.input?.[i] || `${c.name}.input${i}`)));
  const y = onChannelAxis(c, ts, axis, (moved) => c.g.concat(moved, c.name));
  return [runtime(y, out)];
};

/** Slice: starts/ends/axes attributes before opset 10, inputs (with steps) from 10. */
const sliceOp: Handler = (c) => {
  const v = c.runtimeInput(0);
  const windows =
    c.opset < 10
      ? resolveSlice(v.shape, c.attrs.ints('starts') ?? [], c.attrs.ints('ends') ?? [], c.attrs.ints('axes'), undefined)
      : resolveSlice(v.shape, Array.from(c.constInput(1, 'starts').data), Array.from(c.constInput(2, 'ends').data), c.optionalInts(3, 'axes'), c.optionalInts(4, 'steps'));
  const out = [...v.shape];
  for (const w of windows) out[w.axis] = w.count;
  if (v.shape.length < 2) throw c.unsupported('shape', `slicing a rank-${v.shape.length} runtime tensor is not supported`);
  const active = windows.filter((w) => !(w.start === 0 && w.step === 1 && w.count === v.shape[w.axis]));
  if (!active.length) return [v];
  if (active.some((w) => w.count === 0)) throw c.unsupported('shape', 'a slice that leaves an empty tensor is not supported');
  let t = c.carrier(v);
  active.forEach((w, i) => {
    // negative steps walk backwards: same elements as a forward slice only when one is taken
    if (w.step < 0 && w.count > 1) throw c.unsupported('attribute', `negative slice steps are not supported on runtime tensors (axis ${w.axis}, step ${w.step})`);
    const step = w.step < 0 ? 1 : w.step;
    t = c.g.slice(t, { name: i === active.length - 1 ? c.name : c.sub(`axis${w.axis}`), axis: w.axis, start: w.start, end: w.start + (w.count - 1) * step + 1, step });
  });
  return [runtime(t, out)];
};

/** Pad (constant mode): pads attribute before opset 11, inputs from 11 (axes from 18). */
const pad: Handler = (c) => {
  const v = c.runtimeInput(0);
  const mode = c.attrs.string('mode', 'constant');
  if (mode !== 'constant') throw c.unsupported('attribute', `pad mode "${mode}" is not supported (only constant)`);
  const rank = v.shape.length;
  let pads: number[];
  let value: number;
  if (c.opset < 11) {
    pads = c.attrs.ints('pads') ?? c.attrs.ints('paddings') ?? [];
    value = c.attrs.float('value', 0);
  } else {
    pads = Array.from(c.constInput(1, 'pads').data);
    value = c.inputs[2] ? (c.constInput(2, 'constant_value').data[0] ?? 0) : 0;
  }
  const axes = c.opset >= 18 ? c.optionalInts(3, 'axes') : undefined;
  const ax = axes ? normalizeAxes(axes, rank) : [...Array(rank).keys()];
  if (pads.length !== 2 * ax.length) throw c.format(`pads [${pads.join(', ')}] must have ${2 * ax.length} values`);
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  ax.forEach((a, i) => {
    before[a] = pads[i]!;
    after[a] = pads[i + ax.length]!;
  });
  if (rank !== 4 || before[0] || before[1] || after[0] || after[1]) {
    if (before.every((p) => p === 0) && after.every((p) => p === 0)) return [v];
    throw c.unsupported('attribute', `only padding of H and W of [N, C, H, W] is supported, got pads [${pads.join(', ')}] on [${v.shape.join(', ')}]`);
  }
  if ([...before, ...after].some((p) => p < 0)) throw c.unsupported('attribute', `negative pads [${pads.join(', ')}] are not supported`);
  return [runtime(c.g.pad(c.tensor(v), { name: c.name, pads: [before[2]!, before[3]!, after[2]!, after[3]!], value }))];
};

/** ReduceMean over the spatial axes: axes attribute before opset 18, input from 18. */
const reduceMean: Handler = (c) => {
  const v = c.runtimeInput(0);
  const rank = v.shape.length;
  const keepdims = c.attrs.int('keepdims', 1) === 1;
  let axes = c.opset < 18 ? c.attrs.ints('axes') : c.optionalInts(1, 'axes');
  if (!axes || !axes.length) {
    if (c.opset >= 18 && c.attrs.int('noop_with_empty_axes', 0) === 1) return [v];
    axes = [...Array(rank).keys()];
  }
  const ax = normalizeAxes(axes, rank).sort();
  const out = v.shape.map((d, i) => (ax.includes(i) ? 1 : d)).filter((_, i) => keepdims || !ax.includes(i));
  // the spatial axes of [N, C, H, W], or the last axis of [N, C, L] (held as [N, C, L, 1])
  const spatial = (rank === 4 && ax.join() === '2,3') || (rank === 3 && ax.join() === '2');
  if (!spatial) throw c.unsupported('attribute', `ReduceMean over axes [${axes.join(', ')}] of [${v.shape.join(', ')}] is not supported (only the spatial axes)`);
  return [runtime(c.g.reduceMean(c.carrier(v), { name: c.name, axes: [2, 3], keepdims: true }), out)];
};

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
  Transpose: transpose,
  Concat: concatOp,
  Slice: sliceOp,
  Pad: pad,
  ReduceMean: reduceMean,
};
