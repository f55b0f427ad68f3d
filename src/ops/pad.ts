/**
 * Pad: constant padding of H and W of an [N, C, H, W] tensor (ONNX's
 * constant mode, pads ordered [top, left, bottom, right]). Executes as a
 * `pad` node on the pad2d kernel; a zero pad before a conv is folded into
 * the conv's own padding by a pass.
 */
import { GraphError } from '../errors.js';
import { pad2d } from '../kernels/pad2d.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxes } from './shape_math.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface PadOptions {
  name?: string;
  /** [top, left, bottom, right], ONNX's order for the H and W axes; non-negative. */
  pads: readonly [number, number, number, number];
  /** Default 0. */
  value?: number;
}

/** Constant padding of H and W, ONNX's order [top, left, bottom, right]. */
export interface PadNode extends NodeBase {
  readonly op: 'pad';
  readonly pads: readonly [number, number, number, number];
  readonly value: number;
}

export interface PadExecNode extends ExecNodeBase {
  readonly kind: 'pad';
  readonly pads: readonly [number, number, number, number];
  readonly value: number;
}

/** Constant padding of H and W of [N, C, H, W]; a zero pad before a conv is folded into the conv. */
export function pad(b: BuildContext, x: Tensor, o: PadOptions): Tensor {
  const name = b.nodeName(o.name, 'pad');
  const [n, c, h, w] = requireImage(x, name);
  if (o.pads.length !== 4 || o.pads.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new GraphError(name, `pads must be four non-negative integers [top, left, bottom, right], got [${o.pads.join(', ')}]`);
  }
  const value = o.value ?? 0;
  if (!Number.isFinite(value)) throw new GraphError(name, `the pad value must be finite, got ${value}`);
  const [top, left, bottom, right] = o.pads;
  return b.node<PadNode>({ op: 'pad', name, pads: [top, left, bottom, right], value }, [x], [n, c, h + top + bottom, w + left + right]);
}

/** Pad (constant mode): pads attribute before opset 11, inputs from 11 (axes from 18). */
const importPad: OnnxHandler = (c) => {
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
  return [runtime(pad(c.build, c.tensor(v), { name: c.name, pads: [before[2]!, before[3]!, after[2]!, after[3]!], value }))];
};

export const padOp: OpDef<PadNode> = {
  ops: ['pad'],
  lower: (n, c): PadExecNode => ({ ...c.base, kind: 'pad', pads: n.pads, value: n.value }),
  onnx: { Pad: importPad },
};

export const padKernel: KernelDef<PadExecNode> = {
  kinds: ['pad'],
  kernel: (n, c) => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    const [padTop, padLeft, padBottom, padRight] = n.pads;
    return dispatchOnly((b) => [pad2d({ batch, channels, height, width, padTop, padLeft, padBottom, padRight, value: n.value }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
