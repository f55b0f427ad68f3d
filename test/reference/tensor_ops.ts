/**
 * Float64 references of the shape-moving and broadcasting ops the ONNX
 * importer needs, on row-major (NCHW) tensors of any rank, written index by
 * index from their numpy/ONNX definitions.
 */
import { applyOp, type BinaryOpRef } from './elementwise.js';

type Shape = readonly number[];

const count = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape`. */
function strides(shape: Shape): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The multi-index of flat position `k` in `shape`. */
function unflatten(k: number, shape: Shape): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = k % shape[i]!;
    k = Math.floor(k / shape[i]!);
  }
  return idx;
}

/** numpy broadcasting: shapes aligned from the right, a size-1 axis repeats. */
export function broadcastBinaryRef(op: BinaryOpRef, a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>, bShape: Shape): { out: Float64Array; shape: number[] } {
  const rank = Math.max(aShape.length, bShape.length);
  const padded = (s: Shape) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [padded(aShape), padded(bShape)];
  const shape = pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) throw new Error(`broadcastBinaryRef: [${aShape}] and [${bShape}] do not broadcast`);
    return Math.max(d, pb[i]!);
  });
  const [sa, sb] = [strides(pa), strides(pb)];
  const out = new Float64Array(count(shape));
  for (let k = 0; k < out.length; k++) {
    const idx = unflatten(k, shape);
    let ia = 0;
    let ib = 0;
    idx.forEach((v, i) => {
      ia += (pa[i] === 1 ? 0 : v) * sa[i]!;
      ib += (pb[i] === 1 ? 0 : v) * sb[i]!;
    });
    out[k] = applyOp(op, a[ia]!, b[ib]!);
  }
  return { out, shape };
}

/** PReLU with one slope per index of axis 1. */
export function preluRef(x: ArrayLike<number>, shape: Shape, slope: ArrayLike<number>): Float64Array {
  const inner = count(shape.slice(2));
  return Float64Array.from({ length: x.length }, (_, k) => {
    const v = x[k]!;
    return v >= 0 ? v : v * slope[Math.floor(k / inner) % shape[1]!]!;
  });
}

/** Output axis i is input axis perm[i]. */
export function transposeRef(x: ArrayLike<number>, shape: Shape, perm: readonly number[]): Float64Array {
  const outShape = perm.map((p) => shape[p]!);
  const s = strides(shape);
  const out = new Float64Array(x.length);
  for (let k = 0; k < out.length; k++) {
    const idx = unflatten(k, outShape);
    out[k] = x[idx.reduce((sum, v, i) => sum + v * s[perm[i]!]!, 0)]!;
  }
  return out;
}

/** Keeps indices start, start + step, … below end of `axis`. */
export function sliceRef(x: ArrayLike<number>, shape: Shape, axis: number, start: number, end: number, step: number): Float64Array {
  const kept: number[] = [];
  for (let i = start; i < Math.min(end, shape[axis]!); i += step) kept.push(i);
  const outShape = shape.map((d, i) => (i === axis ? kept.length : d));
  const s = strides(shape);
  const out = new Float64Array(count(outShape));
  for (let k = 0; k < out.length; k++) {
    const idx = unflatten(k, outShape);
    out[k] = x[idx.reduce((sum, v, i) => sum + (i === axis ? kept[v]! : v) * s[i]!, 0)]!;
  }
  return out;
}

/** Keeps, on each windowed axis, `count` indices start, start + step, … (step may be negative). */
export function sliceWindowsRef(x: ArrayLike<number>, shape: Shape, windows: readonly { axis: number; start: number; step: number; count: number }[]): Float64Array {
  const outShape = [...shape];
  for (const w of windows) outShape[w.axis] = w.count;
  const s = strides(shape);
  const out = new Float64Array(count(outShape));
  for (let k = 0; k < out.length; k++) {
    const idx = unflatten(k, outShape);
    for (const w of windows) idx[w.axis] = w.start + idx[w.axis]! * w.step;
    out[k] = x[idx.reduce((sum, v, i) => sum + v * s[i]!, 0)]!;
  }
  return out;
}

/** Concatenation along `axis` of row-major tensors of equal rank. */
export function concatAxisRef(parts: readonly { data: ArrayLike<number>; shape: Shape }[], axis: number): Float64Array {
  const outer = count(parts[0]!.shape.slice(0, axis));
  const total = parts.reduce((sum, p) => sum + p.data.length, 0);
  const out = new Float64Array(total);
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const block = p.data.length / outer;
      for (let i = 0; i < block; i++) out[k++] = p.data[o * block + i]!;
    }
  return out;
}

/** ONNX Reduce* over `axes` of a row-major tensor, in float64 (keepdims only changes the shape, not the data order). */
export function reduceRef(x: ArrayLike<number>, shape: Shape, op: string, axes: readonly number[]): Float64Array {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: count(outShape) }, () => []);
  for (let k = 0; k < x.length; k++) {
    const idx = unflatten(k, shape).map((v, i) => (axes.includes(i) ? 0 : v));
    groups[idx.reduce((sum, v, i) => sum * outShape[i]! + v, 0)]!.push(x[k]!);
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const apply: Record<string, (v: number[]) => number> = {
    sum,
    mean: (v) => sum(v) / v.length,
    max: (v) => (v.some(Number.isNaN) ? NaN : Math.max(...v)),
    min: (v) => (v.some(Number.isNaN) ? NaN : Math.min(...v)),
    prod: (v) => v.reduce((a, b) => a * b, 1),
    l1: (v) => sum(v.map(Math.abs)),
    l2: (v) => Math.sqrt(sum(v.map((a) => a * a))),
    logsum: (v) => Math.log(sum(v)),
    // shifted by the max so large inputs do not overflow float64 either; a max of ±∞ or NaN is the answer itself
    logsumexp: (v) => {
      const top = v.some(Number.isNaN) ? NaN : Math.max(...v);
      return Number.isFinite(top) ? top + Math.log(sum(v.map((a) => Math.exp(a - top)))) : top;
    },
    sumsquare: (v) => sum(v.map((a) => a * a)),
  };
  return Float64Array.from(groups, (g) => apply[op]!(g));
}

/** Each output element from the input element at `source(outputIndex)` (a row-major index tuple → input tuple). */
function remap(x: ArrayLike<number>, shape: Shape, outShape: Shape, source: (idx: number[]) => number[]): Float64Array {
  const s = strides(shape);
  const out = new Float64Array(count(outShape));
  for (let k = 0; k < out.length; k++) out[k] = x[source(unflatten(k, outShape)).reduce((sum, v, i) => sum + v * s[i]!, 0)]!;
  return out;
}

/** numpy broadcast of `x` to `outShape`. */
export function expandRef(x: ArrayLike<number>, shape: Shape, outShape: Shape): Float64Array {
  const lead = outShape.length - shape.length;
  return remap(x, shape, outShape, (idx) => shape.map((d, i) => (d === 1 ? 0 : idx[i + lead]!)));
}

/** `x` repeated along each axis. */
export function tileRef(x: ArrayLike<number>, shape: Shape, repeats: readonly number[]): Float64Array {
  return remap(x, shape, shape.map((d, i) => d * repeats[i]!), (idx) => idx.map((v, i) => v % shape[i]!));
}

/** Picks `indices` along `axis` (the axis's extent becomes indices.length). */
export function gatherRef(x: ArrayLike<number>, shape: Shape, axis: number, indices: readonly number[]): Float64Array {
  return remap(x, shape, shape.map((d, i) => (i === axis ? indices.length : d)), (idx) => idx.map((v, i) => (i === axis ? indices[v]! : v)));
}

/** numpy matmul of rank ≥ 2 operands with broadcast batch axes. */
export function batchMatmulRef(a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>, bShape: Shape, outShape: Shape): Float64Array {
  const rank = outShape.length;
  const [m, n] = [outShape[rank - 2]!, outShape[rank - 1]!];
  const k = aShape[aShape.length - 1]!;
  const batch = outShape.slice(0, -2);
  const offset = (shape: Shape, idx: number[]): number => {
    const own = shape.slice(0, -2);
    const lead = batch.length - own.length;
    return own.reduce((sum, d, i) => sum * d + (d === 1 ? 0 : idx[i + lead]!), 0);
  };
  const out = new Float64Array(count(outShape));
  for (let p = 0; p < count(batch); p++) {
    const idx = unflatten(p, batch);
    const [ao, bo] = [offset(aShape, idx) * m * k, offset(bShape, idx) * k * n];
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let q = 0; q < k; q++) sum += a[ao + i * k + q]! * b[bo + q * n + j]!;
        out[(p * m + i) * n + j] = sum;
      }
  }
  return out;
}

/** Constant padding of the last two axes of NCHW, pads [top, left, bottom, right]. */
export function padRef(x: ArrayLike<number>, shape: Shape, pads: readonly number[], value: number): Float64Array {
  const [n, c, h, w] = shape as [number, number, number, number];
  const [top, left, bottom, right] = pads as [number, number, number, number];
  const [oh, ow] = [h + top + bottom, w + left + right];
  const out = new Float64Array(n * c * oh * ow).fill(value);
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) out[(p * oh + y + top) * ow + xx + left] = x[(p * h + y) * w + xx]!;
  return out;
}

/** [M, K] × [K, N]. */
export function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[t * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}
