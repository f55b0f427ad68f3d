/**
 * ConvTranspose3d on [N, C, D, H, W] (stored row-major), named like
 * torch.nn.ConvTranspose3d: groups, strides, dilations, begin/end pads,
 * output padding, bias, a fused activation. Executes as a `convtranspose3d`
 * node: one gather dispatch. ONNX ConvTranspose on 5-D inputs imports here
 * (ops/conv_transpose.ts's handler hands those over).
 */
import { GraphError } from '../errors.js';
import type { Triple } from '../kernels/conv3d.js';
import { convTranspose3d as convTranspose3dDispatch, convTranspose3dShape } from '../kernels/conv_transpose3d.js';
import { convTransposeOutputSize } from '../kernels/conv_transpose2d.js';
import type { Activation, ActivationParams } from '../vocabulary.js';
import { emitWithActivation, padding3d, requireVolume, triple, type Padding3d, type Triplet } from './conv3d.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, LowerContext, NodeKernel, OpDef } from './op.js';
import { floatData, runtime, type OnnxNodeContext, type RuntimeValue } from './onnx_import.js';
import { tripleAttr } from './onnx_window3d.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Tensor } from './types.js';

export interface ConvTranspose3dAttrs {
  outChannels: number;
  groups: number;
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  padBegin: Triple;
  /** May be negative (ONNX's output_shape asking for outputs past the taps). */
  padEnd: Triple;
  outputPadding: Triple;
}

/**
 * torch.nn.ConvTranspose3d(in, out, kernel_size, stride, padding, output_padding, groups, bias, dilation)
 * is `convTranspose3d(x, { outChannels, kernel, stride, padding, outputPadding, groups, bias, dilation })`;
 * the weight `${name}.weight` is [inChannels, outChannels / groups, kD, kH, kW].
 * @example g.convTranspose3d(x, { outChannels: 4, kernel: 3, stride: 2, padding: 1, outputPadding: 1 })
 */
export interface ConvTranspose3dOptions {
  name?: string;
  outChannels: number;
  kernel: Triplet;
  stride?: Triplet;
  padding?: Padding3d;
  /** Extra outputs at the end of each axis; default 0. */
  outputPadding?: Triplet;
  dilation?: Triplet;
  groups?: number;
  /** Default true. */
  bias?: boolean;
  activation?: Activation;
  activationParams?: ActivationParams;
}

export interface ConvTranspose3dNode extends NodeBase {
  readonly op: 'convtranspose3d';
  readonly attrs: ConvTranspose3dAttrs;
  readonly weight: string;
  readonly bias?: string;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

export interface ConvTranspose3dExecNode extends ExecNodeBase {
  readonly kind: 'convtranspose3d';
  readonly attrs: ConvTranspose3dAttrs;
  /** [C_in, C_out/groups, kD, kH, kW]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

export function convTranspose3d(b: BuildContext, x: Tensor, o: ConvTranspose3dOptions): Tensor {
  const name = b.nodeName(o.name, 'convtranspose3d');
  const [n, c, ...inSize] = requireVolume(x, name);
  const groups = o.groups ?? 1;
  const attrs: ConvTranspose3dAttrs = { outChannels: o.outChannels, groups, kernel: triple(o.kernel), stride: triple(o.stride ?? 1), dilation: triple(o.dilation ?? 1), outputPadding: triple(o.outputPadding ?? 0), ...padding3d(o.padding) };
  for (const k of ['kernel', 'stride', 'dilation'] as const) {
    if (attrs[k].some((v) => !Number.isInteger(v) || v < 1)) throw new GraphError(name, `${k} must be 3 positive integers [D, H, W], got [${attrs[k].join(', ')}]`);
  }
  for (const k of ['padBegin', 'outputPadding'] as const) {
    if (attrs[k].some((v) => !Number.isInteger(v) || v < 0)) throw new GraphError(name, `${k} must be 3 non-negative integers [D, H, W], got [${attrs[k].join(', ')}]`);
  }
  if (attrs.padEnd.some((v) => !Number.isInteger(v))) throw new GraphError(name, `padEnd must be 3 integers, got [${attrs.padEnd.join(', ')}]`);
  if (!Number.isInteger(groups) || groups < 1 || c % groups || o.outChannels % groups) throw new GraphError(name, `${groups} groups must divide ${c} input and ${o.outChannels} output channels`);
  const out = inSize.map((size, i) => convTransposeOutputSize(size, attrs.kernel[i]!, attrs.stride[i]!, attrs.padBegin[i]!, attrs.padEnd[i]!, attrs.dilation[i]!, attrs.outputPadding[i]!));
  if (out.some((v) => v < 1)) throw new GraphError(name, `pads [${attrs.padBegin.join(', ')}] / [${attrs.padEnd.join(', ')}] crop the whole output of the ${inSize.join('×')} input`);
  const weight = b.param(`${name}.weight`, [c, o.outChannels / groups, ...attrs.kernel], true);
  const bias = o.bias === false ? undefined : b.param(`${name}.bias`, [o.outChannels], true);
  return b.node<ConvTranspose3dNode>({ op: 'convtranspose3d', name, attrs, weight, bias, activation: o.activation ?? 'none', activationParams: o.activationParams }, [x], [n, o.outChannels, ...out]);
}

/** [before, after] of one axis's total padding (the odd one at the end for SAME_UPPER, at the start otherwise), as 2-D ConvTranspose splits it. */
function splitTotal(total: number, autoPad: string): [number, number] {
  const half = Math.floor(total / 2);
  return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
}

/** ONNX ConvTranspose on [N, C, D, H, W] (called by ops/conv_transpose.ts's handler): pads, auto_pad, output_shape, output_padding. */
export function importConvTranspose3d(c: OnnxNodeContext): RuntimeValue[] {
  const v = c.runtimeInput(0);
  const channels = v.shape[1]!;
  const inSize = v.shape.slice(2) as unknown as Triple;
  const w = c.constInput(1, 'the weight');
  if (w.dims.length !== 5) throw c.format(`the weight [${w.dims.join(', ')}] must have rank 5 for a 3-D input`);
  const groups = c.attrs.int('group', 1);
  if (!Number.isSafeInteger(groups) || groups < 1 || w.dims[0] !== channels || channels % groups) {
    throw c.format(`the weight [${w.dims.join(', ')}] with group ${groups} does not fit ${channels} input channels (ConvTranspose's weight is [C_in, C_out/group, k…])`);
  }
  const outChannels = w.dims[1]! * groups;
  const kernel = w.dims.slice(2) as unknown as Triple;
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.join() !== kernel.join()) throw c.format(`kernel_shape [${kernelAttr.join(', ')}] disagrees with the weight [${w.dims.join(', ')}]`);
  const stride = tripleAttr(c, 'strides', 1);
  const dilation = tripleAttr(c, 'dilations', 1);
  const op = c.attrs.ints('output_padding') ?? [0, 0, 0];
  if (op.length !== 3 || op.some((x) => !Number.isSafeInteger(x) || x < 0)) throw c.format(`output_padding [${op.join(', ')}] must be 3 non-negative integers`);
  const outputPadding: Triple = [op[0]!, op[1]!, op[2]!];
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) throw c.format(`unknown auto_pad "${autoPad}"`);
  const outputShape = c.attrs.ints('output_shape');
  const fromOutput = (out: readonly number[], same: boolean): Padding3d => {
    const totals = [0, 1, 2].map((i) => convTransposeOutputSize(inSize[i]!, kernel[i]!, stride[i]!, 0, 0, dilation[i]!, outputPadding[i]!) - out[i]!);
    const split = totals.map((t) => splitTotal(t, autoPad));
    // as in 2-D: a negative total is read differently by ONNX's spec and onnxruntime, except an output_shape whose extra lands at the end
    if ((same && totals.some((t) => t < 0)) || split.some(([before]) => before < 0)) {
      throw c.unsupported('attribute', `${same ? `auto_pad ${autoPad}` : `output_shape [${outputShape!.join(', ')}]`} asks for negative total padding [${totals.join(', ')}] before the output, which ONNX's spec and onnxruntime read differently`);
    }
    return [split[0]![0], split[1]![0], split[2]![0], split[0]![1], split[1]![1], split[2]![1]];
  };
  let padding: Padding3d;
  if (outputShape) {
    const sizes = outputShape.length === 5 ? outputShape.slice(2) : outputShape;
    if (sizes.length !== 3 || sizes.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`output_shape [${outputShape.join(', ')}] must be 3 positive integers`);
    padding = fromOutput(sizes, false);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    padding = fromOutput(inSize.map((n, i) => n * stride[i]!), true);
  } else if (autoPad === 'VALID') {
    padding = 0;
  } else {
    const p = c.attrs.ints('pads') ?? [0, 0, 0, 0, 0, 0];
    if (p.length !== 6) throw c.format(`pads [${p.join(', ')}] must have 6 values for a 3-D ConvTranspose`);
    if (p.some((x) => !Number.isSafeInteger(x) || x < 0)) throw c.unsupported('attribute', `pads [${p.join(', ')}] must be non-negative integers`);
    padding = [p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!];
  }
  const bias = c.inputs[2] ? c.constInput(2, 'the bias') : undefined;
  if (bias && bias.data.length !== outChannels) throw c.format(`the bias has ${bias.data.length} values for ${outChannels} output channels`);
  const y = convTranspose3d(c.build, c.tensor(v), { name: c.name, outChannels, kernel, stride, dilation, padding, outputPadding, groups, bias: !!bias });
  c.setWeight(`${c.name}.weight`, floatData(w));
  if (bias) c.setWeight(`${c.name}.bias`, floatData(bias));
  return [runtime(y)];
}

export const convTranspose3dOp: OpDef<ConvTranspose3dNode> = {
  ops: ['convtranspose3d'],
  lower: (n, c: LowerContext): ConvTranspose3dExecNode => ({
    ...c.base,
    kind: 'convtranspose3d',
    attrs: n.attrs,
    weight: c.weight(n.weight),
    bias: n.bias ? c.weight(n.bias) : undefined,
    activation: n.activation,
    activationParams: n.activationParams,
  }),
  parameters: (n) => [n.weight, ...(n.bias ? [n.bias] : [])],
  // every input value meets every tap of its group's output channels once
  macs: (n, shape) => elementCount(shape(n.inputs[0]!)) * (n.attrs.outChannels / n.attrs.groups) * n.attrs.kernel[0] * n.attrs.kernel[1] * n.attrs.kernel[2],
  exportOnnx: (n, c: ExportContext) => {
    const a = n.attrs;
    emitWithActivation(c, n, {
      op: 'ConvTranspose',
      attrs: {
        kernel_shape: { ints: [...a.kernel] },
        strides: { ints: [...a.stride] },
        dilations: { ints: [...a.dilation] },
        // a negative end pad is the same outputs as that much more output padding
        pads: { ints: [...a.padBegin, ...a.padEnd.map((p) => Math.max(0, p))] },
        output_padding: { ints: a.outputPadding.map((p, i) => p - Math.min(0, a.padEnd[i]!)) },
        group: { int: a.groups },
      },
    });
  },
};

export const convTranspose3dKernel: KernelDef<ConvTranspose3dExecNode> = {
  kinds: ['convtranspose3d'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, inChannels, d, h, w] = c.shape(n.inputs[0]!) as [number, number, number, number, number];
    const s = convTranspose3dShape({ batch, inChannels, inSize: [d, h, w], ...n.attrs });
    const weights: Record<string, Float32Array> = { weight: n.weight };
    if (n.bias) weights.bias = n.bias;
    return {
      weights,
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => [
        convTranspose3dDispatch(s, { input: b.read(n.inputs[0]!), weight: b.weights.weight!, bias: b.weights.bias, output: b.write, unused: b.unused }, { activation: n.activation, activationParams: n.activationParams }, `${c.label} (conv_transpose3d_direct)`),
      ],
    };
  },
};
