/**
 * Pad: padding of H and W of an [N, C, H, W] tensor in ONNX's constant,
 * reflect and edge modes (pads ordered [top, left, bottom, right]; negative
 * pads crop). Executes as a `pad` node on the pad2d kernel; a zero constant
 * pad before a conv is folded into the conv's own padding by a pass.
 */
import { GraphError } from '../errors.js';
import { PAD_MODES, pad2d, padAxisProblem, type PadMode } from '../kernels/pad2d.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelDef, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { normalizeAxes } from './shape_math.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export { PAD_MODES, type PadMode } from '../kernels/pad2d.js';

export interface PadOptions {
  name?: string;
  /** [top, left, bottom, right], ONNX's order for the H and W axes; a negative pad crops. */
  pads: readonly [number, number, number, number];
  /** Constant mode's fill; default 0. */
  value?: number;
  /** Default 'constant'; 'reflect' is PyTorch's ReflectionPad2d, 'edge' its ReplicationPad2d. */
  mode?: PadMode;
}

/** Padding of H and W, ONNX's order [top, left, bottom, right]. */
export interface PadNode extends NodeBase {
  readonly op: 'pad';
  readonly pads: readonly [number, number, number, number];
  readonly value: number;
  readonly mode: PadMode;
}

export interface PadExecNode extends ExecNodeBase {
  readonly kind: 'pad';
  readonly pads: readonly [number, number, number, number];
  readonly value: number;
  readonly mode: PadMode;
}

/** Padding of H and W of [N, C, H, W] (constant, reflect or edge); a zero constant pad before a conv is folded into the conv. */
export function pad(b: BuildContext, x: Tensor, o: PadOptions): Tensor {
  const name = b.nodeName(o.name, 'pad');
  const [n, c, h, w] = requireImage(x, name);
  if (o.pads.length !== 4 || o.pads.some((p) => !Number.isSafeInteger(p))) {
    throw new GraphError(name, `pads must be four integers [top, left, bottom, right], got [${o.pads.join(', ')}]`);
  }
  const mode = o.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) throw new GraphError(name, `pad mode must be one of ${PAD_MODES.join(', ')}, got "${String(mode)}"`);
  const value = o.value ?? 0;
  if (!Number.isFinite(value)) throw new GraphError(name, `the pad value must be finite, got ${value}`);
  const [top, left, bottom, right] = o.pads;
  const problem = padAxisProblem(mode, h, top, bottom) ?? padAxisProblem(mode, w, left, right);
  if (problem) throw new GraphError(name, `cannot pad [${x.shape.join(', ')}] by [${o.pads.join(', ')}] in ${mode} mode: ${problem}`);
  return b.node<PadNode>({ op: 'pad', name, pads: [top, left, bottom, right], value, mode }, [x], [n, c, h + top + bottom, w + left + right]);
}

/** Pad (constant, reflect, edge): pads attribute before opset 11, inputs from 11 (axes from 18). */
const importPad: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const mode = c.attrs.string('mode', 'constant');
  if (!(PAD_MODES as readonly string[]).includes(mode)) throw c.unsupported('attribute', `pad mode "${mode}" is not supported (only ${PAD_MODES.join(', ')})`);
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
  const [h, w] = [v.shape[2]!, v.shape[3]!];
  const problem = padAxisProblem(mode as PadMode, h, before[2]!, after[2]!) ?? padAxisProblem(mode as PadMode, w, before[3]!, after[3]!);
  if (problem) throw c.unsupported('attribute', `pads [${pads.join(', ')}] on [${v.shape.join(', ')}] in ${mode} mode: ${problem}`);
  return [runtime(pad(c.build, c.tensor(v), { name: c.name, pads: [before[2]!, before[3]!, after[2]!, after[3]!], value, mode: mode as PadMode }))];
};

/** Opset 13's Pad: pads (all four axes, begins then ends) and the fill as inputs, the mode as an attribute. */
function exportPad(n: PadNode, c: ExportContext): void {
  const [top, left, bottom, right] = n.pads;
  const pads = c.int64s(`${n.name}.pads`, [0, 0, top, left, 0, 0, bottom, right]);
  const inputs = [c.name(n.inputs[0]!), pads, ...(n.mode === 'constant' ? [c.scalar(`${n.name}.value`, n.value)] : [])];
  c.emit({ op: 'Pad', name: n.name, inputs, outputs: [c.name(n.output)], attrs: { mode: { string: n.mode } } });
}

export const padOp: OpDef<PadNode> = {
  ops: ['pad'],
  lower: (n, c): PadExecNode => ({ ...c.base, kind: 'pad', pads: n.pads, value: n.value, mode: n.mode }),
  exportOnnx: exportPad,
  onnx: { Pad: importPad },
};

export const padKernel: KernelDef<PadExecNode> = {
  kinds: ['pad'],
  kernel: (n, c) => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    const [padTop, padLeft, padBottom, padRight] = n.pads;
    return dispatchOnly((b) => [pad2d({ batch, channels, height, width, padTop, padLeft, padBottom, padRight, value: n.value, mode: n.mode }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
