/**
 * Concat along one axis of tensors of any rank. Along the channels (axis 1)
 * of [N, C, H, W] tensors it lowers to `concat`, which dispatches nothing
 * itself: the executor's placement lets a producer that writes channel
 * slices write its output in place, and places the other inputs with
 * concatCopy. Along any other axis, or at another rank, it lowers to
 * `concat_axis`: one strided copy per input into its place in the output,
 * in the output's own layout.
 */
import { GraphError } from '../errors.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import { copyChannels } from '../kernels/concat.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { relabel, runtime, shapeOfValue, type OnnxHandler } from './onnx_import.js';
import { normalizeAxis } from './shape_math.js';
import { stridedCopy } from '../kernels/strided.js';
import { storageOrder, storageStrides } from './layout.js';
import { requireRuntime } from './checks.js';
import type { ExecNodeBase, NodeBase, Shape, Tensor } from './types.js';

export interface ConcatNode extends NodeBase {
  readonly op: 'concat';
  /** The axis the inputs are joined along (1 for channels). */
  readonly axis: number;
}

export interface ConcatExecNode extends ExecNodeBase {
  readonly kind: 'concat';
}

export interface ConcatAxisExecNode extends ExecNodeBase {
  readonly kind: 'concat_axis';
  readonly axis: number;
}

/** Concatenates along channels (axis 1). */
export function concat(b: BuildContext, xs: readonly Tensor[], name?: string): Tensor {
  const n = b.nodeName(name, 'concat');
  if (xs.length < 1) throw new GraphError(n, 'concat needs at least one input');
  const first = requireImage(xs[0]!, n);
  let channels = 0;
  for (const x of xs) {
    const [batch, c, h, w] = requireImage(x, n);
    if (batch !== first[0] || h !== first[2] || w !== first[3]) {
      throw new GraphError(n, `shape mismatch: cannot concat [${x.shape.join(', ')}] with [${xs[0]!.shape.join(', ')}] along channels (N, H, W must agree)`);
    }
    channels += c;
  }
  return b.node<ConcatNode>({ op: 'concat', name: n, axis: 1 }, xs, [first[0], channels, first[2], first[3]]);
}

/** Concatenates tensors of any (equal) rank along `axis`; every other dimension must agree. */
export function concatAxis(b: BuildContext, xs: readonly Tensor[], axis: number, name?: string): Tensor {
  const n = b.nodeName(name, 'concat');
  if (xs.length < 1) throw new GraphError(n, 'concat needs at least one input');
  const first = xs[0]!.shape;
  for (const x of xs) requireRuntime(x, n);
  if (!Number.isInteger(axis) || axis < 0 || axis >= first.length) throw new GraphError(n, `axis ${axis} is not an axis of [${first.join(', ')}]`);
  for (const x of xs) {
    if (x.shape.length !== first.length || x.shape.some((d, i) => i !== axis && d !== first[i])) {
      throw new GraphError(n, `shape mismatch: cannot concat [${x.shape.join(', ')}] with [${first.join(', ')}] along axis ${axis}`);
    }
  }
  const shape = [...first];
  shape[axis] = xs.reduce((sum, x) => sum + x.shape[axis]!, 0);
  return b.node<ConcatNode>({ op: 'concat', name: n, axis }, xs, shape);
}

const importConcat: OnnxHandler = (c) => {
  const values = c.inputs.map((_, i) => c.input(i));
  const rank = shapeOfValue(values[0]!).length;
  const axis = normalizeAxis(c.attrs.int('axis', 1), rank);
  const shapes = values.map(shapeOfValue);
  for (const s of shapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== shapes[0]![i])) throw c.format(`cannot concat [${s.join(', ')}] with [${shapes[0]!.join(', ')}] along axis ${axis}`);
  }
  const out = [...shapes[0]!];
  out[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  // empty inputs contribute nothing (exporters emit them for dynamic shapes)
  const parts = values.filter((v) => shapeOfValue(v)[axis]! > 0);
  if (parts.length === 1) return [relabel(parts[0]!, out)];
  const ts = parts.map((v, i) => (v.kind === 'runtime' ? c.tensor(v) : c.constantTensor(v.value, v.value.dims, c.inputNames[i] || `${c.name}.input${i}`)));
  return [runtime(concatAxis(c.build, ts, axis, c.name), out)];
};

export const concatOp: OpDef<ConcatNode> = {
  ops: ['concat'],
  lower: (n, c): ConcatExecNode | ConcatAxisExecNode =>
    n.axis === 1 && c.shape(n.output).length === 4 ? { ...c.base, kind: 'concat' } : { ...c.base, kind: 'concat_axis', axis: n.axis },
  exportOnnx: (n, c) => c.emit({ op: 'Concat', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axis: { int: n.axis } } }),
  onnx: { Concat: importConcat },
};

export const concatKernel: KernelDef<ConcatExecNode> = {
  kinds: ['concat'],
  // no dispatches of its own: placement writes each input in place or adds a copy step (concatCopy)
  kernel: () => dispatchOnly(() => [], { writesSlices: false, placement: 'concat-channels' }),
};

/** One strided copy per input, each into its offset along the axis of the output (both in their own layouts). */
export const concatAxisKernel: KernelDef<ConcatAxisExecNode> = {
  kinds: ['concat_axis'],
  kernel: (n, c) => {
    const outShape = c.shape(n.output);
    const order = storageOrder(outShape.length);
    const outStrides = storageStrides(outShape);
    return dispatchOnly((b) => {
      let at = 0;
      return n.inputs.map((t, i) => {
        const inShape = c.shape(t);
        const inStrides = storageStrides(inShape);
        const to = { strides: order.map((a) => outStrides[a]!), offset: at * outStrides[n.axis]! };
        at += inShape[n.axis]!;
        return stridedCopy(order.map((a) => inShape[a]!), { strides: order.map((a) => inStrides[a]!), offset: 0 }, to, b.read(t), b.write, `${c.label} input ${i}`);
      });
    });
  },
};

/** The copy that places one concat input (of logical shape `inputShape`) into its channel slice (when its producer could not). */
export function concatCopy(inputShape: Shape, source: BufferBinding, output: BufferBinding, slice: ChannelSlice, label: string): DispatchSpec {
  const [batch, channels, height, width] = inputShape as [number, number, number, number];
  return copyChannels({ pixels: batch * height * width, channels, slice }, source, output, label);
}
