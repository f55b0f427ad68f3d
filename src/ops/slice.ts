/**
 * Slice: keeps, on each of some axes of a tensor of any rank, `count`
 * indices start, start + step, … (a negative step walks backwards). A slice
 * that keeps everything lowers to `identity`; any other executes as one
 * strided copy whose input view starts at the first kept element and steps
 * by stride · step, in the tensor's own layout (NHWC or row-major).
 * ONNX Split imports as one slice per output.
 */
import { GraphError } from '../errors.js';
import { stridedCopy } from '../kernels/strided.js';
import { requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { storageStrides, storageWalk } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxis, resolveSlice } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface SliceOptions {
  name?: string;
  /** The logical axis (1 = channels of [N, C, H, W]). */
  axis: number;
  start: number;
  /** Exclusive; clamped to the axis length. */
  end: number;
  /** Default 1. */
  step?: number;
}

/** The indices start, start + step, … (count of them) of one axis; step may be negative. */
export interface SliceWindow {
  readonly axis: number;
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

export interface SliceNode extends NodeBase {
  readonly op: 'slice';
  /** At most one per axis. */
  readonly windows: readonly SliceWindow[];
}

export interface SliceExecNode extends ExecNodeBase {
  readonly kind: 'slice';
  readonly windows: readonly SliceWindow[];
}

/** Keeps indices start, start + step, … below end of one axis. */
export function slice(b: BuildContext, x: Tensor, o: SliceOptions): Tensor {
  const name = b.nodeName(o.name, 'slice');
  const step = o.step ?? 1;
  const { axis, start } = o;
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) throw new GraphError(name, `axis ${axis} is not an axis of ${showShape(x.shape)}`);
  const length = x.shape[axis]!;
  const end = Math.min(o.end, length);
  if (!Number.isInteger(step) || step < 1) throw new GraphError(name, `step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start >= end) {
    throw new GraphError(name, `slice ${start}:${o.end} of axis ${axis} (length ${length}) is empty or not resolved to non-negative integers`);
  }
  return addSlice(b, x, [{ axis, start, step, count: Math.ceil((end - start) / step) }], name);
}

/** Keeps the given windows (one per axis at most; negative steps walk backwards). */
export function sliceWindows(b: BuildContext, x: Tensor, windows: readonly SliceWindow[], name?: string): Tensor {
  return addSlice(b, x, windows, b.nodeName(name, 'slice'));
}

/** The slice node named `n` (already claimed). */
function addSlice(b: BuildContext, x: Tensor, windows: readonly SliceWindow[], n: string): Tensor {
  requireRuntime(x, n);
  const shape = [...x.shape];
  const seen = new Set<number>();
  for (const w of windows) {
    const length = x.shape[w.axis];
    if (length === undefined || seen.has(w.axis)) throw new GraphError(n, `axis ${w.axis} is not an axis of ${showShape(x.shape)} or is sliced twice`);
    seen.add(w.axis);
    const last = w.start + (w.count - 1) * w.step;
    const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < length;
    if (!Number.isInteger(w.step) || w.step === 0 || !Number.isInteger(w.count) || w.count < 1 || !inRange(w.start) || !inRange(last)) {
      throw new GraphError(n, `window start ${w.start}, step ${w.step}, count ${w.count} does not fit axis ${w.axis} of length ${length}`);
    }
    shape[w.axis] = w.count;
  }
  return b.node<SliceNode>({ op: 'slice', name: n, windows: windows.map((w) => ({ ...w })) }, [x], shape);
}

/** Slice: starts/ends/axes attributes before opset 10, inputs (with steps) from 10. */
const importSlice: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const windows =
    c.opset < 10
      ? resolveSlice(v.shape, c.attrs.ints('starts') ?? [], c.attrs.ints('ends') ?? [], c.attrs.ints('axes'), undefined)
      : resolveSlice(v.shape, Array.from(c.constInput(1, 'starts').data), Array.from(c.constInput(2, 'ends').data), c.optionalInts(3, 'axes'), c.optionalInts(4, 'steps'));
  const active = windows.filter((w) => !(w.start === 0 && w.step === 1 && w.count === v.shape[w.axis]));
  if (!active.length) return [v];
  if (active.some((w) => w.count === 0)) throw c.unsupported('shape', 'a slice that leaves an empty tensor is not supported');
  return [runtime(sliceWindows(c.build, c.tensor(v), active, c.name))];
};

/** Split: consecutive pieces along one axis (sizes from `split`, attribute before opset 13, input from 13; else equal parts), one slice each. */
const importSplit: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const axis = normalizeAxis(c.attrs.int('axis', 0), v.shape.length);
  const outputs = c.outputNames.length;
  const given = c.opset >= 13 ? c.optionalInts(1, 'split') : c.attrs.ints('split');
  const length = v.shape[axis]!;
  if (!given && length % outputs !== 0) throw c.format(`axis ${axis} of length ${length} does not split into ${outputs} equal parts`);
  const sizes = given ?? new Array<number>(outputs).fill(length / outputs);
  if (sizes.length !== outputs || sizes.reduce((a, b) => a + b, 0) !== length) throw c.format(`split sizes [${sizes.join(', ')}] do not cover axis ${axis} of length ${length} in ${outputs} outputs`);
  if (sizes.some((s) => s < 1)) throw c.unsupported('shape', `a split piece of size 0 is not supported`);
  const x = c.tensor(v);
  let start = 0;
  return sizes.map((count, i) => {
    const piece = count === length ? v : runtime(sliceWindows(c.build, x, [{ axis, start, step: 1, count }], outputs === 1 ? c.name : c.sub(`part${i}`)));
    start += count;
    return piece;
  });
};

/** The input view of a slice: the first kept element, and each axis's stride times its step. */
export function sliceView(inShape: Shape, windows: readonly SliceWindow[], order: readonly number[]): { strides: number[]; offset: number } {
  const strides = storageStrides(inShape);
  const step = new Array<number>(inShape.length).fill(1);
  let offset = 0;
  for (const w of windows) {
    step[w.axis] = w.step;
    offset += w.start * strides[w.axis]!;
  }
  return { strides: order.map((a) => strides[a]! * step[a]!), offset };
}

export const sliceOp: OpDef<SliceNode> = {
  ops: ['slice'],
  lower: (n, c): SliceExecNode | IdentityExecNode => {
    const inShape = c.shape(n.inputs[0]!);
    const full = n.windows.every((w) => w.start === 0 && w.step === 1 && w.count === inShape[w.axis]);
    return full ? { ...c.base, kind: 'identity' } : { ...c.base, kind: 'slice', windows: n.windows };
  },
  exportOnnx: (n, c) => {
    // a backwards window ends one step before its last kept index, which is -1 (past the start) when that is index 0: ONNX reads -1 as "from the end", so use INT64_MIN's stand-in
    const ends = n.windows.map((w) => w.start + w.count * w.step).map((e) => (e < 0 ? -(2 ** 53) : e));
    const inputs = [c.name(n.inputs[0]!), ...(['starts', 'ends', 'axes', 'steps'] as const).map((k, i) => c.int64s(`${n.name}.${k}`, [n.windows.map((w) => w.start), ends, n.windows.map((w) => w.axis), n.windows.map((w) => w.step)][i]!))];
    c.emit({ op: 'Slice', name: n.name, inputs, outputs: [c.name(n.output)] });
  },
  onnx: { Slice: importSlice, Split: importSplit },
};

export const sliceKernel: KernelDef<SliceExecNode> = {
  kinds: ['slice'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const outShape = c.shape(n.output);
    const out = storageWalk(outShape);
    const from = sliceView(inShape, n.windows, out.order);
    return dispatchOnly((b) => [stridedCopy(out.dims, from, { strides: out.strides, offset: 0 }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
