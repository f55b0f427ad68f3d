/**
 * Concat along channels (axis 1) of [N, C, H, W] tensors. The `concat` node
 * dispatches nothing itself: the executor's placement lets a producer that
 * writes channel slices write its output in place, and places the other
 * inputs with concatCopy. ONNX concats along other axes swap that axis into
 * the channel position with transposes.
 */
import { GraphError } from '../errors.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import { copyChannels } from '../kernels/concat.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { relabel, runtime, shapeOfValue, type OnnxHandler, type OnnxNodeContext } from './onnx_import.js';
import { normalizeAxis } from './shape_math.js';
import { transpose } from './transpose.js';
import type { ExecNodeBase, NodeBase, Shape, Tensor } from './types.js';

export interface ConcatNode extends NodeBase {
  readonly op: 'concat';
}

export interface ConcatExecNode extends ExecNodeBase {
  readonly kind: 'concat';
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
  return b.node<ConcatNode>({ op: 'concat', name: n }, xs, [first[0], channels, first[2], first[3]]);
}

/** Runs `f` with `axis` swapped into the channel position of a rank-4 tensor. */
function onChannelAxis(c: OnnxNodeContext, ts: Tensor[], axis: number, f: (ts: Tensor[]) => Tensor): Tensor {
  if (axis === 1) return f(ts);
  const perm = [0, 1, 2, 3];
  perm[1] = axis;
  perm[axis] = 1;
  const moved = f(ts.map((t) => transpose(c.build, t, perm, c.sub('move'))));
  return transpose(c.build, moved, perm, c.sub('move_back'));
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
  // rank 2 and 3 ride as [a, b, c, 1]-style rank-4 tensors
  const four = (s: readonly number[]): number[] => (rank === 4 ? [...s] : rank === 3 ? [...s, 1] : rank === 2 ? [...s, 1, 1] : []);
  if (rank < 2 || rank > 4) throw c.unsupported('shape', `concat of rank-${rank} tensors is not supported`);
  const ts = parts.map((v, i) => (v.kind === 'runtime' ? c.tensor(v, four(v.shape)) : c.constantTensor(v.value, four(v.value.dims), c.inputNames[i] || `${c.name}.input${i}`)));
  const y = onChannelAxis(c, ts, axis, (moved) => concat(c.build, moved, c.name));
  return [runtime(y, out)];
};

export const concatOp: OpDef<ConcatNode> = {
  ops: ['concat'],
  lower: (_n, c): ConcatExecNode => ({ ...c.base, kind: 'concat' }),
  exportOnnx: (n, c) => c.emit({ op: 'Concat', name: n.name, inputs: n.inputs.map((t) => c.name(t)), outputs: [c.name(n.output)], attrs: { axis: { int: 1 } } }),
  onnx: { Concat: importConcat },
};

export const concatKernel: KernelDef<ConcatExecNode> = {
  kinds: ['concat'],
  // no dispatches of its own: placement writes each input in place or adds a copy step (concatCopy)
  kernel: () => dispatchOnly(() => [], { writesSlices: false, placement: 'concat-channels' }),
};

/** The copy that places one concat input (of logical shape `inputShape`) into its channel slice (when its producer could not). */
export function concatCopy(inputShape: Shape, source: BufferBinding, output: BufferBinding, slice: ChannelSlice, label: string): DispatchSpec {
  const [batch, channels, height, width] = inputShape as [number, number, number, number];
  return copyChannels({ pixels: batch * height * width, channels, slice }, source, output, label);
}
