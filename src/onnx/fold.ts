/**
 * The CPU evaluator for constant subgraphs: the Shape → Gather → Unsqueeze →
 * Concat → Reshape chains exporters emit around flatten and reshape, and
 * initializer-only arithmetic (a transposed or reshaped weight). Small and
 * general: numpy broadcasting, any rank. Results are capped at MAX_ELEMENTS.
 */
import { OnnxFormatError } from '../errors.js';
import { DataType } from './proto.js';
import { broadcastDims, normalizeAxis } from './shape_math.js';
import { elementCountOf, isFloatType, makeConst, MAX_ELEMENTS, type ConstTensor } from './tensor.js';

function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

function checkSize(dims: readonly number[]): number {
  const n = elementCountOf(dims);
  if (n > MAX_ELEMENTS) throw new OnnxFormatError(`a folded constant of shape [${dims.join(', ')}] is too large`);
  return n;
}

/** Element strides of `dims` read at every index of `out` (0 where it broadcasts). */
function broadcastStrides(dims: readonly number[], out: readonly number[]): number[] {
  const own = stridesOf(dims);
  const offset = out.length - dims.length;
  return out.map((_, i) => (i < offset || dims[i - offset] === 1 ? 0 : own[i - offset]!));
}

/** Evaluates f at every index of the broadcast of the operands' shapes. */
export function broadcastMap(operands: readonly ConstTensor[], dtype: number, f: (values: number[]) => number): ConstTensor {
  const dims = operands.reduce<number[]>((acc, t) => broadcastDims(acc, t.dims), []);
  const n = checkSize(dims);
  const strides = operands.map((t) => broadcastStrides(t.dims, dims));
  const out = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
  const index = new Array<number>(dims.length).fill(0);
  const offsets = new Array<number>(operands.length).fill(0);
  const values = new Array<number>(operands.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < operands.length; k++) values[k] = operands[k]!.data[offsets[k]!]!;
    out[i] = f(values);
    // advance the multi-index, updating each operand's offset incrementally
    for (let d = dims.length - 1; d >= 0; d--) {
      index[d]!++;
      for (let k = 0; k < operands.length; k++) offsets[k]! += strides[k]![d]!;
      if (index[d]! < dims[d]!) break;
      for (let k = 0; k < operands.length; k++) offsets[k]! -= strides[k]![d]! * dims[d]!;
      index[d] = 0;
    }
  }
  return { dtype, dims, data: out };
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

export function isFoldableElementwise(op: string): boolean {
  return op in BINARY || op in COMPARE || op in UNARY;
}

/** Elementwise op on constants (binary ops broadcast). */
export function foldElementwise(op: string, inputs: readonly ConstTensor[]): ConstTensor {
  const unary = UNARY[op];
  if (unary) {
    const t = inputs[0]!;
    return broadcastMap([t], op === 'Not' ? DataType.BOOL : t.dtype, ([x]) => toInt(t.dtype, unary(x!)));
  }
  const [a, b] = inputs as [ConstTensor, ConstTensor];
  const compare = COMPARE[op];
  if (compare) return broadcastMap([a, b], DataType.BOOL, ([x, y]) => (compare(x!, y!) ? 1 : 0));
  const int = !isFloatType(a.dtype);
  const f = BINARY[op]!;
  return broadcastMap([a, b], a.dtype, ([x, y]) => f(x!, y!, int));
}

export function where(cond: ConstTensor, a: ConstTensor, b: ConstTensor): ConstTensor {
  return broadcastMap([cond, a, b], a.dtype, ([c, x, y]) => (c ? x! : y!));
}

export function expand(t: ConstTensor, shape: readonly number[]): ConstTensor {
  return expandTo(t, broadcastDims(t.dims, shape));
}

function expandTo(t: ConstTensor, target: readonly number[]): ConstTensor {
  const n = checkSize(target);
  const strides = broadcastStrides(t.dims, target);
  const out = isFloatType(t.dtype) ? new Float32Array(n) : new Float64Array(n);
  const outStrides = stridesOf(target);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let src = 0;
    for (let d = 0; d < target.length; d++) {
      const q = Math.floor(rem / outStrides[d]!);
      rem -= q * outStrides[d]!;
      src += q * strides[d]!;
    }
    out[i] = t.data[src]!;
  }
  return { dtype: t.dtype, dims: [...target], data: out };
}

export function transpose(t: ConstTensor, perm: readonly number[]): ConstTensor {
  const rank = t.dims.length;
  if (perm.length !== rank || [...perm].sort((x, y) => x - y).some((p, i) => p !== i)) throw new OnnxFormatError(`perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  const dims = perm.map((p) => t.dims[p]!);
  const inStrides = stridesOf(t.dims);
  return gatherStrided(t, dims, perm.map((p) => inStrides[p]!), 0);
}

/** Reads `t` at offset + Σ index·strides for every index of `dims`. */
function gatherStrided(t: ConstTensor, dims: readonly number[], strides: readonly number[], offset: number): ConstTensor {
  const n = checkSize(dims);
  const out = isFloatType(t.dtype) ? new Float32Array(n) : new Float64Array(n);
  const index = new Array<number>(dims.length).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = t.data[src]!;
    for (let d = dims.length - 1; d >= 0; d--) {
      index[d]!++;
      src += strides[d]!;
      if (index[d]! < dims[d]!) break;
      src -= strides[d]! * dims[d]!;
      index[d] = 0;
    }
  }
  return { dtype: t.dtype, dims: [...dims], data: out };
}

export function slice(t: ConstTensor, windows: readonly { axis: number; start: number; step: number; count: number }[]): ConstTensor {
  const own = stridesOf(t.dims);
  const dims = [...t.dims];
  const strides = [...own];
  let offset = 0;
  for (const w of windows) {
    dims[w.axis] = w.count;
    strides[w.axis] = own[w.axis]! * w.step;
    offset += w.start * own[w.axis]!;
  }
  if (elementCountOf(dims) === 0) return { dtype: t.dtype, dims, data: isFloatType(t.dtype) ? new Float32Array(0) : new Float64Array(0) };
  return gatherStrided(t, dims, strides, offset);
}

export function gather(t: ConstTensor, indices: ConstTensor, axisAttr: number): ConstTensor {
  if (t.dims.length === 0) throw new OnnxFormatError('gather from a scalar');
  const axis = normalizeAxis(axisAttr, t.dims.length);
  const dim = t.dims[axis]!;
  const outer = elementCountOf(t.dims.slice(0, axis));
  const inner = elementCountOf(t.dims.slice(axis + 1));
  const dims = [...t.dims.slice(0, axis), ...indices.dims, ...t.dims.slice(axis + 1)];
  const n = checkSize(dims);
  const out = isFloatType(t.dtype) ? new Float32Array(n) : new Float64Array(n);
  const k = indices.data.length;
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < k; j++) {
      let idx = indices.data[j]!;
      if (idx < 0) idx += dim;
      if (!Number.isInteger(idx) || idx < 0 || idx >= dim) throw new OnnxFormatError(`gather index ${indices.data[j]} is out of range for a dimension of ${dim}`);
      const base = (a * dim + idx) * inner;
      for (let i = 0; i < inner; i++) out[o++] = t.data[base + i]!;
    }
  }
  return { dtype: t.dtype, dims, data: out };
}

export function concat(ts: readonly ConstTensor[], axisAttr: number): ConstTensor {
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
  const n = checkSize(dims);
  const outer = elementCountOf(first.dims.slice(0, axis));
  const float = ts.some((t) => isFloatType(t.dtype));
  const out = float ? new Float32Array(n) : new Float64Array(n);
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

export function cast(t: ConstTensor, to: number): ConstTensor {
  if (isFloatType(to)) return makeConst(to, t.dims, t.data);
  if (to === DataType.BOOL) return makeConst(to, t.dims, Array.from(t.data, (v) => (v ? 1 : 0)));
  return makeConst(to, t.dims, Array.from(t.data, (v) => (Number.isFinite(v) ? Math.trunc(v) : v)));
}

export function reshaped(t: ConstTensor, dims: readonly number[]): ConstTensor {
  return { dtype: t.dtype, dims: [...dims], data: t.data };
}

export function constantOfShape(shape: readonly number[], value: ConstTensor | undefined): ConstTensor {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new OnnxFormatError(`ConstantOfShape got an invalid dimension ${d}`);
  const n = checkSize(shape);
  const dtype = value?.dtype ?? DataType.FLOAT;
  const out = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
  out.fill(value?.data[0] ?? 0);
  return { dtype, dims: [...shape], data: out };
}

export function range(start: ConstTensor, limit: ConstTensor, delta: ConstTensor): ConstTensor {
  const s = start.data[0] ?? 0;
  const l = limit.data[0] ?? 0;
  const d = delta.data[0] ?? 0;
  if (!d) throw new OnnxFormatError('Range with delta 0');
  const n = Math.max(0, Math.ceil((l - s) / d));
  checkSize([n]);
  const values = Array.from({ length: n }, (_, i) => s + i * d);
  return makeConst(start.dtype, [n], values);
}
