/**
 * BatchNorm2d in inference mode (running statistics), named like
 * torch.nn.BatchNorm2d. It lowers to a per-channel affine conv (1×1,
 * depthwise) so it runs on the depthwise kernel when nothing precedes it to
 * fold into; the fold_batchnorm pass merges it into the conv before it
 * otherwise.
 */
import type { ConvNode } from './conv2d.js';
import { requireImage } from './checks.js';
import type { BuildContext, OpDef } from './op.js';
import { floatData, runtime, type OnnxHandler } from './onnx_import.js';
import { volumeAsImage } from './onnx_window3d.js';
import type { NodeBase, Tensor } from './types.js';

export interface BatchNormNode extends NodeBase {
  readonly op: 'batchnorm';
  readonly weight: string;
  readonly bias: string;
  readonly mean: string;
  readonly variance: string;
  readonly epsilon: number;
}

export interface BatchNormOptions {
  name?: string;
  epsilon?: number;
}

export function batchNorm(b: BuildContext, x: Tensor, o: BatchNormOptions = {}): Tensor {
  const name = b.nodeName(o.name, 'bn');
  const [, c] = requireImage(x, name);
  return b.node<BatchNormNode>(
    {
      op: 'batchnorm',
      name,
      weight: b.param(`${name}.weight`, [c], true),
      bias: b.param(`${name}.bias`, [c], true),
      mean: b.param(`${name}.running_mean`, [c], false),
      variance: b.param(`${name}.running_var`, [c], false),
      epsilon: o.epsilon ?? 1e-5,
    },
    [x],
    x.shape,
  );
}

const importBatchNormalization: OnnxHandler = (c) => {
  if (c.attrs.int('training_mode', 0) === 1) throw c.unsupported('attribute', 'training_mode 1 is not supported (export the model in eval mode)');
  if (c.attrs.int('spatial', 1) !== 1) throw c.unsupported('attribute', 'spatial 0 is not supported');
  if (c.outputNames.slice(1).some(Boolean) && c.opset >= 14) throw c.unsupported('attribute', 'the running-statistics outputs are not supported');
  const v = c.runtimeInput(0);
  if (v.shape.length < 2 || v.shape.length > 5) throw c.unsupported('shape', `input [${v.shape.join(', ')}] is not supported (BatchNormalization takes [N, C] to [N, C, D, H, W])`);
  const channels = v.shape[1]!;
  const params = [c.constInput(1, 'scale'), c.constInput(2, 'B'), c.constInput(3, 'mean'), c.constInput(4, 'var')];
  for (const p of params) if (p.data.length !== channels) throw c.format(`a statistic has ${p.data.length} values for ${channels} channels`);
  // per channel on axis 1, so [N, C, D, H, W] is the same affine on its row-major view [N, C, D·H, W]
  const shape4 = v.shape.length === 5 ? volumeAsImage(v.shape) : [v.shape[0]!, channels, v.shape[2] ?? 1, v.shape[3] ?? 1];
  const y = batchNorm(c.build, c.tensor(v, shape4), { name: c.name, epsilon: c.attrs.float('epsilon', 1e-5) });
  ['weight', 'bias', 'running_mean', 'running_var'].forEach((p, i) => c.setWeight(`${c.name}.${p}`, floatData(params[i]!)));
  return [runtime(y, v.shape)];
};

export const batchNormOp: OpDef<BatchNormNode> = {
  ops: ['batchnorm'],
  lower: (n, c): ConvNode => {
    const channels = c.shape(n.output)[1]!;
    const [gamma, beta, mean, variance] = [c.weight(n.weight), c.weight(n.bias), c.weight(n.mean), c.weight(n.variance)];
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let ch = 0; ch < channels; ch++) {
      // computed in float64, rounded once
      const s = gamma[ch]! / Math.sqrt(variance[ch]! + n.epsilon);
      scale[ch] = s;
      shift[ch] = beta[ch]! - mean[ch]! * s;
    }
    return {
      ...c.base,
      kind: 'conv',
      attrs: { outChannels: channels, kernelHeight: 1, kernelWidth: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0, groups: channels },
      weight: scale,
      bias: shift,
      activation: 'none',
      strategy: 'auto',
    };
  },
  parameters: (n) => [n.weight, n.bias],
  exportOnnx: (n, c) =>
    c.emit({
      op: 'BatchNormalization',
      name: n.name,
      inputs: [c.name(n.inputs[0]!), c.param(n.weight), c.param(n.bias), c.param(n.mean), c.param(n.variance)],
      outputs: [c.name(n.output)],
      attrs: { epsilon: { float: n.epsilon } },
    }),
  onnx: { BatchNormalization: importBatchNormalization },
};
