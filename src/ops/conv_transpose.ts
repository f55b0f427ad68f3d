/**
 * ConvTranspose2d (ONNX ConvTranspose, torch.nn.ConvTranspose2d): NCHW
 * logical, NHWC on the GPU; groups, stride, dilation, asymmetric pads,
 * output padding, optional bias, a fused activation. Executes as a
 * `convtranspose` node on one of the kernels of kernels/conv_transpose2d.ts;
 * its output can be written straight into a concat's channel slice (a
 * U-Net's decoder). ONNX 1-D ConvTranspose on [N, C, L] runs as 2-D on
 * [N, C, 1, L].
 */
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import {
  convTranspose2d as convTranspose2dDispatches,
  convTranspose2dShape,
  convTransposeOutputSize,
  convTransposeScratchLength,
  convTransposeUnsupportedReason,
  layoutConvTransposeWeights,
  type ConvTranspose2dShape,
  type ConvTransposeStrategyName,
} from '../kernels/conv_transpose2d.js';
import type { Activation, ActivationParams } from '../vocabulary.js';
import { pair, padding, requireImage, type Pair, type Padding } from './checks.js';
import { importConvTranspose3d } from './conv_transpose3d.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, LowerContext, NodeKernel, OpDef } from './op.js';
import { floatData, runtime, type OnnxHandler, type OnnxNodeContext } from './onnx_import.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface ConvTranspose2dAttrs {
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  /** Any integers: ONNX's output_shape can ask for negative pads (the output then reaches past the taps). */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  outputPaddingH: number;
  outputPaddingW: number;
  groups: number;
}

/** torch.nn.ConvTranspose2d's parameters, by its names. */
export interface ConvTranspose2dOptions {
  name?: string;
  outChannels: number;
  kernel: Pair;
  stride?: Pair;
  /** A number, [vertical, horizontal], or [top, left, bottom, right]. */
  padding?: Padding;
  /**
   * Rows / columns added at the bottom / right. PyTorch wants it smaller than the stride or the
   * dilation, onnxruntime smaller than the stride; not enforced here: more only adds rows of bias.
   */
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Default true. */
  bias?: boolean;
}

export interface ConvTranspose2dNode extends NodeBase {
  readonly op: 'convtranspose2d';
  readonly attrs: ConvTranspose2dAttrs;
  /** [C_in, C_out/groups, kH, kW], torch's and ONNX's layout. */
  readonly weight: string;
  readonly bias?: string;
}

export interface ConvTransposeExecNode extends ExecNodeBase {
  readonly kind: 'convtranspose';
  readonly attrs: ConvTranspose2dAttrs;
  /** [C_in, C_out/groups, kH, kW]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
  readonly strategy: ConvTransposeStrategyName | 'auto';
}

export function convTranspose2d(b: BuildContext, x: Tensor, o: ConvTranspose2dOptions): Tensor {
  const name = b.nodeName(o.name, 'convtranspose');
  const [n, c, h, w] = requireImage(x, name);
  const [kernelHeight, kernelWidth] = pair(o.kernel);
  const [strideH, strideW] = pair(o.stride ?? 1);
  const [dilationH, dilationW] = pair(o.dilation ?? 1);
  const [outputPaddingH, outputPaddingW] = pair(o.outputPadding ?? 0);
  const groups = o.groups ?? 1;
  const pads = padding(o.padding);
  const attrs: ConvTranspose2dAttrs = { outChannels: o.outChannels, kernelHeight, kernelWidth, strideH, strideW, dilationH, dilationW, ...pads, outputPaddingH, outputPaddingW, groups };
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('pad')) {
      if (!Number.isSafeInteger(v)) throw new GraphError(name, `${k} must be an integer, got ${v}`);
      continue;
    }
    const min = k.startsWith('outputPadding') ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new GraphError(name, `${k} must be an integer ≥ ${min}, got ${v}`);
  }
  if (c % groups || o.outChannels % groups) throw new GraphError(name, `${groups} groups must divide ${c} input and ${o.outChannels} output channels`);
  const oh = convTransposeOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, dilationH, outputPaddingH);
  const ow = convTransposeOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, dilationW, outputPaddingW);
  if (oh < 1 || ow < 1) throw new GraphError(name, `the padding leaves a ${oh}×${ow} output of the ${h}×${w} input`);
  const weight = b.param(`${name}.weight`, [c, o.outChannels / groups, kernelHeight, kernelWidth], true);
  const bias = o.bias === false ? undefined : b.param(`${name}.bias`, [o.outChannels], true);
  return b.node<ConvTranspose2dNode>({ op: 'convtranspose2d', name, attrs, weight, bias }, [x], [n, o.outChannels, oh, ow]);
}

/** The kernel-facing shape of a node whose input is `input` (logical NCHW). */
export function convTransposeShapeOf(input: Shape, attrs: ConvTranspose2dAttrs): ConvTranspose2dShape {
  const [batch, inChannels, inHeight, inWidth] = input as [number, number, number, number];
  return convTranspose2dShape({ batch, inChannels, inHeight, inWidth, ...attrs });
}

/**
 * The strategy of an 'auto' node: direct, the one that serves every shape.
 * bench/conv_transpose.ts measured the GEMM strategy slower on SwiftShader
 * for the U-Net shapes it tries.
 */
export function resolveConvTransposeStrategy(s: ConvTranspose2dShape, requested: ConvTransposeStrategyName | 'auto', maxBindingBytes: number, node: string): ConvTransposeStrategyName {
  if (requested === 'auto') return 'direct';
  const reason = convTransposeUnsupportedReason(requested, s, maxBindingBytes);
  if (reason) throw new UnsupportedConfigurationError(`${node}: the ${requested} strategy cannot run it: ${reason}`);
  return requested;
}

/** An ONNX per-axis attribute of `rank` values (1 or 2), as a pair for the 2-D kernel; 1-D's unit height axis takes the fallback (stride 1, dilation 1, output padding 0). */
function axesAttr(c: OnnxNodeContext, name: string, rank: number, fallback: number, min: number): [number, number] {
  const v = c.attrs.ints(name) ?? new Array<number>(rank).fill(fallback);
  if (v.length !== rank) throw c.format(`${name} [${v.join(', ')}] must have ${rank} values for a ${rank}-D ConvTranspose`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < min)) throw c.format(`${name} [${v.join(', ')}] must be integers ≥ ${min}`);
  return rank === 1 ? [fallback, v[0]!] : [v[0]!, v[1]!];
}

/**
 * [before, after] pads of one axis when ONNX computes them from an output
 * size (output_shape, or SAME_* with output = input · stride): the spec's
 * split of total = stride·(n − 1) + outputPadding + dilation·(k − 1) + 1 − out,
 * the odd one at the end for SAME_UPPER, at the start otherwise (Python's //
 * rounds down).
 */
function splitTotal(total: number, autoPad: string): [number, number] {
  const half = Math.floor(total / 2);
  return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
}

const importConvTranspose: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  const rank = v.shape.length - 2;
  if (rank === 3) return importConvTranspose3d(c);
  if (rank !== 1 && rank !== 2) throw c.unsupported('shape', `only 1-D, 2-D and 3-D ConvTranspose are supported, the input is [${v.shape.join(', ')}]`);
  const [n, channels] = v.shape as [number, number];
  const t = rank === 2 ? c.tensor(v) : c.tensor(v, [n, channels, 1, v.shape[2]!]);
  const spatial = rank === 2 ? [v.shape[2]!, v.shape[3]!] : [1, v.shape[2]!];
  const w = c.constInput(1, 'the weight');
  if (w.dims.length !== rank + 2) throw c.format(`the weight [${w.dims.join(', ')}] must have rank ${rank + 2} for a ${rank}-D input`);
  const groups = c.attrs.int('group', 1);
  if (!Number.isSafeInteger(groups) || groups < 1 || w.dims[0] !== channels) {
    throw c.format(`the weight [${w.dims.join(', ')}] with group ${groups} does not fit ${channels} input channels (ConvTranspose's weight is [C_in, C_out/group, k…])`);
  }
  const outChannels = w.dims[1]! * groups;
  if (channels % groups) throw c.format(`group ${groups} does not divide ${channels} input channels`);
  const kernel: [number, number] = rank === 2 ? [w.dims[2]!, w.dims[3]!] : [1, w.dims[2]!];
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.join() !== w.dims.slice(2).join()) throw c.format(`kernel_shape [${kernelAttr.join(', ')}] disagrees with the weight [${w.dims.join(', ')}]`);
  const stride = axesAttr(c, 'strides', rank, 1, 1);
  const dilation = axesAttr(c, 'dilations', rank, 1, 1);
  const outputPadding = axesAttr(c, 'output_padding', rank, 0, 0);
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) throw c.format(`unknown auto_pad "${autoPad}"`);
  const outputShape = c.attrs.ints('output_shape');
  let pads: [number, number, number, number];
  const fromOutput = (out: readonly number[], mode: string, same: boolean): [number, number, number, number] => {
    const totals = [0, 1].map((i) => convTransposeOutputSize(spatial[i]!, kernel[i]!, stride[i]!, 0, 0, dilation[i]!, outputPadding[i]!) - out[i]!);
    const [[top, bottom], [left, right]] = totals.map((t) => splitTotal(t, mode)) as [[number, number], [number, number]];
    // a negative total (an output the taps do not reach) is where the spec and onnxruntime part:
    // the runtime clamps it to 0 — for SAME_* a smaller output, for output_shape the extra rows
    // at the end — so only the case both read alike (output_shape, the extra at the end) is imported
    if ((same && totals.some((t) => t < 0)) || top < 0 || left < 0) {
      throw c.unsupported('attribute', `${same ? `auto_pad ${mode}` : `output_shape [${outputShape!.join(', ')}]`} asks for negative total padding [${totals.join(', ')}] before the output, which ONNX's spec and onnxruntime read differently`);
    }
    return [top, left, bottom, right];
  };
  if (outputShape) {
    // the spatial sizes, or (as some exporters write) the whole [N, C, …] shape
    const sizes = outputShape.length === rank + 2 ? outputShape.slice(2) : outputShape;
    if (sizes.length !== rank || sizes.some((x) => !Number.isSafeInteger(x) || x < 1)) throw c.format(`output_shape [${outputShape.join(', ')}] must be ${rank} positive integers`);
    pads = fromOutput(rank === 2 ? sizes : [1, sizes[0]!], autoPad, false);
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = fromOutput([spatial[0]! * stride[0], spatial[1]! * stride[1]], autoPad, true);
  } else if (autoPad === 'VALID') {
    pads = [0, 0, 0, 0];
  } else {
    const p = c.attrs.ints('pads') ?? new Array<number>(2 * rank).fill(0);
    if (p.length !== 2 * rank) throw c.format(`pads [${p.join(', ')}] must have ${2 * rank} values for a ${rank}-D ConvTranspose`);
    if (p.some((x) => !Number.isSafeInteger(x) || x < 0)) throw c.unsupported('attribute', `pads [${p.join(', ')}] must be non-negative integers`);
    pads = rank === 2 ? [p[0]!, p[1]!, p[2]!, p[3]!] : [0, p[0]!, 0, p[1]!];
  }
  const bias = c.inputs[2] ? c.constInput(2, 'the bias') : undefined;
  if (bias && bias.data.length !== outChannels) throw c.format(`the bias has ${bias.data.length} values for ${outChannels} output channels`);
  const y = convTranspose2d(c.build, t, { name: c.name, outChannels, kernel, stride, padding: pads, outputPadding, dilation, groups, bias: !!bias });
  // a 1-D weight [C_in, C_out/g, L] is the 2-D [C_in, C_out/g, 1, L] in the same order
  c.setWeight(`${c.name}.weight`, floatData(w));
  if (bias) c.setWeight(`${c.name}.bias`, floatData(bias));
  return [rank === 2 ? runtime(y) : runtime(y, [n, outChannels, y.shape[3]!])];
};

/**
 * ONNX ConvTranspose's attributes for a node. A negative end pad becomes
 * output padding (the same rows); a negative start pad has no ONNX spelling
 * outside output_shape, and is refused.
 */
function exportAttrs(n: ConvTranspose2dNode) {
  const a = n.attrs;
  if (a.padTop < 0 || a.padLeft < 0) throw new UnsupportedConfigurationError(`${n.name}: negative start pads [${a.padTop}, ${a.padLeft}] have no ONNX ConvTranspose form`);
  return {
    kernel_shape: { ints: [a.kernelHeight, a.kernelWidth] },
    strides: { ints: [a.strideH, a.strideW] },
    dilations: { ints: [a.dilationH, a.dilationW] },
    pads: { ints: [a.padTop, a.padLeft, Math.max(0, a.padBottom), Math.max(0, a.padRight)] },
    output_padding: { ints: [a.outputPaddingH - Math.min(0, a.padBottom), a.outputPaddingW - Math.min(0, a.padRight)] },
    group: { int: a.groups },
  };
}

export const convTransposeOp: OpDef<ConvTranspose2dNode> = {
  ops: ['convtranspose2d'],
  lower: (n, c: LowerContext): ConvTransposeExecNode => ({
    ...c.base,
    kind: 'convtranspose',
    attrs: n.attrs,
    weight: c.weight(n.weight),
    bias: n.bias ? c.weight(n.bias) : undefined,
    activation: 'none',
    strategy: 'auto',
  }),
  parameters: (n) => [n.weight, ...(n.bias ? [n.bias] : [])],
  // every input element meets every tap of its group's output channels once
  macs: (n, shape) => elementCount(shape(n.inputs[0]!)) * (n.attrs.outChannels / n.attrs.groups) * n.attrs.kernelHeight * n.attrs.kernelWidth,
  exportOnnx: (n, c: ExportContext) =>
    c.emit({
      op: 'ConvTranspose',
      name: n.name,
      inputs: [c.name(n.inputs[0]!), c.param(n.weight), ...(n.bias ? [c.param(n.bias)] : [])],
      outputs: [c.name(n.output)],
      attrs: exportAttrs(n),
    }),
  onnx: { ConvTranspose: importConvTranspose },
};

export const convTransposeKernel: KernelDef<ConvTransposeExecNode> = {
  kinds: ['convtranspose'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const s = convTransposeShapeOf(c.shape(n.inputs[0]!), n.attrs);
    const strategy = resolveConvTransposeStrategy(s, n.strategy, c.maxBindingBytes, n.name);
    const weights: Record<string, Float32Array> = { weight: layoutConvTransposeWeights(strategy, s, n.weight) };
    if (n.bias) weights.bias = n.bias;
    return {
      weights,
      scratchFloats: convTransposeScratchLength(strategy, s),
      writesSlices: true,
      dispatches: (b) =>
        convTranspose2dDispatches(
          strategy,
          s,
          { input: b.read(n.inputs[0]!), weight: b.weights.weight!, bias: b.weights.bias, output: b.write, scratch: b.scratch, unused: b.unused },
          { activation: n.activation, activationParams: n.activationParams },
          b.slice,
          c.label,
        ),
    };
  },
};
