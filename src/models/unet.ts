/**
 * U-Net (Ronneberger, Fischer & Brox, 2015) for per-pixel classification:
 * an encoder of double 3×3 conv blocks and 2×2 max pools, a bottleneck, and
 * a decoder that doubles the resolution with 2×2 stride-2 transposed convs,
 * concatenates the encoder's feature map of that level (skip first), and
 * runs another double conv; a 1×1 conv head gives the class logits.
 * Unlike the paper the 3×3 convs are padded (so no cropping) and followed
 * by BatchNorm, the usual modern form. Parameter names are those of the
 * PyTorch twin in test/fixtures/dense_models.py.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { InvalidParameterError } from '../errors.js';
import type { ModelOptions } from './options.js';

export interface UNetOptions extends ModelOptions {
  /** Channels of the first level; each level down doubles them. Default 16. */
  base?: number;
  /** Pooling steps; the input size must be a multiple of 2^depth. Default 4. */
  depth?: number;
  /** Input channels; default 3. */
  inChannels?: number;
}

/** Defaults: a 2-class segmentation of 3-channel 256² images. */
export const UNET_DEFAULTS = { inputSize: 256, numClasses: 2, base: 16, depth: 4, inChannels: 3 } as const;

/** (3×3 conv without bias → BatchNorm → ReLU) twice, named `${prefix}.conv1` / `.bn1` / `.conv2` / `.bn2`. */
function doubleConv(g: GraphBuilder, x: Tensor, prefix: string, outChannels: number): Tensor {
  for (const i of [1, 2]) {
    x = g.conv2d(x, { name: `${prefix}.conv${i}`, outChannels, kernel: 3, pad: 1, bias: false });
    x = g.relu(g.batchNorm(x, { name: `${prefix}.bn${i}` }));
  }
  return x;
}

/**
 * The U-Net graph: input 'image' [batch, inChannels, size, size], output
 * 'logits' [batch, numClasses, size, size]. Levels are down1…down{depth},
 * bottleneck, then up1 (deepest) … up{depth}, each with `upconv` (the
 * transposed conv) and `block` (its double conv), and `head`.
 *
 * @example
 * const graph = unet({ inputSize: 128, numClasses: 3 });
 * summary(graph).totalParameters; // 1,942,594 for the defaults (base 16, depth 4, 2 classes)
 */
export function unet(o: UNetOptions = {}): Graph {
  const batch = o.batch ?? 1;
  const size = o.inputSize ?? UNET_DEFAULTS.inputSize;
  const numClasses = o.numClasses ?? UNET_DEFAULTS.numClasses;
  const base = o.base ?? UNET_DEFAULTS.base;
  const depth = o.depth ?? UNET_DEFAULTS.depth;
  const inChannels = o.inChannels ?? UNET_DEFAULTS.inChannels;
  if (!Number.isInteger(depth) || depth < 1) throw new InvalidParameterError('unet', `depth must be a positive integer, got ${depth}`);
  if (!Number.isInteger(base) || base < 1) throw new InvalidParameterError('unet', `base must be a positive integer, got ${base}`);
  // every pool must halve exactly, or the decoder's upsampled map would not line up with its skip
  if (size % 2 ** depth !== 0) throw new InvalidParameterError('unet', `input size ${size} must be a multiple of 2^depth = ${2 ** depth}`);
  const width = (level: number) => base << level;

  const g = new GraphBuilder();
  let x = g.input('image', [batch, inChannels, size, size]);
  const skips: Tensor[] = [];
  for (let level = 0; level < depth; level++) {
    x = doubleConv(g, x, `down${level + 1}`, width(level));
    skips.push(x);
    x = g.maxPool(x, { name: `pool${level + 1}`, kernel: 2, stride: 2 });
  }
  x = doubleConv(g, x, 'bottleneck', width(depth));
  for (let i = 0; i < depth; i++) {
    const level = depth - 1 - i;
    const up = g.convTranspose2d(x, { name: `up${i + 1}.upconv`, outChannels: width(level), kernel: 2, stride: 2 });
    x = doubleConv(g, g.concat([skips[level]!, up], `up${i + 1}.concat`), `up${i + 1}.block`, width(level));
  }
  g.output(g.conv2d(x, { name: 'head', outChannels: numClasses, kernel: 1 }), 'logits');
  return g.build();
}
