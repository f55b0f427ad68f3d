/**
 * VGG (Simonyan & Zisserman, 2014): stacks of 3×3 convs (padding 1) and
 * 2×2/2 max pools, an adaptive average pool to 7×7, and a 4096-4096-classes
 * head — built from one table of configurations, with torchvision's
 * parameter names.
 */
import { GraphBuilder } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

/** A conv's output channels, or 'M' for a 2×2/2 max pool. */
type Layer = number | 'M';

/** The paper's configurations A, B, D and E: VGG-11, 13, 16 and 19. */
export const VGG_CONFIGS = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
} as const satisfies Record<string, readonly Layer[]>;

export type VggDepth = keyof typeof VGG_CONFIGS;

/**
 * A VGG network. Names follow torchvision's nn.Sequential indices: each
 * conv is `features.<i>` (followed by its ReLU at i + 1, or with batchNorm
 * by `features.<i+1>` BatchNorm2d and the ReLU at i + 2), each pool takes
 * one index; the head is `classifier.0`, `classifier.3`, `classifier.6`.
 *
 * @example
 * const graph = vgg('vgg16', { batchNorm: true, inputSize: 64 });
 */
export function vgg(depth: VggDepth, o: ModelOptions & { batchNorm?: boolean } = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  let index = 0;
  for (const layer of VGG_CONFIGS[depth]) {
    if (layer === 'M') {
      x = g.maxPool(x, { kernel: 2, stride: 2 });
      index += 1;
      continue;
    }
    x = g.conv2d(x, { name: `features.${index}`, outChannels: layer, kernel: 3, pad: 1 });
    if (o.batchNorm) x = g.batchNorm(x, { name: `features.${index + 1}` });
    x = g.relu(x);
    index += o.batchNorm ? 3 : 2;
  }
  x = g.flatten(g.adaptiveAvgPool(x, 7));
  x = g.dropout(g.relu(g.linear(x, { name: 'classifier.0', outFeatures: 4096 })));
  x = g.dropout(g.relu(g.linear(x, { name: 'classifier.3', outFeatures: 4096 })));
  g.output(g.linear(x, { name: 'classifier.6', outFeatures: numClasses }), 'logits');
  return g.build();
}

/**
 * VGG-11 (configuration A), 132,863,336 parameters.
 * @example const graph = vgg11({ batch: 2 });
 */
export const vgg11 = (o: ModelOptions = {}): Graph => vgg('vgg11', o);
/**
 * VGG-13 (configuration B), 133,047,848 parameters.
 * @example const graph = vgg13();
 */
export const vgg13 = (o: ModelOptions = {}): Graph => vgg('vgg13', o);
/**
 * VGG-16 (configuration D), 138,357,544 parameters.
 * @example const model = await compile(ctx, vgg16(), torchvisionStateDict);
 */
export const vgg16 = (o: ModelOptions = {}): Graph => vgg('vgg16', o);
/**
 * VGG-19 (configuration E), 143,667,240 parameters.
 * @example const graph = vgg19({ inputSize: 112 });
 */
export const vgg19 = (o: ModelOptions = {}): Graph => vgg('vgg19', o);
/**
 * VGG-11 with BatchNorm after every conv, 132,868,840 parameters.
 * @example const graph = vgg11_bn();
 */
export const vgg11_bn = (o: ModelOptions = {}): Graph => vgg('vgg11', { ...o, batchNorm: true });
/**
 * VGG-13 with BatchNorm, 133,053,736 parameters.
 * @example const graph = vgg13_bn();
 */
export const vgg13_bn = (o: ModelOptions = {}): Graph => vgg('vgg13', { ...o, batchNorm: true });
/**
 * VGG-16 with BatchNorm, 138,365,992 parameters.
 * @example const graph = vgg16_bn();
 */
export const vgg16_bn = (o: ModelOptions = {}): Graph => vgg('vgg16', { ...o, batchNorm: true });
/**
 * VGG-19 with BatchNorm, 143,678,248 parameters.
 * @example const graph = vgg19_bn();
 */
export const vgg19_bn = (o: ModelOptions = {}): Graph => vgg('vgg19', { ...o, batchNorm: true });
