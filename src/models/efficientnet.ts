/**
 * EfficientNet-B0…B7 (Tan & Le, 2019) as torchvision builds them, with its
 * parameter names: one baseline (B0) scaled by a width, a depth and a
 * resolution multiplier per variant.
 *
 * Names: features.0.{0,1} the stem conv and BN; features.{s}.{j}.block.{k}
 * the MBConv blocks (s = 1…7 the stage, j the block in it; k counts the
 * expansion conv when there is one, the depthwise conv, the SE block with
 * fc1/fc2, the projection, each conv+BN pair as .0/.1); features.8.{0,1} the
 * head conv and BN; classifier.1 the fc.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { makeDivisible } from './mobilenet.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

export type EfficientNetVariant = 'b0' | 'b1' | 'b2' | 'b3' | 'b4' | 'b5' | 'b6' | 'b7';

interface Scaling {
  width: number;
  depth: number;
  /** The paper's input resolution. */
  resolution: number;
  /** Dropout before the classifier in training (identity here); documents torchvision's value. */
  dropout: number;
  /**
   * BatchNorm eps: torchvision builds B0–B4 with PyTorch's default 1e-5 and
   * B5–B7 (weights ported from TensorFlow) with 1e-3.
   */
  epsilon: number;
}

/**
 * Compound scaling of each variant, as torchvision's efficientnet_b*
 * builders set it. torchvision's pretrained B2 is evaluated at 288, not the
 * paper's 260: pass inputSize to match it.
 */
export const EFFICIENTNET_SCALING: Record<EfficientNetVariant, Scaling> = {
  b0: { width: 1.0, depth: 1.0, resolution: 224, dropout: 0.2, epsilon: 1e-5 },
  b1: { width: 1.0, depth: 1.1, resolution: 240, dropout: 0.2, epsilon: 1e-5 },
  b2: { width: 1.1, depth: 1.2, resolution: 260, dropout: 0.3, epsilon: 1e-5 },
  b3: { width: 1.2, depth: 1.4, resolution: 300, dropout: 0.3, epsilon: 1e-5 },
  b4: { width: 1.4, depth: 1.8, resolution: 380, dropout: 0.4, epsilon: 1e-5 },
  b5: { width: 1.6, depth: 2.2, resolution: 456, dropout: 0.4, epsilon: 1e-3 },
  b6: { width: 1.8, depth: 2.6, resolution: 528, dropout: 0.5, epsilon: 1e-3 },
  b7: { width: 2.0, depth: 3.1, resolution: 600, dropout: 0.5, epsilon: 1e-3 },
};

/** B0's stages: expansion, kernel, first stride, input and output channels, blocks. */
const STAGES: readonly (readonly [number, number, number, number, number, number])[] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

type Act = 'silu' | 'none';

/** Conv2dNormActivation named `p`: conv `p.0` (no bias, "same" padding) → BN `p.1` → SiLU unless 'none'. */
function convBnAct(g: GraphBuilder, x: Tensor, p: string, outChannels: number, epsilon: number, o: { kernel?: number; stride?: number; groups?: number; act?: Act } = {}): Tensor {
  const kernel = o.kernel ?? 1;
  const y = g.conv2d(x, { name: `${p}.0`, outChannels, kernel, stride: o.stride ?? 1, pad: (kernel - 1) >> 1, groups: o.groups ?? 1, bias: false });
  const z = g.batchNorm(y, { name: `${p}.1`, epsilon });
  return o.act === 'none' ? z : g.activation(z, 'silu');
}

/** Squeeze-and-excitation `p`: global average pool → fc1 (1×1 conv, bias) → SiLU → fc2 → sigmoid, scaling x per channel. */
function squeezeExcite(g: GraphBuilder, x: Tensor, p: string, squeeze: number): Tensor {
  let s = g.globalAvgPool(x);
  s = g.activation(g.conv2d(s, { name: `${p}.fc1`, outChannels: squeeze, kernel: 1 }), 'silu');
  s = g.activation(g.conv2d(s, { name: `${p}.fc2`, outChannels: x.shape[1]!, kernel: 1 }), 'sigmoid');
  return g.mul(x, s);
}

/**
 * MBConv `p`: 1×1 expansion (skipped when it would not change the width) →
 * depthwise k×k → squeeze-excitation (squeeze width max(1, in / 4)) → linear
 * 1×1 projection; the input is added when stride is 1 and in == out
 * (stochastic depth is the identity at inference).
 */
function mbConv(g: GraphBuilder, x: Tensor, p: string, c: { expansion: number; kernel: number; stride: number; out: number; epsilon: number }): Tensor {
  const inChannels = x.shape[1]!;
  const expanded = makeDivisible(inChannels * c.expansion);
  let y = x;
  let k = 0;
  if (expanded !== inChannels) y = convBnAct(g, y, `${p}.block.${k++}`, expanded, c.epsilon);
  y = convBnAct(g, y, `${p}.block.${k++}`, expanded, c.epsilon, { kernel: c.kernel, stride: c.stride, groups: expanded });
  y = squeezeExcite(g, y, `${p}.block.${k++}`, Math.max(1, Math.floor(inChannels / 4)));
  y = convBnAct(g, y, `${p}.block.${k}`, c.out, c.epsilon, { act: 'none' });
  return c.stride === 1 && inChannels === c.out ? g.add(y, x) : y;
}

/**
 * Any EfficientNet-B variant: stem 3×3/2 conv + BN + SiLU, seven stages of
 * MBConv blocks, head 1×1 conv to 4× the last stage's width + BN + SiLU,
 * global average pool, dropout, classifier.1. Channels c become
 * makeDivisible(c·width, 8); each stage's block count n becomes
 * ceil(n·depth).
 *
 * @example
 * const graph = efficientnet('b3', { inputSize: 150 }); // image [1, 3, 150, 150] → logits [1, 1000]
 */
export function efficientnet(variant: EfficientNetVariant, o: ModelOptions = {}): Graph {
  const { width, depth, resolution, epsilon } = EFFICIENTNET_SCALING[variant];
  const { batch, inputSize, numClasses } = resolveModelOptions(o, resolution);
  const channels = (c: number): number => makeDivisible(c * width);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  x = convBnAct(g, x, 'features.0', channels(STAGES[0]![3]), epsilon, { kernel: 3, stride: 2 });
  STAGES.forEach(([expansion, kernel, stride, , out, blocks], s) => {
    const n = Math.ceil(blocks * depth);
    for (let j = 0; j < n; j++) {
      x = mbConv(g, x, `features.${s + 1}.${j}`, { expansion, kernel, stride: j === 0 ? stride : 1, out: channels(out), epsilon });
    }
  });
  x = convBnAct(g, x, `features.${STAGES.length + 1}`, 4 * x.shape[1]!, epsilon);
  x = g.dropout(g.flatten(g.globalAvgPool(x, 'avgpool')), 'classifier.0');
  g.output(g.linear(x, { name: 'classifier.1', outFeatures: numClasses }), 'logits');
  return g.build();
}

/**
 * EfficientNet-B0: 5,288,548 parameters, 224×224.
 * @example const graph = efficientnetB0({ batch: 2 }); // image [2, 3, 224, 224] → logits [2, 1000]
 */
export const efficientnetB0 = (o?: ModelOptions): Graph => efficientnet('b0', o);
/** @example const graph = efficientnetB1(); // 7,794,184 parameters, 240×240 */
export const efficientnetB1 = (o?: ModelOptions): Graph => efficientnet('b1', o);
/** @example const graph = efficientnetB2(); // 9,109,994 parameters, 260×260 */
export const efficientnetB2 = (o?: ModelOptions): Graph => efficientnet('b2', o);
/** @example const graph = efficientnetB3(); // 12,233,232 parameters, 300×300 */
export const efficientnetB3 = (o?: ModelOptions): Graph => efficientnet('b3', o);
/** @example const graph = efficientnetB4(); // 19,341,616 parameters, 380×380 */
export const efficientnetB4 = (o?: ModelOptions): Graph => efficientnet('b4', o);
/** @example const graph = efficientnetB5(); // 30,389,784 parameters, 456×456, BN eps 1e-3 */
export const efficientnetB5 = (o?: ModelOptions): Graph => efficientnet('b5', o);
/** @example const graph = efficientnetB6(); // 43,040,704 parameters, 528×528, BN eps 1e-3 */
export const efficientnetB6 = (o?: ModelOptions): Graph => efficientnet('b6', o);
/** @example const graph = efficientnetB7(); // 66,347,960 parameters, 600×600, BN eps 1e-3 */
export const efficientnetB7 = (o?: ModelOptions): Graph => efficientnet('b7', o);
