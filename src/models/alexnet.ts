/**
 * AlexNet, twice: torchvision's single-tower variant (the one whose
 * state_dict is published), and the network of Krizhevsky, Sutskever and
 * Hinton (2012) with its two-GPU grouped convolutions and local response
 * normalization.
 */
import { GraphBuilder } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

/** 3×3 windows with stride 2: neighbours overlap by one row and column. */
const OVERLAPPING_POOL = { kernel: 3, stride: 2 } as const;

/**
 * torchvision's AlexNet: five convs (64-192-384-256-256), three 3×3/2 max
 * pools, an adaptive average pool to 6×6, and a 4096-4096-classes head with
 * dropout (identity at inference). Parameter names are torchvision's
 * (`features.{0,3,6,8,10}`, `classifier.{1,4,6}`); 61,100,840 parameters.
 *
 * @example
 * const graph = alexnet();
 * const model = await compile(ctx, graph, torchvisionStateDict);
 * const { outputs } = await model.run(image); // outputs.logits: 1000 floats
 */
export function alexnet(o: ModelOptions = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  const conv = (name: string, outChannels: number, kernel: number, stride: number, pad: number): void => {
    x = g.relu(g.conv2d(x, { name: `features.${name}`, outChannels, kernel, stride, pad }));
  };
  conv('0', 64, 11, 4, 2);
  x = g.maxPool(x, OVERLAPPING_POOL);
  conv('3', 192, 5, 1, 2);
  x = g.maxPool(x, OVERLAPPING_POOL);
  conv('6', 384, 3, 1, 1);
  conv('8', 256, 3, 1, 1);
  conv('10', 256, 3, 1, 1);
  x = g.maxPool(x, OVERLAPPING_POOL);
  x = g.flatten(g.adaptiveAvgPool(x, 6));
  x = g.relu(g.linear(g.dropout(x), { name: 'classifier.1', outFeatures: 4096 }));
  x = g.relu(g.linear(g.dropout(x), { name: 'classifier.4', outFeatures: 4096 }));
  g.output(g.linear(x, { name: 'classifier.6', outFeatures: numClasses }), 'logits');
  return g.build();
}

/**
 * The original AlexNet (Krizhevsky et al., 2012), default input 227×227:
 *
 * - conv1 11×11/4, 96 channels, no padding: the paper's "224×224" input
 *   only yields the 55×55 map its figure shows when it is 227 wide
 *   (⌊(227 − 11) / 4⌋ + 1 = 55), so 227 is the standard size here.
 * - ReLU, then local response normalization (n = 5, α = 1e-4, β = 0.75,
 *   k = 2) after conv1 and conv2, before their pools. The paper divides by
 *   (k + α·Σa²)^β; PyTorch's LocalResponseNorm, which the builder follows,
 *   uses α/n, so α is passed as 5e-4 to keep the paper's formula.
 * - Overlapping max pools, 3×3 stride 2, after the LRNs and after conv5.
 * - conv2, conv4 and conv5 have groups = 2 (each GPU saw only its own half
 *   of the previous layer); conv3 crosses between the GPUs, ungrouped.
 * - fc6, fc7 (4096 each, ReLU, dropout at training) and fc8 (classes).
 *
 * There is no torchvision equivalent, so the names are Caffe's:
 * `conv1`…`conv5` and `fc6`, `fc7`, `fc8`, each with `.weight` and `.bias`
 * in PyTorch layouts (conv weights [out, in / groups, kh, kw], linear
 * weights [out, in] with fc6's inputs in (C, H, W) order: 256·6·6 = 9216).
 * 60,965,224 parameters at 227×227; at other sizes fc6 takes 256·s·s inputs,
 * s being conv5's pooled size (there is no adaptive pool in the original).
 *
 * @example
 * const graph = alexnetOriginal({ batch: 4 });
 * summary(graph).totalParameters; // 60965224
 */
export function alexnetOriginal(o: ModelOptions = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o, 227);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  const conv = (name: string, outChannels: number, kernel: number, stride: number, pad: number, groups: number): void => {
    x = g.relu(g.conv2d(x, { name, outChannels, kernel, stride, pad, groups }));
  };
  // the paper's α = 1e-4 multiplies the plain sum; the builder's LRN divides α by the size
  const lrn = { size: 5, alpha: 1e-4 * 5, beta: 0.75, k: 2 };
  conv('conv1', 96, 11, 4, 0, 1);
  x = g.maxPool(g.lrn(x, lrn), OVERLAPPING_POOL);
  conv('conv2', 256, 5, 1, 2, 2);
  x = g.maxPool(g.lrn(x, lrn), OVERLAPPING_POOL);
  conv('conv3', 384, 3, 1, 1, 1);
  conv('conv4', 384, 3, 1, 1, 2);
  conv('conv5', 256, 3, 1, 1, 2);
  x = g.maxPool(x, OVERLAPPING_POOL);
  x = g.flatten(x);
  x = g.dropout(g.relu(g.linear(x, { name: 'fc6', outFeatures: 4096 })));
  x = g.dropout(g.relu(g.linear(x, { name: 'fc7', outFeatures: 4096 })));
  g.output(g.linear(x, { name: 'fc8', outFeatures: numClasses }), 'logits');
  return g.build();
}
