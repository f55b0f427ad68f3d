/**
 * The CPU evaluator for constant subgraphs: the Shape → Gather → Unsqueeze →
 * Concat → Reshape chains exporters emit around flatten and reshape, and
 * initializer-only arithmetic (a transposed or reshaped weight). Small and
 * general: numpy broadcasting, any rank. Every result is charged to the
 * import's MaterializeBudget before its array exists, and no loop runs longer
 * than the elements it writes or reads from an already charged tensor.
 */
import { OnnxFormatError } from '../errors.js';
import { MaterializeBudget } from './budget.js';
import { DataType } from './proto.js';
import { broadcastDims, normalizeAxis } from '../ops/shape_math.js';
import { describeTensor, elementCountOf, isFloatType, newData, type ConstTensor } from './tensor.js';

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/** Element strides of `dims` read at every index of `out` (0 where it broadcasts). */
function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const own = stridesOf(dims);
  const offset = out.length - dims.length;
  return out.map((_, i) => (i < offset || dims[i - offset] === 1 ? 0 : own[i - offset]!));
}

/** One operand of walk(): element i of the result reads data[offset + Σ index·strides]. */
interface Source {
  readonly data: ArrayLike<number>;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * A new `dtype` tensor of `dims` whose element at each index is f of the
 * sources read there (or the one source's value). Charged before allocating;
 * size-1 axes never advance the index, so they are left out of the loop and
 * its rank stays under log2 of the element count, however many the file has.
 */
function walk(dims: readonly number[], dtype: number, sources: readonly Source[], budget: MaterializeBudget, f?: (values: number[]) => number, what?: string): ConstTensor {
  const out = newData(dtype, dims, budget, what);
  const n = out.length;
  if (n === 0) return { dtype, dims: [...dims], data: out };
  const axes = dims.flatMap((d, i) => (d === 1 ? [] : [i]));
  const size = axes.map((a) => dims[a]!);
  const strides = sources.map((s) => axes.map((a) => s.strides[a]!));
  const offsets = sources.map((s) => s.offset);
  const index = new Array<number>(axes.length).fill(0);
  const values = new Array<number>(sources.length);
  const k = sources.length;
  for (let i = 0; i < n; i++) {
    if (f) {
      for (let j = 0; j < k; j++) values[j] = sources[j]!.data[offsets[j]!]!;
      out[i] = f(values);
    } else {
      out[i] = sources[0]!.data[offsets[0]!]!;
    }
    // advance the multi-index, updating each source's offset incrementally
    for (let d = axes.length - 1; d >= 0; d--) {
      index[d]!++;
      for (let j = 0; j < k; j++) offsets[j]! += strides[j]![d]!;
      if (index[d]! < size[d]!) break;
      for (let j = 0; j < k; j++) offsets[j]! -= strides[j]![d]! * size[d]!;
      index[d] = 0;
    }
  }
  return { dtype, dims: [...dims], data: out };
}

/** Evaluates f at every index of the broadcast of the operands' shapes. */
export function broadcastMap(operands: readonly ConstTensor[], dtype: number, f: (values: number[]) => number, budget: MaterializeBudget): ConstTensor {
  const dims = operands.reduce<number[]>((acc, t) => broadcastDims(acc, t.dims), []);
  return walk(
    dims,
    dtype,
    operands.map((t) => ({ data: t.data, strides: broadcastStrides(t.dims, dims), offset: 0 })),
    budget,
    f,
  );
}

function toInt(dtype: number, v: number): number {
  return isFloatType(dtype) ? v : Math.trunc(v);
}

const BINARY: Record<string, (a: number, b: number, int: boolean) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b, int) => (int ? (b === 0 ? 0 : Math.trunc(a / b)) : a / b),
  Pow: (a, b) => a ** b,
  Max: (a, b) => Math.max(a, b),
  Min: (a, b) => Math.min(a, b),
  Mod: (a, b) => (b === 0 ? 0 : a - b * Math.floor(a / b)),
};

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b,
  Less: (a, b) => a < b,
  Greater: (a, b) => a > b,
  LessOrEqual: (a, b) => a <= b,
  GreaterOrEqual: (a, b) => a >= b,
  And: (a, b) => !!a && !!b,
  Or: (a, b) => !!a || !!b,
};

const UNARY: Record<string, (x: number) => number> = {
  Neg: (x) => -x,
  Abs: Math.abs,
  Floor: Math.floor,
  Ceil: Math.ceil,
  Sqrt: Math.sqrt,
  Exp: Math.exp,
  Reciprocal: (x) => 1 / x,
  Relu: (x) => Math.max(0, x),
  Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  Tanh: Math.tanh,
  Not: (x) => (x ? 0 : 1),
  Identity: (x) => x,
};

/** Elementwise op on constants (binary ops broadcast). */
export function foldElementwise(op: string, inputs: readonly ConstTensor[], budget: MaterializeBudget): ConstTensor {
  const unary = UNARY[op];
  if (unary) {
    const t = inputs[0]!;
    return broadcastMap([t], op === 'Not' ? DataType.BOOL : t.dtype, ([x]) => toInt(t.dtype, unary(x!)), budget);
  }
  const [a, b] = inputs as [ConstTensor, ConstTensor];
  const compare = COMPARE[op];
  if (compare) return broadcastMap([a, b], DataType.BOOL, ([x, y]) => (compare(x!, y!) ? 1 : 0), budget);
  const int = !isFloatType(a.dtype);
  const f = BINARY[op]!;
  return broadcastMap([a, b], a.dtype, ([x, y]) => f(x!, y!, int), budget);
}

export function where(cond: ConstTensor, a: ConstTensor, b: ConstTensor, budget: MaterializeBudget): ConstTensor {
  return broadcastMap([cond, a, b], a.dtype, ([c, x, y]) => (c ? x! : y!), budget);
}

/** `t` broadcast to `shape` (ONNX Expand: the result is the broadcast of both shapes). */
export function expand(t: ConstTensor, shape: readonly number[], budget: MaterializeBudget): ConstTensor {
  const target = broadcastDims(t.dims, shape);
  return walk(target, t.dtype, [{ data: t.data, strides: broadcastStrides(t.dims, target), offset: 0 }], budget);
}

/** ONNX Tile: `t` repeated `repeats[i]` times along each axis i. */
export function tile(t: ConstTensor, repeats: readonly number[], budget: MaterializeBudget): ConstTensor {
  const rank = t.dims.length;
  if (repeats.length !== rank) throw new OnnxFormatError(`Tile has ${repeats.length} repeats for a rank-${rank} input`);
  for (const r of repeats) if (!Number.isInteger(r) || r < 0) throw new OnnxFormatError(`Tile got an invalid repeat count ${r}`);
  // [d0, d1] tiled by [r0, r1] reads like [r0, d0, r1, d1] broadcast from [1, d0, 1, d1]
  const spread = t.dims.flatMap((d, i) => [repeats[i]!, d]);
  const own = stridesOf(t.dims);
  const strides = t.dims.flatMap((d, i) => [0, d === 1 ? 0 : own[i]!]);
  const dims = t.dims.map((d, i) => d * repeats[i]!);
  return reshaped(walk(spread, t.dtype, [{ data: t.data, strides, offset: 0 }], budget, undefined, describeTensor(t.dtype, dims)), dims);
}

/** Transpose; weight re-layouts outside the fold path (operator importers, e.g. Gemm's B) pass no budget and get the default limits. */
export function transpose(t: ConstTensor, perm: readonly number[], budget: MaterializeBudget = new MaterializeBudget()): ConstTensor {
  const rank = t.dims.length;
  if (perm.length !== rank || [...perm].sort((x, y) => x - y).some((p, i) => p !== i)) throw new OnnxFormatError(`perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  const inStrides = stridesOf(t.dims);
  return walk(
    perm.map((p) => t.dims[p]!),
    t.dtype,
    [{ data: t.data, strides: perm.map((p) => inStrides[p]!), offset: 0 }],
    budget,
  );
}

export function slice(t: ConstTensor, windows: readonly { axis: number; start: number; step: number; count: number }[], budget: MaterializeBudget): ConstTensor {
  const own = stridesOf(t.dims);
  const dims = [...t.dims];
  const strides = [...own];
  let offset = 0;
  for (const w of windows) {
    dims[w.axis] = w.count;
    strides[w.axis] = own[w.axis]! * w.step;
    offset += w.start * own[w.axis]!;
  }
  return walk(dims, t.dtype, [{ data: t.data, strides, offset }], budget);
}

export function gather(t: ConstTensor, indices: ConstTensor, axisAttr: number, budget: MaterializeBudget): ConstTensor {
  if (t.dims.length === 0) throw new OnnxFormatError('gather from a scalar');
  const axis = normalizeAxis(axisAttr, t.dims.length);
  const dim = t.dims[axis]!;
  const outer = elementCountOf(t.dims.slice(0, axis));
  const inner = elementCountOf(t.dims.slice(axis + 1));
  const dims = [...t.dims.slice(0, axis), ...indices.dims, ...t.dims.slice(axis + 1)];
  const k = indices.data.length;
  const at = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let idx = indices.data[j]!;
    if (idx < 0) idx += dim;
    if (!Number.isInteger(idx) || idx < 0 || idx >= dim) throw new OnnxFormatError(`gather index ${indices.data[j]} is out of range for a dimension of ${dim}`);
    at[j] = idx;
  }
  const out = newData(t.dtype, dims, budget);
  // an empty result may still have a huge outer × k (dims like [2^40, 0])
  if (out.length === 0) return { dtype: t.dtype, dims, data: out };
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < k; j++) {
      const base = (a * dim + at[j]!) * inner;
      for (let i = 0; i < inner; i++) out[o++] = t.data[base + i]!;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}

export function concat(ts: readonly ConstTensor[], axisAttr: number, budget: MaterializeBudget): ConstTensor {
  const first = ts[0]!;
  const rank = first.dims.length;
  const axis = normalizeAxis(axisAttr, rank);
  for (const t of ts) {
    if (t.dims.length !== rank || t.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw new OnnxFormatError(`cannot concat [${t.dims.join(', ')}] with [${first.dims.join(', ')}] along axis ${axis}`);
    }
  }
  const dims = [...first.dims];
  dims[axis] = ts.reduce((s, t) => s + t.dims[axis]!, 0);
  const out = newData(first.dtype, dims, budget);
  if (out.length === 0) return { dtype: first.dtype, dims, data: out };
  const outer = elementCountOf(first.dims.slice(0, axis));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const t of ts) {
      const chunk = elementCountOf(t.dims.slice(axis));
      out.set(t.data.subarray(a * chunk, (a + 1) * chunk), o);
      o += chunk;
    }
  }
  return { dtype: first.dtype, dims, data: out };
}

/** Cast; a cast within the same storage (float to float, integer to integer) shares the data. */
export function cast(t: ConstTensor, to: number, budget: MaterializeBudget): ConstTensor {
  const fromFloat = isFloatType(t.dtype);
  if (isFloatType(to) === fromFloat && (to !== DataType.BOOL || t.dtype === DataType.BOOL)) return { dtype: to, dims: [...t.dims], data: t.data };
  const out = newData(to, t.dims, budget);
  const n = out.length;
  if (to === DataType.BOOL) for (let i = 0; i < n; i++) out[i] = t.data[i] ? 1 : 0;
  else if (isFloatType(to)) out.set(t.data);
  else for (let i = 0; i < n; i++) out[i] = Number.isFinite(t.data[i]!) ? Math.trunc(t.data[i]!) : t.data[i]!;
  return { dtype: to, dims: [...t.dims], data: out };
}

export function reshaped(t: ConstTensor, dims: readonly number[]): ConstTensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

export function constantOfShape(shape: readonly number[], value: ConstTensor | undefined, budget: MaterializeBudget): ConstTensor {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new OnnxFormatError(`ConstantOfShape got an invalid dimension ${d}`);
  const dtype = value?.dtype ?? DataType.FLOAT;
  const out = newData(dtype, shape, budget);
  out.fill(value?.data[0] ?? 0);
  return { dtype, dims: [...shape], data: out };
}

export function range(start: ConstTensor, limit: ConstTensor, delta: ConstTensor, budget: MaterializeBudget): ConstTensor {
  const s = start.data[0] ?? 0;
  const l = limit.data[0] ?? 0;
  const d = delta.data[0] ?? 0;
  if (!Number.isFinite(s) || !Number.isFinite(l) || !Number.isFinite(d)) throw new OnnxFormatError(`Range from ${s} to ${l} by ${d} has no finite length`);
  if (!d) throw new OnnxFormatError('Range with delta 0');
  // the count comes from the file: charged before anything is sized from it
  const n = Math.max(0, Math.ceil((l - s) / d));
  const out = newData(start.dtype, [n], budget);
  for (let i = 0; i < n; i++) out[i] = s + i * d;
  return { dtype: start.dtype, dims: [n], data: out };
}

/** ReduceMean over one axis, keeping it as 1 (the only form exporters fold). */
export function reduceMean(x: ConstTensor, axis: number, budget: MaterializeBudget): ConstTensor {
  const dims = [...x.dims];
  const len = dims[axis]!;
  dims[axis] = 1;
  const out = newData(x.dtype, dims, budget);
  if (out.length === 0) return { dtype: x.dtype, dims, data: out };
  const outer = elementCountOf(x.dims.slice(0, axis));
  const inner = elementCountOf(x.dims.slice(axis + 1));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      // accumulated in float64; the mean of nothing is NaN (0/0), as in numpy
      let acc = len === 0 ? NaN : 0;
      for (let k = 0; k < len; k++) acc += x.data[(o * len + k) * inner + i]! / len;
      out[o * inner + i] = acc;
    }
  }
  return { dtype: x.dtype, dims, data: out };
}
