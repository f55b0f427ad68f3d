/**
 * MobileNet v1 (Howard et al., 2017) and v2 (Sandler et al., 2018).
 *
 * v2 is torchvision's MobileNetV2, with its parameter names. torchvision has
 * no v1, so v1's names are ours, in the same style:
 *
 *   features.0.conv, features.0.bn          stem: 3×3/2 conv to 32·α, BN, ReLU
 *   features.{i}.dw.conv, features.{i}.dw.bn  i = 1…13: depthwise 3×3, BN, ReLU
 *   features.{i}.pw.conv, features.{i}.pw.bn  then pointwise 1×1, BN, ReLU
 *   fc                                       the classifier (weight, bias)
 *
 * Convs have no bias (BN follows); BN parameters are weight, bias,
 * running_mean, running_var with eps 1e-5, as torch.nn.BatchNorm2d.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

/** Output channels and stride of v1's 13 depthwise-separable blocks (the paper's Table 1). */
const V1_BLOCKS: readonly (readonly [number, number])[] = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1],
  [1024, 2], [1024, 1],
];

/** conv (no bias, "same" padding) → BatchNorm → activation, with the conv and BN named by the caller. */
function convBnAct(
  g: GraphBuilder,
  x: Tensor,
  names: { conv: string; bn: string },
  outChannels: number,
  o: { kernel?: number; stride?: number; groups?: number; activation?: 'relu' | 'relu6' | 'none' } = {},
): Tensor {
  const kernel = o.kernel ?? 3;
  const y = g.conv2d(x, { name: names.conv, outChannels, kernel, stride: o.stride ?? 1, pad: (kernel - 1) >> 1, groups: o.groups ?? 1, bias: false });
  const z = g.batchNorm(y, { name: names.bn });
  return o.activation === 'none' ? z : g.activation(z, o.activation ?? 'relu');
}

/**
 * MobileNet v1: a 3×3/2 conv to 32 channels, 13 depthwise-separable blocks
 * (depthwise 3×3 + BN + ReLU, pointwise 1×1 + BN + ReLU), global average
 * pool, fc. Width multiplier α scales every layer's channels to
 * Math.round(c·α) (at least 1); for the paper's α ∈ {1, 0.75, 0.5, 0.25}
 * every c·α is already an integer, so the rule only matters for other α.
 * 4,231,976 parameters at α = 1 and 1000 classes: the paper's 4.2 M
 * (3.2 M in the convs, 1.0 M in fc) plus the BatchNorm scales and shifts;
 * 569 M multiply-accumulates at 224×224, as the paper's Table 6 (and 2.6 M /
 * 325 M, 1.3 M / 149 M, 0.5 M / 41 M at α = 0.75, 0.5, 0.25).
 *
 * @example
 * const graph = mobilenetV1({ alpha: 0.5, inputSize: 160 }); // image [1, 3, 160, 160] → logits [1, 1000]
 */
export function mobilenetV1(o: ModelOptions & { alpha?: number } = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o, 224);
  const alpha = o.alpha ?? 1;
  if (!(alpha > 0)) throw new RangeError(`mobilenetV1: alpha must be positive, got ${alpha}`);
  const width = (c: number): number => Math.max(1, Math.round(c * alpha));
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  x = convBnAct(g, x, { conv: 'features.0.conv', bn: 'features.0.bn' }, width(32), { stride: 2 });
  V1_BLOCKS.forEach(([channels, stride], k) => {
    const p = `features.${k + 1}`;
    x = convBnAct(g, x, { conv: `${p}.dw.conv`, bn: `${p}.dw.bn` }, x.shape[1]!, { stride, groups: x.shape[1]! });
    x = convBnAct(g, x, { conv: `${p}.pw.conv`, bn: `${p}.pw.bn` }, width(channels), { kernel: 1 });
  });
  x = g.flatten(g.globalAvgPool(x, 'avgpool'));
  g.output(g.linear(x, { name: 'fc', outFeatures: numClasses }), 'logits');
  return g.build();
}

/**
 * torchvision's _make_divisible (from TensorFlow's slim): the nearest
 * multiple of `divisor` to v, at least `divisor`, and never more than 10%
 * below v. EfficientNet rounds its channels the same way.
 */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/** Expansion t, output channels c, repeats n, first stride s of v2's seven bottleneck stages (the paper's Table 2). */
const V2_STAGES: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/**
 * v2's inverted residual `features.{i}`: 1×1 expansion (skipped when t = 1)
 * + BN + ReLU6, depthwise 3×3 + BN + ReLU6, linear 1×1 projection + BN;
 * the input is added when the stride is 1 and the channels are unchanged.
 */
function invertedResidual(g: GraphBuilder, x: Tensor, p: string, outChannels: number, stride: number, expansion: number): Tensor {
  const inChannels = x.shape[1]!;
  const hidden = Math.round(inChannels * expansion);
  let y = x;
  let k = 0;
  if (expansion !== 1) {
    y = convBnAct(g, y, { conv: `${p}.conv.0.0`, bn: `${p}.conv.0.1` }, hidden, { kernel: 1, activation: 'relu6' });
    k = 1;
  }
  y = convBnAct(g, y, { conv: `${p}.conv.${k}.0`, bn: `${p}.conv.${k}.1` }, hidden, { stride, groups: hidden, activation: 'relu6' });
  y = convBnAct(g, y, { conv: `${p}.conv.${k + 1}`, bn: `${p}.conv.${k + 2}` }, outChannels, { kernel: 1, activation: 'none' });
  return stride === 1 && inChannels === outChannels ? g.add(x, y) : y;
}

/**
 * torchvision's MobileNetV2: a 3×3/2 conv to 32 channels + BN + ReLU6, 17
 * inverted residual blocks (expansion 6, linear bottlenecks), a 1×1 conv to
 * 1280·max(1, widthMult) + BN + ReLU6, global average pool, dropout,
 * classifier.1. Every channel count c becomes makeDivisible(c·widthMult, 8).
 * 3,504,872 parameters at widthMult 1 and 1000 classes.
 *
 * @example
 * const graph = mobilenetV2();                                  // image [1, 3, 224, 224] → logits [1, 1000]
 * const narrow = mobilenetV2({ widthMult: 0.5, inputSize: 128 });
 */
export function mobilenetV2(o: ModelOptions & { widthMult?: number } = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o, 224);
  const widthMult = o.widthMult ?? 1;
  if (!(widthMult > 0)) throw new RangeError(`mobilenetV2: widthMult must be positive, got ${widthMult}`);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  x = convBnAct(g, x, { conv: 'features.0.0', bn: 'features.0.1' }, makeDivisible(32 * widthMult), { stride: 2, activation: 'relu6' });
  let index = 1;
  for (const [t, c, n, s] of V2_STAGES) {
    for (let i = 0; i < n; i++) x = invertedResidual(g, x, `features.${index++}`, makeDivisible(c * widthMult), i === 0 ? s : 1, t);
  }
  const last = makeDivisible(1280 * Math.max(1, widthMult));
  x = convBnAct(g, x, { conv: `features.${index}.0`, bn: `features.${index}.1` }, last, { kernel: 1, activation: 'relu6' });
  x = g.dropout(g.flatten(g.globalAvgPool(x, 'avgpool')), 'classifier.0');
  g.output(g.linear(x, { name: 'classifier.1', outFeatures: numClasses }), 'logits');
  return g.build();
}
