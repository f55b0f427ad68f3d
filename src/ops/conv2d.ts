/**
 * Conv2d: NCHW logical, NHWC on the GPU, any kernel, stride, dilation,
 * asymmetric pads and groups. Executes as a `conv` node whose strategy (and
 * GEMM tile) a pass chooses; BatchNorm lowers to the same kind.
 */
import { GraphError } from '../errors.js';
import { resolveConvStrategy } from '../kernels/conv2d.js';
import { conv2dShape, convOutputSize, type Conv2dShape } from '../kernels/conv2d_shape.js';
import type { GemmTileName } from '../kernels/gemm.js';
import type { Activation, ActivationParams, ConvStrategyName } from '../vocabulary.js';
import { pair, padding, requireImage, type Pair, type Padding } from './checks.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, LowerContext, NodeKernel, OpDef } from './op.js';
import { floatData, type OnnxHandler } from './onnx_import.js';
import { importConv3d } from './conv3d.js';
import { onnxWindowInput, pairAttr, windowAttrs, windowPads } from './onnx_window.js';
import { elementCount, type ExecNodeBase, type NodeBase, type Shape, type Tensor } from './types.js';

export interface Conv2dAttrs {
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  groups: number;
}

export interface Conv2dOptions {
  name?: string;
  outChannels: number;
  kernel: Pair;
  stride?: Pair;
  pad?: Padding;
  dilation?: Pair;
  groups?: number;
  /** Default true; false for convs followed by BatchNorm, as torchvision builds them. */
  bias?: boolean;
}

export interface Conv2dNode extends NodeBase {
  readonly op: 'conv2d';
  readonly attrs: Conv2dAttrs;
  readonly weight: string;
  readonly bias?: string;
}

export interface ConvNode extends ExecNodeBase {
  readonly kind: 'conv';
  readonly attrs: Conv2dAttrs;
  /** OIHW. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  readonly activation: Activation;
  readonly activationParams?: ActivationParams;
  /** A tensor shaped like the output, added before the activation. */
  readonly residual?: number;
  readonly strategy: ConvStrategyName | 'auto';
  /** The GEMM tile of a GEMM strategy (im2col, implicit_gemm, pointwise), when a pass chose one; else the strategy's own. */
  readonly tile?: GemmTileName;
  /** K slices of its GEMM (split-K) when a pass chose more than 1 (kernels/gemm_grid.ts plans it). */
  readonly splitK?: number;
}

export function conv2d(b: BuildContext, x: Tensor, o: Conv2dOptions): Tensor {
  const name = b.nodeName(o.name, 'conv');
  const [n, c, h, w] = requireImage(x, name);
  const [kernelHeight, kernelWidth] = pair(o.kernel);
  const [strideH, strideW] = pair(o.stride ?? 1);
  const [dilationH, dilationW] = pair(o.dilation ?? 1);
  const groups = o.groups ?? 1;
  const attrs: Conv2dAttrs = { outChannels: o.outChannels, kernelHeight, kernelWidth, strideH, strideW, dilationH, dilationW, groups, ...padding(o.pad) };
  for (const [k, v] of Object.entries(attrs)) {
    const min = k.startsWith('pad') ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new GraphError(name, `${k} must be an integer ≥ ${min}, got ${v}`);
  }
  if (c % groups || o.outChannels % groups) throw new GraphError(name, `${groups} groups must divide ${c} input and ${o.outChannels} output channels`);
  const oh = convOutputSize(h, kernelHeight, strideH, attrs.padTop, attrs.padBottom, dilationH);
  const ow = convOutputSize(w, kernelWidth, strideW, attrs.padLeft, attrs.padRight, dilationW);
  if (oh < 1 || ow < 1) throw new GraphError(name, `a ${kernelHeight}×${kernelWidth} kernel does not fit the ${h}×${w} input with this padding`);
  const weight = b.param(`${name}.weight`, [o.outChannels, c / groups, kernelHeight, kernelWidth], true);
  const bias = o.bias === false ? undefined : b.param(`${name}.bias`, [o.outChannels], true);
  return b.node<Conv2dNode>({ op: 'conv2d', name, attrs, weight, bias }, [x], [n, o.outChannels, oh, ow]);
}

/** The kernel-facing shape of a conv node whose input is `input` (logical NCHW). */
export function convShapeOf(input: Shape, attrs: Conv2dAttrs): Conv2dShape {
  const [batch, inChannels, inHeight, inWidth] = input as [number, number, number, number];
  return conv2dShape({ batch, inChannels, inHeight, inWidth, ...attrs });
}

/** 2-D Conv, and 1-D Conv on [N, C, L] as a 2-D one on [N, C, 1, L] with a [M, C/g, 1, K] weight (the same data). */
const importConv: OnnxHandler = (c) => {
  if (c.runtimeInput(0).shape.length === 5) return importConv3d(c);
  const x = onnxWindowInput(c);
  const rank = x.spatialRank;
  const w = c.constInput(1, 'the weight');
  if (w.dims.length !== rank + 2) throw c.unsupported('shape', `the weight [${w.dims.join(', ')}] of a ${rank}-D convolution on [${x.v.shape.join(', ')}] must have rank ${rank + 2}`);
  const [outChannels, perGroup] = w.dims as [number, number];
  const kernelDims = w.dims.slice(2);
  const [kh, kw] = rank === 1 ? [1, kernelDims[0]!] : [kernelDims[0]!, kernelDims[1]!];
  const groups = c.attrs.int('group', 1);
  const kernelAttr = c.attrs.ints('kernel_shape');
  if (kernelAttr && kernelAttr.join() !== kernelDims.join()) throw c.format(`kernel_shape [${kernelAttr.join(', ')}] disagrees with the weight [${w.dims.join(', ')}]`);
  if (!Number.isSafeInteger(groups) || groups < 1 || perGroup * groups !== x.v.shape[1]) {
    throw c.format(`the weight [${w.dims.join(', ')}] with group ${groups} does not fit ${x.v.shape[1]} input channels`);
  }
  const stride = pairAttr(c, 'strides', 1, rank);
  const dilation = pairAttr(c, 'dilations', 1, rank);
  const pad = windowPads(c, x.t.shape[2]!, x.t.shape[3]!, [kh, kw], stride, dilation, rank);
  const bias = c.inputs[2] ? c.constInput(2, 'the bias') : undefined;
  if (bias && bias.data.length !== outChannels) throw c.format(`the bias has ${bias.data.length} values for ${outChannels} output channels`);
  const y = conv2d(c.build, x.t, { name: c.name, outChannels, kernel: [kh, kw], stride, pad, dilation, groups, bias: !!bias });
  c.setWeight(`${c.name}.weight`, floatData(w));
  if (bias) c.setWeight(`${c.name}.bias`, floatData(bias));
  return [x.result(y)];
};

export const conv2dOp: OpDef<Conv2dNode> = {
  ops: ['conv2d'],
  lower: (n, c: LowerContext): ConvNode => ({
    ...c.base,
    kind: 'conv',
    attrs: n.attrs,
    weight: c.weight(n.weight),
    bias: n.bias ? c.weight(n.bias) : undefined,
    activation: 'none',
    strategy: 'auto',
  }),
  parameters: (n) => [n.weight, ...(n.bias ? [n.bias] : [])],
  macs: (n, shape) => {
    const a = n.attrs;
    return elementCount(shape(n.output)) * (shape(n.inputs[0]!)[1]! / a.groups) * a.kernelHeight * a.kernelWidth;
  },
  exportOnnx: (n, c: ExportContext) =>
    c.emit({
      op: 'Conv',
      name: n.name,
      inputs: [c.name(n.inputs[0]!), c.param(n.weight), ...(n.bias ? [c.param(n.bias)] : [])],
      outputs: [c.name(n.output)],
      attrs: { ...windowAttrs(n.attrs), dilations: { ints: [n.attrs.dilationH, n.attrs.dilationW] }, group: { int: n.attrs.groups } },
    }),
  onnx: { Conv: importConv },
};

export const convKernel: KernelDef<ConvNode> = {
  kinds: ['conv'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const s = convShapeOf(c.shape(n.inputs[0]!), n.attrs);
    const strategy = resolveConvStrategy(s, n.strategy);
    const weights: Record<string, Float32Array> = { weight: strategy.layoutWeights(s, n.weight) };
    if (n.bias) weights.bias = n.bias;
    return {
      weights,
      scratchFloats: strategy.scratchLength(s),
      partialFloats: strategy.partialLength?.(s, n.tile, n.splitK) ?? 0,
      writesSlices: true,
      readsNchw: !!strategy.readsNchw,
      dispatches: (b) =>
        strategy
          .dispatches(
            s,
            {
              input: b.read(n.inputs[0]!),
              inputLayout: b.isNchw?.(n.inputs[0]!) ? 'nchw' : 'nhwc',
              weight: b.weights.weight!,
              bias: b.weights.bias,
              residual: n.residual !== undefined ? b.read(n.residual) : undefined,
              output: b.write,
              scratch: b.scratch,
              partials: b.partials,
              unused: b.unused,
            },
            { activation: n.activation, activationParams: n.activationParams },
            b.slice,
            n.tile,
            n.splitK,
          )
          .map((d) => ({ ...d, label: `${c.label} (${d.label})` })),
    };
  },
};
