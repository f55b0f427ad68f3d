/**
 * Conv3d on [N, C, D, H, W] (stored row-major, NCDHW), named like
 * torch.nn.Conv3d: groups, strides, dilations, begin/end pads, bias and an
 * activation fused into the kernel's epilogue. Executes as a `conv3d` node:
 * one conv3d_direct dispatch. ONNX Conv on 5-D inputs imports here (the Conv
 * handler of ops/conv2d.ts hands those over).
 */
import { GraphError } from '../errors.js';
import { conv3d as conv3dDispatch, conv3dShape, layoutConv3dWeights, type Conv3dShape, type Triple, type Window3d } from '../kernels/conv3d.js';
import { convOutputSize } from '../kernels/conv2d_shape.js';
import type { Activation, ActivationParams } from '../vocabulary.js';
import { exportActivation, type ActivationNode } from './activation.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, LowerContext, NodeKernel, OnnxNodeSpec, OpDef } from './op.js';
import { floatData, runtime, type OnnxNodeContext, type RuntimeValue } from './onnx_import.js';
import { tripleAttr, window3dAttrs, windowPads3d } from './onnx_window3d.js';
import { elementCount, showShape, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

/** A number for every axis, or [D, H, W]. */
export type Triplet = number | Triple;
/** A number for every side, [D, H, W] (both sides of each axis), or [front, top, left, back, bottom, right] as ONNX orders pads. */
export type Padding3d = number | Triple | readonly [number, number, number, number, number, number];

export const triple = (v: Triplet): [number, number, number] => (typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]]);

export function padding3d(p: Padding3d | undefined): Pick<Window3d, 'padBegin' | 'padEnd'> {
  if (p === undefined) return { padBegin: [0, 0, 0], padEnd: [0, 0, 0] };
  if (typeof p === 'number' || p.length === 3) {
    const t = triple(p as Triplet);
    return { padBegin: t, padEnd: t };
  }
  return { padBegin: [p[0], p[1], p[2]], padEnd: [p[3], p[4], p[5]] };
}

/** The [N, C, D, H, W] input of a 3-D window op. */
export function requireVolume(x: Tensor, node: string): [number, number, number, number, number] {
  if (x.shape.length !== 5) throw new GraphError(node, `expects an [N, C, D, H, W] tensor, got ${showShape(x.shape)}`);
  return x.shape as unknown as [number, number, number, number, number];
}

/** Checks a window's numbers, naming the node and the field. */
export function checkWindow(name: string, w: Window3d): void {
  for (const k of ['kernel', 'stride', 'dilation'] as const) {
    if (w[k].length !== 3 || w[k].some((v) => !Number.isInteger(v) || v < 1)) throw new GraphError(name, `${k} must be 3 positive integers [D, H, W], got [${w[k].join(', ')}]`);
  }
  for (const k of ['padBegin', 'padEnd'] as const) {
    if (w[k].length !== 3 || w[k].some((v) => !Number.isInteger(v) || v < 0)) throw new GraphError(name, `${k} must be 3 non-negative integers [D, H, W], got [${w[k].join(', ')}]`);
  }
}

export interface Conv3dAttrs extends Window3d {
  outChannels: number;
  groups: number;
}

/**
 * torch.nn.Conv3d(in, out, kernel_size, stride, padding, dilation, groups, bias)
 * is `conv3d(x, { outChannels, kernel, stride, padding, dilation, groups, bias })`;
 * the weight `${name}.weight` is [outChannels, inChannels / groups, kD, kH, kW].
 * @example g.conv3d(x, { name: 'conv1', outChannels: 8, kernel: 3, padding: 1, activation: 'relu' })
 */
export interface Conv3dOptions {
  name?: string;
  outChannels: number;
  kernel: Triplet;
  /** Default 1. */
  stride?: Triplet;
  padding?: Padding3d;
  /** Default 1. */
  dilation?: Triplet;
  /** Default 1. */
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** Applied to the convolution's output in the same kernel; default none. */
  activation?: Activation;
  activationParams?: ActivationParams;
}

export interface Conv3dNode extends NodeBase {
  readonly op: 'conv3d';
  readonly attrs: Conv3dAttrs;
  readonly weight: string;
  readonly bias?: string;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

export interface Conv3dExecNode extends ExecNodeBase {
  readonly kind: 'conv3d';
  readonly attrs: Conv3dAttrs;
  /** PyTorch's OIDHW layout. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
}

export function conv3d(b: BuildContext, x: Tensor, o: Conv3dOptions): Tensor {
  const name = b.nodeName(o.name, 'conv3d');
  const [n, c, d, h, w] = requireVolume(x, name);
  const groups = o.groups ?? 1;
  const attrs: Conv3dAttrs = { outChannels: o.outChannels, groups, kernel: triple(o.kernel), stride: triple(o.stride ?? 1), dilation: triple(o.dilation ?? 1), ...padding3d(o.padding) };
  checkWindow(name, attrs);
  for (const k of ['outChannels', 'groups'] as const) {
    if (!Number.isInteger(attrs[k]) || attrs[k] < 1) throw new GraphError(name, `${k} must be a positive integer, got ${attrs[k]}`);
  }
  if (c % groups || o.outChannels % groups) throw new GraphError(name, `${groups} groups must divide ${c} input and ${o.outChannels} output channels`);
  const out = [d, h, w].map((size, i) => convOutputSize(size, attrs.kernel[i]!, attrs.stride[i]!, attrs.padBegin[i]!, attrs.padEnd[i]!, attrs.dilation[i]!));
  if (out.some((v) => v < 1)) throw new GraphError(name, `a ${attrs.kernel.join('×')} kernel (dilation [${attrs.dilation.join(', ')}]) does not fit the ${d}×${h}×${w} input with pads [${attrs.padBegin.join(', ')}] / [${attrs.padEnd.join(', ')}]`);
  const weight = b.param(`${name}.weight`, [o.outChannels, c / groups, ...attrs.kernel], true);
  const bias = o.bias === false ? undefined : b.param(`${name}.bias`, [o.outChannels], true);
  return b.node<Conv3dNode>({ op: 'conv3d', name, attrs, weight, bias, activation: o.activation ?? 'none', activationParams: o.activationParams }, [x], [n, o.outChannels, ...out]);
}

/** The kernel-facing shape of a conv3d node whose input is `input` (NCDHW). */
export function conv3dShapeOf(input: Shape, attrs: Conv3dAttrs): Conv3dShape {
  const [batch, inChannels, d, h, w] = input as [number, number, number, number, number];
  return conv3dShape({ batch, inChannels, inSize: [d, h, w], ...attrs });
}

/** ONNX Conv on [N, C, D, H, W] with a [M, C/group, kD, kH, kW] weight (called by ops/conv2d.ts's Conv handler). */
export function importConv3d(c: OnnxNodeContext): RuntimeValue[] {
  const v = c.runtimeInput(0);
  const w = c.constInput(1, 'the weight');
  if (w.dims.length !== 5) throw c.unsupported('shape', `the weight [${w.dims.join(', ')}] of a 3-D convolution on [${v.shape.join(', ')}] must have rank 5`);
  const [outChannels, perGroup, ...kernelDims] = w.dims as [number, number, number, number, number];
  const kernel: Triple = [kernelDims[0]!, kernelDims[1]!, kernelDims[2]!];
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.join() !== kernel.join()) throw c.format(`kernel_shape [${kernelAttr.join(', ')}] disagrees with the weight [${w.dims.join(', ')}]`);
  const groups = c.attrs.int('group', 1);
  if (!Number.isSafeInteger(groups) || groups < 1 || perGroup * groups !== v.shape[1]) {
    throw c.format(`the weight [${w.dims.join(', ')}] with group ${groups} does not fit ${v.shape[1]} input channels`);
  }
  const stride = tripleAttr(c, 'strides', 1);
  const dilation = tripleAttr(c, 'dilations', 1);
  const inSize = v.shape.slice(2) as unknown as Triple;
  const pads = windowPads3d(c, inSize, kernel, stride, dilation);
  const bias = c.inputs[2] ? c.constInput(2, 'the bias') : undefined;
  if (bias && bias.data.length !== outChannels) throw c.format(`the bias has ${bias.data.length} values for ${outChannels} output channels`);
  const padding = [...pads.padBegin, ...pads.padEnd] as unknown as Padding3d;
  const y = conv3d(c.build, c.tensor(v), { name: c.name, outChannels, kernel, stride, dilation, padding, groups, bias: !!bias });
  c.setWeight(`${c.name}.weight`, floatData(w));
  if (bias) c.setWeight(`${c.name}.bias`, floatData(bias));
  return [runtime(y)];
}

export const conv3dOp: OpDef<Conv3dNode> = {
  ops: ['conv3d'],
  lower: (n, c: LowerContext): Conv3dExecNode => ({
    ...c.base,
    kind: 'conv3d',
    attrs: n.attrs,
    weight: c.weight(n.weight),
    bias: n.bias ? c.weight(n.bias) : undefined,
    activation: n.activation,
    activationParams: n.activationParams,
  }),
  parameters: (n) => [n.weight, ...(n.bias ? [n.bias] : [])],
  macs: (n, shape) => elementCount(shape(n.output)) * (shape(n.inputs[0]!)[1]! / n.attrs.groups) * n.attrs.kernel[0] * n.attrs.kernel[1] * n.attrs.kernel[2],
  exportOnnx: (n, c: ExportContext) =>
    emitWithActivation(c, n, { op: 'Conv', attrs: { ...window3dAttrs(n.attrs), dilations: { ints: [...n.attrs.dilation] }, group: { int: n.attrs.groups } } }),
};

/**
 * Emits a convolution-like node (inputs x, weight, bias) and, where the node
 * fuses an activation, that activation as its own ONNX node after it, reading
 * the convolution's value `${y}.conv`.
 */
export function emitWithActivation(
  c: ExportContext,
  n: { name: string; inputs: readonly number[]; output: number; weight: string; bias?: string; activation: Activation; activationParams?: ActivationParams },
  spec: Pick<OnnxNodeSpec, 'op' | 'attrs'>,
): void {
  const fused = n.activation !== 'none';
  const convOut = fused ? `${c.name(n.output)}.conv` : c.name(n.output);
  c.emit({ ...spec, name: n.name, inputs: [c.name(n.inputs[0]!), c.param(n.weight), ...(n.bias ? [c.param(n.bias)] : [])], outputs: [convOut] });
  if (n.activation === 'none') return;
  const act: ActivationNode = { id: -1, op: 'activation', name: `${n.name}.activation`, inputs: [-1], output: n.output, activation: n.activation, params: n.activationParams };
  exportActivation(act, { ...c, name: (t) => (t === -1 ? convOut : c.name(t)) });
}

export const conv3dKernel: KernelDef<Conv3dExecNode> = {
  kinds: ['conv3d'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const s = conv3dShapeOf(c.shape(n.inputs[0]!), n.attrs);
    const weights: Record<string, Float32Array> = { weight: layoutConv3dWeights(s, n.weight) };
    if (n.bias) weights.bias = n.bias;
    return {
      weights,
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => [
        conv3dDispatch(s, { input: b.read(n.inputs[0]!), weight: b.weights.weight!, bias: b.weights.bias, output: b.write, unused: b.unused }, { activation: n.activation, activationParams: n.activationParams }, `${c.label} (conv3d_direct)`),
      ],
    };
  },
};
