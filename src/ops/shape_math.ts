/**
 * The index arithmetic shape ops share — the builder, and ONNX's shape ops
 * whether they run on a constant (folded on the CPU) or on a runtime tensor
 * (lowered to the graph): axis
 * normalization, broadcasting, Reshape's 0 and -1, Squeeze/Unsqueeze axes,
 * Slice's clamping. Failures are OnnxFormatErrors; the caller adds the node.
 */
import { OnnxFormatError } from '../errors.js';
import { elementCount } from './types.js';

/** A possibly negative axis of a rank-`rank` tensor, made non-negative. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new OnnxFormatError(`${what} ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/** Distinct normalized axes. */
export function normalizeAxes(axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, what));
  if (new Set(out).size !== out.length) throw new OnnxFormatError(`${what} [${axes.join(', ')}] repeat an axis`);
  return out;
}

/**
 * numpy broadcasting of two shapes: aligned from the right, each dimension
 * equal or 1 (a 1 takes the other's size, 0 included); undefined when they
 * do not broadcast.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** broadcastShapes, or an OnnxFormatError when the shapes do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const out = broadcastShapes(a, b);
  if (!out) throw new OnnxFormatError(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  return out;
}

/** Reshape's target: 0 copies the input's dimension (unless allowzero), one -1 is inferred. */
export function resolveReshape(input: readonly number[], spec: readonly number[], allowZero: boolean): number[] {
  const total = elementCount(input);
  const out = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw new OnnxFormatError(`reshape target [${spec.join(', ')}] copies dimension ${i}, which [${input.join(', ')}] lacks`);
      return input[i]!;
    }
    if (!Number.isInteger(d) || d < -1) throw new OnnxFormatError(`reshape target [${spec.join(', ')}] has an invalid dimension ${d}`);
    return d;
  });
  const inferred = out.filter((d) => d === -1).length;
  if (inferred > 1) throw new OnnxFormatError(`reshape target [${spec.join(', ')}] has more than one -1`);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (inferred) {
    if (known === 0 || total % known) throw new OnnxFormatError(`cannot reshape [${input.join(', ')}] to [${spec.join(', ')}]`);
    out[out.indexOf(-1)] = total / known;
  } else if (known !== total) {
    throw new OnnxFormatError(`cannot reshape [${input.join(', ')}] (${total} elements) to [${out.join(', ')}]`);
  }
  return out;
}

export function squeezeDims(input: readonly number[], axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return input.filter((d) => d !== 1);
  const drop = new Set(normalizeAxes(axes, input.length));
  for (const a of drop) if (input[a] !== 1) throw new OnnxFormatError(`cannot squeeze axis ${a} of [${input.join(', ')}]: it is not 1`);
  return input.filter((_, i) => !drop.has(i));
}

export function unsqueezeDims(input: readonly number[], axes: readonly number[]): number[] {
  const rank = input.length + axes.length;
  const at = new Set(normalizeAxes(axes, rank));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(at.has(i) ? 1 : input[k++]!);
  return out;
}

/** Flatten's 2-D result. */
export function flattenDims(input: readonly number[], axis: number): [number, number] {
  const a = axis < 0 ? axis + input.length : axis;
  if (!Number.isInteger(a) || a < 0 || a > input.length) throw new OnnxFormatError(`flatten axis ${axis} is out of range for rank ${input.length}`);
  return [elementCount(input.slice(0, a)), elementCount(input.slice(a))];
}

export interface SliceAxis {
  axis: number;
  start: number;
  step: number;
  /** Elements taken. */
  count: number;
}

/** Slice's per-axis windows, clamped as the ONNX spec says (INT_MAX ends, negative indices, negative steps). */
export function resolveSlice(dims: readonly number[], starts: readonly number[], ends: readonly number[], axes: readonly number[] | undefined, steps: readonly number[] | undefined): SliceAxis[] {
  const n = starts.length;
  if (ends.length !== n || (axes && axes.length !== n) || (steps && steps.length !== n)) throw new OnnxFormatError('slice starts, ends, axes and steps differ in length');
  const ax = normalizeAxes(axes ?? starts.map((_, i) => i), dims.length, 'slice axes');
  return ax.map((axis, i) => {
    const dim = dims[axis]!;
    const step = steps?.[i] ?? 1;
    if (!Number.isFinite(step) || step === 0) throw new OnnxFormatError('slice step is 0');
    let start = starts[i]!;
    let end = ends[i]!;
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    return { axis, start, step, count };
  });
}
