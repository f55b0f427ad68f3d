/**
 * Slice: keeps indices start, start + step, … below end of one logical axis
 * of a rank-4 or rank-2 tensor. A slice that keeps the whole axis lowers to
 * `identity`; any other executes as a `slice` node, one slice4d over the
 * NHWC storage along the axis's storage position.
 */
import { GraphError } from '../errors.js';
import { slice4d } from '../kernels/slice4d.js';
import { requireRuntime } from './checks.js';
import type { IdentityExecNode } from './identity.js';
import { nhwcDims, storageAxis } from './layout.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { resolveSlice } from './shape_math.js';
import { showShape, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

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

/** Indices start, start + step, … below end of one logical axis. */
export interface SliceNode extends NodeBase {
  readonly op: 'slice';
  readonly axis: number;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

export interface SliceExecNode extends ExecNodeBase {
  readonly kind: 'slice';
  readonly axis: number;
  readonly start: number;
  readonly end: number;
  readonly step: number;
}

/** Keeps indices start, start + step, … below end of one axis (rank 4 or 2). */
export function slice(b: BuildContext, x: Tensor, o: SliceOptions): Tensor {
  const name = b.nodeName(o.name, 'slice');
  requireRuntime(x, name);
  const step = o.step ?? 1;
  const { axis, start } = o;
  if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) throw new GraphError(name, `axis ${axis} is not an axis of ${showShape(x.shape)}`);
  const length = x.shape[axis]!;
  const end = Math.min(o.end, length);
  if (!Number.isInteger(step) || step < 1) throw new GraphError(name, `step must be a positive integer, got ${step}`);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start >= end) {
    throw new GraphError(name, `slice ${start}:${o.end} of axis ${axis} (length ${length}) is empty or not resolved to non-negative integers`);
  }
  const shape = [...x.shape];
  shape[axis] = Math.ceil((end - start) / step);
  return b.node<SliceNode>({ op: 'slice', name, axis, start, end, step }, [x], shape);
}

/** Slice: starts/ends/axes attributes before opset 10, inputs (with steps) from 10. */
const importSlice: OnnxHandler = (c) => {
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
  // rank 3 rides in its carrier [a, b, c, 1], whose first three axes are the value's
  let t = c.carrier(v);
  active.forEach((w, i) => {
    // negative steps walk backwards: same elements as a forward slice only when one is taken
    if (w.step < 0 && w.count > 1) throw c.unsupported('attribute', `negative slice steps are not supported on runtime tensors (axis ${w.axis}, step ${w.step})`);
    const step = w.step < 0 ? 1 : w.step;
    t = slice(c.build, t, { name: i === active.length - 1 ? c.name : c.sub(`axis${w.axis}`), axis: w.axis, start: w.start, end: w.start + (w.count - 1) * step + 1, step });
  });
  return [runtime(t, out)];
};

export const sliceOp: OpDef<SliceNode> = {
  ops: ['slice'],
  lower: (n, c): SliceExecNode | IdentityExecNode => {
    const full = n.start === 0 && n.step === 1 && n.end >= c.shape(n.inputs[0]!)[n.axis]!;
    return full ? { ...c.base, kind: 'identity' } : { ...c.base, kind: 'slice', axis: n.axis, start: n.start, end: n.end, step: n.step };
  },
  onnx: { Slice: importSlice },
};

export const sliceKernel: KernelDef<SliceExecNode> = {
  kinds: ['slice'],
  kernel: (n, c) => {
    const inShape = c.shape(n.inputs[0]!);
    const dims = nhwcDims(inShape) as [number, number, number, number];
    const axis = storageAxis(inShape.length, n.axis);
    const start: [number, number, number, number] = [0, 0, 0, 0];
    const end: [number, number, number, number] = [...dims];
    const step: [number, number, number, number] = [1, 1, 1, 1];
    start[axis] = n.start;
    end[axis] = Math.min(n.end, dims[axis]!);
    step[axis] = n.step;
    return dispatchOnly((b) => [slice4d(dims, start, end, step, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
