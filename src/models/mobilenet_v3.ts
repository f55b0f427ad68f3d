/**
 * MobileNet v3 (Howard et al., 2019), Small and Large, as torchvision builds
 * them, with its parameter names:
 *
 *   features.0.{0,1}                 stem: 3×3/2 conv + BN + hardswish
 *   features.{i}.block.{k}           i = 1…n the inverted residuals; k counts
 *                                    the 1×1 expansion (absent when it would
 *                                    not widen), the depthwise k×k, the SE
 *                                    block (fc1, fc2) where there is one, the
 *                                    1×1 projection; each conv+BN as .0/.1
 *   features.{n+1}.{0,1}             1×1 conv to 6× the last width + BN + hardswish
 *   classifier.0, classifier.3       fc → hardswish → dropout → fc
 *
 * BatchNorm eps is 1e-3 throughout (torchvision's norm_layer for v3).
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { makeDivisible } from './mobilenet.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

export type MobileNetV3Arch = 'small' | 'large';

/** One inverted residual: input, kernel, expanded and output channels, squeeze-excitation, hardswish (else ReLU), stride. */
type BlockConfig = readonly [number, number, number, number, boolean, boolean, number];

/**
 * The paper's Tables 1 and 2 as torchvision's _mobilenet_v3_conf lists them.
 * The last three blocks of each are the C4 stage, the ones `dilated`
 * changes.
 */
const CONFIGS: Record<MobileNetV3Arch, { blocks: readonly BlockConfig[]; lastChannel: number }> = {
  large: {
    blocks: [
      [16, 3, 16, 16, false, false, 1],
      [16, 3, 64, 24, false, false, 2],
      [24, 3, 72, 24, false, false, 1],
      [24, 5, 72, 40, true, false, 2],
      [40, 5, 120, 40, true, false, 1],
      [40, 5, 120, 40, true, false, 1],
      [40, 3, 240, 80, false, true, 2],
      [80, 3, 200, 80, false, true, 1],
      [80, 3, 184, 80, false, true, 1],
      [80, 3, 184, 80, false, true, 1],
      [80, 3, 480, 112, true, true, 1],
      [112, 3, 672, 112, true, true, 1],
      [112, 5, 672, 160, true, true, 2],
      [160, 5, 960, 160, true, true, 1],
      [160, 5, 960, 160, true, true, 1],
    ],
    lastChannel: 1280,
  },
  small: {
    blocks: [
      [16, 3, 16, 16, true, false, 2],
      [16, 3, 72, 24, false, false, 2],
      [24, 3, 88, 24, false, false, 1],
      [24, 5, 96, 40, true, true, 2],
      [40, 5, 240, 40, true, true, 1],
      [40, 5, 240, 40, true, true, 1],
      [40, 5, 120, 48, true, true, 1],
      [48, 5, 144, 48, true, true, 1],
      [48, 5, 288, 96, true, true, 2],
      [96, 5, 576, 96, true, true, 1],
      [96, 5, 576, 96, true, true, 1],
    ],
    lastChannel: 1024,
  },
};

/** The C4 stage (dilated when `dilated`) is the last three blocks in both architectures. */
const C4_BLOCKS = 3;

const EPSILON = 1e-3;

type Act = 'hardswish' | 'relu' | 'none';

/** Conv2dNormActivation named `p`: conv `p.0` (no bias, padding (k − 1)/2 · dilation) → BN `p.1` → the activation. */
function convBnAct(g: GraphBuilder, x: Tensor, p: string, outChannels: number, act: Act, o: { kernel?: number; stride?: number; groups?: number; dilation?: number } = {}): Tensor {
  const kernel = o.kernel ?? 1;
  const dilation = o.dilation ?? 1;
  const y = g.conv2d(x, { name: `${p}.0`, outChannels, kernel, stride: o.stride ?? 1, pad: ((kernel - 1) >> 1) * dilation, dilation, groups: o.groups ?? 1, bias: false });
  const z = g.batchNorm(y, { name: `${p}.1`, epsilon: EPSILON });
  return act === 'none' ? z : g.activation(z, act);
}

/** torchvision's SqueezeExcitation `p` with v3's gates: average pool → fc1 (1×1, bias) → ReLU → fc2 → hardsigmoid (relu6(x + 3) / 6), scaling x per channel. */
function squeezeExcite(g: GraphBuilder, x: Tensor, p: string): Tensor {
  const channels = x.shape[1]!;
  let s = g.globalAvgPool(x);
  s = g.relu(g.conv2d(s, { name: `${p}.fc1`, outChannels: makeDivisible(Math.floor(channels / 4)), kernel: 1 }));
  s = g.activation(g.conv2d(s, { name: `${p}.fc2`, outChannels: channels, kernel: 1 }), 'hardsigmoid', { alpha: 1 / 6, beta: 0.5 });
  return g.mul(x, s);
}

/** Inverted residual `p`; a dilated block keeps stride 1, as torchvision's; the input is added when the stride is 1 and the width unchanged. */
function invertedResidual(g: GraphBuilder, x: Tensor, p: string, c: BlockConfig, width: (c: number) => number, dilation: number): Tensor {
  const [, kernel, expandedRaw, outRaw, se, hardswish, stride] = c;
  const inChannels = x.shape[1]!;
  const expanded = width(expandedRaw);
  const out = width(outRaw);
  const act: Act = hardswish ? 'hardswish' : 'relu';
  let y = x;
  let k = 0;
  if (expanded !== inChannels) y = convBnAct(g, y, `${p}.block.${k++}`, expanded, act);
  y = convBnAct(g, y, `${p}.block.${k++}`, expanded, act, { kernel, stride: dilation > 1 ? 1 : stride, groups: expanded, dilation });
  if (se) y = squeezeExcite(g, y, `${p}.block.${k++}`);
  y = convBnAct(g, y, `${p}.block.${k}`, out, 'none');
  return stride === 1 && inChannels === out ? g.add(y, x) : y;
}

export interface MobileNetV3FeatureOptions {
  /** Channel multiplier; every width c becomes makeDivisible(c · widthMult, 8). Default 1. */
  widthMult?: number;
  /** The C4 stage dilates by 2 instead of striding (output stride 16), as the segmentation backbones do. Default false. */
  dilated?: boolean;
  /** Prefix of every name: 'features.' for the classifier, 'backbone.' for the segmentation models. */
  prefix?: string;
}

/**
 * MobileNet v3's `features`: stem, the inverted residuals, the final 1×1
 * conv. Returns every block's output (index i is `features.i`), since the
 * segmentation heads tap an inner one.
 *
 * @example
 * const g = new GraphBuilder();
 * const taps = mobilenetV3Features(g, g.input('image', [1, 3, 224, 224]), 'large', { dilated: true, prefix: 'backbone.' });
 * const high = taps.at(-1)!;   // [1, 960, 14, 14]
 */
export function mobilenetV3Features(g: GraphBuilder, x: Tensor, arch: MobileNetV3Arch, o: MobileNetV3FeatureOptions = {}): Tensor[] {
  const widthMult = o.widthMult ?? 1;
  if (!(widthMult > 0)) throw new RangeError(`mobilenetV3: widthMult must be positive, got ${widthMult}`);
  const width = (c: number): number => makeDivisible(c * widthMult);
  const prefix = o.prefix ?? 'features.';
  const { blocks } = CONFIGS[arch];
  const taps: Tensor[] = [];
  x = convBnAct(g, x, `${prefix}0`, width(blocks[0]![0]), 'hardswish', { kernel: 3, stride: 2 });
  taps.push(x);
  blocks.forEach((c, i) => {
    const dilation = o.dilated && i >= blocks.length - C4_BLOCKS ? 2 : 1;
    x = invertedResidual(g, x, `${prefix}${i + 1}`, c, width, dilation);
    taps.push(x);
  });
  x = convBnAct(g, x, `${prefix}${blocks.length + 1}`, 6 * x.shape[1]!, 'hardswish');
  taps.push(x);
  return taps;
}

/**
 * Indices into mobilenetV3Features' taps of the blocks that stride (or
 * would, when dilated): torchvision's stage boundaries, with the stem first
 * and the final conv last. The segmentation heads take "low" from
 * stageIndices[-4] (output stride 8) and "high" from the last.
 */
export function mobilenetV3StageIndices(arch: MobileNetV3Arch): number[] {
  const { blocks } = CONFIGS[arch];
  return [0, ...blocks.flatMap((c, i) => (c[6] > 1 ? [i + 1] : [])), blocks.length + 1];
}

/**
 * torchvision's MobileNetV3: features, global average pool, classifier.0
 * (to 1280 for Large, 1024 for Small, scaled by widthMult), hardswish,
 * dropout, classifier.3. 5,483,032 parameters (Large) and 2,542,856 (Small)
 * at widthMult 1 and 1000 classes.
 *
 * @example
 * const graph = mobilenetV3('small', { inputSize: 160 }); // image [1, 3, 160, 160] → logits [1, 1000]
 */
export function mobilenetV3(arch: MobileNetV3Arch, o: ModelOptions & { widthMult?: number } = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o, 224);
  const g = new GraphBuilder();
  const features = mobilenetV3Features(g, g.input('image', [batch, 3, inputSize, inputSize]), arch, { widthMult: o.widthMult });
  let x = g.flatten(g.globalAvgPool(features.at(-1)!, 'avgpool'));
  x = g.activation(g.linear(x, { name: 'classifier.0', outFeatures: makeDivisible(CONFIGS[arch].lastChannel * (o.widthMult ?? 1)) }), 'hardswish');
  x = g.dropout(x, 'classifier.2');
  g.output(g.linear(x, { name: 'classifier.3', outFeatures: numClasses }), 'logits');
  return g.build();
}

/** @example const graph = mobilenetV3Small({ batch: 4 }); // image [4, 3, 224, 224] → logits [4, 1000] */
export const mobilenetV3Small = (o?: ModelOptions & { widthMult?: number }): Graph => mobilenetV3('small', o);
/** @example const graph = mobilenetV3Large(); // image [1, 3, 224, 224] → logits [1, 1000] */
export const mobilenetV3Large = (o?: ModelOptions & { widthMult?: number }): Graph => mobilenetV3('large', o);
