/**
 * InstanceNormalization (ONNX) / torch.nn.InstanceNorm2d: every image's
 * channel normalized by its own mean and biased variance over H·W, then
 * (affine) scaled and shifted per channel, parameters named
 * `<name>.weight` / `<name>.bias` as PyTorch's affine=True module names
 * them. Runs as one instance_norm dispatch on the NHWC data; ONNX's rank-3
 * [N, C, L] inputs are imported as [N, C, 1, L].
 */
import { GraphError } from '../errors.js';
import { instanceNorm as instanceNormDispatch } from '../kernels/instance_norm.js';
import { requireImage } from './checks.js';
import type { BuildContext, ExportContext, KernelContext, KernelDef, NodeKernel, OpDef } from './op.js';
import { floatData, runtime, type OnnxHandler } from './onnx_import.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

export interface InstanceNormOptions {
  name?: string;
  /** Added to the variance; default 1e-5 (ONNX's and PyTorch's). */
  eps?: number;
  /** A per-channel scale and shift (`<name>.weight`, `<name>.bias`); default false, as torch.nn.InstanceNorm2d (ONNX's import always has them). */
  affine?: boolean;
}

export interface InstanceNormNode extends NodeBase {
  readonly op: 'instancenorm';
  readonly epsilon: number;
  /** The affine parameters; absent: scale 1, shift 0. */
  readonly weight?: string;
  readonly bias?: string;
}

export interface InstanceNormExecNode extends ExecNodeBase {
  readonly kind: 'instancenorm';
  readonly epsilon: number;
  /** One per channel: the affine weight, or ones. */
  readonly scale: Float32Array;
  /** One per channel: the affine bias, or zeros. */
  readonly shift: Float32Array;
}

/** Instance normalization of [N, C, H, W] over each (n, c)'s H·W. */
export function instanceNorm(b: BuildContext, x: Tensor, o: InstanceNormOptions = {}): Tensor {
  const name = b.nodeName(o.name, 'instancenorm');
  const [, c] = requireImage(x, name);
  const epsilon = o.eps ?? 1e-5;
  if (!Number.isFinite(epsilon) || epsilon < 0) throw new GraphError(name, `eps must be finite and ≥ 0, got ${epsilon}`);
  const affine = o.affine ?? false;
  const params = affine ? { weight: b.param(`${name}.weight`, [c], true), bias: b.param(`${name}.bias`, [c], true) } : {};
  return b.node<InstanceNormNode>({ op: 'instancenorm', name, epsilon, ...params }, [x], x.shape);
}

/** InstanceNormalization: input [N, C, H, W] or [N, C, L], scale and B constants of C values. */
const importInstanceNormalization: OnnxHandler = (c) => {
  const v = c.runtimeInput(0);
  if (v.shape.length !== 3 && v.shape.length !== 4) throw c.unsupported('shape', `only [N, C, L] and [N, C, H, W] inputs are supported, got [${v.shape.join(', ')}]`);
  const [n, channels] = v.shape as [number, number];
  const scale = c.constInput(1, 'scale');
  const bias = c.constInput(2, 'B');
  for (const [what, p] of [['scale', scale], ['B', bias]] as const) {
    if (p.data.length !== channels) throw c.format(`${what} has ${p.data.length} values for ${channels} channels`);
  }
  // a rank-3 [N, C, L] is the same data as [N, C, 1, L]: the statistics run over L either way
  const shape4 = v.shape.length === 3 ? [n, channels, 1, v.shape[2]!] : v.shape;
  const y = instanceNorm(c.build, c.tensor(v, shape4), { name: c.name, eps: c.attrs.float('epsilon', 1e-5), affine: true });
  c.setWeight(`${c.name}.weight`, floatData(scale));
  c.setWeight(`${c.name}.bias`, floatData(bias));
  return [runtime(y, v.shape)];
};

function exportInstanceNorm(n: InstanceNormNode, c: ExportContext): void {
  const channels = c.shape(n.inputs[0]!)[1]!;
  const scale = n.weight ? c.param(n.weight) : c.floats(`${n.name}.unit_scale`, new Float32Array(channels).fill(1));
  const bias = n.bias ? c.param(n.bias) : c.floats(`${n.name}.zero_bias`, new Float32Array(channels));
  c.emit({ op: 'InstanceNormalization', name: n.name, inputs: [c.name(n.inputs[0]!), scale, bias], outputs: [c.name(n.output)], attrs: { epsilon: { float: n.epsilon } } });
}

export const instanceNormOp: OpDef<InstanceNormNode> = {
  ops: ['instancenorm'],
  lower: (n, c): InstanceNormExecNode => {
    const channels = c.shape(n.output)[1]!;
    return {
      ...c.base,
      kind: 'instancenorm',
      epsilon: n.epsilon,
      scale: n.weight ? c.weight(n.weight) : new Float32Array(channels).fill(1),
      shift: n.bias ? c.weight(n.bias) : new Float32Array(channels),
    };
  },
  parameters: (n) => (n.weight && n.bias ? [n.weight, n.bias] : []),
  exportOnnx: exportInstanceNorm,
  onnx: { InstanceNormalization: importInstanceNormalization },
};

export const instanceNormKernel: KernelDef<InstanceNormExecNode> = {
  kinds: ['instancenorm'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return {
      weights: { scale: n.scale, shift: n.shift },
      scratchFloats: 0,
      writesSlices: false,
      dispatches: (b) => [
        instanceNormDispatch({ batch, channels, height, width, epsilon: n.epsilon }, { input: b.read(n.inputs[0]!), scale: b.weights.scale!, bias: b.weights.shift!, output: b.write }, c.label),
      ],
    };
  },
};
