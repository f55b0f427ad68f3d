/**
 * Small random classifiers for the multi-crop and ensemble tests: conv →
 * ReLU → max pool → flatten → linear, of random widths and kernel, built at
 * any batch with the same parameter names (so one weight map serves batch 1
 * for the float64 reference and batch = crops on the GPU).
 */
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import type { Rng } from '../helpers/random.js';

export interface SmallClassifier {
  channels: number;
  height: number;
  width: number;
  classes: number;
  build(batch: number): Graph;
}

/**
 * A random architecture for channels × height × width inputs and `classes`
 * outputs (the kernel random too unless given: one kernel size shares
 * pipelines across models, which SwiftShader takes ~0.7 s each to make).
 */
export function smallClassifier(rng: Rng, channels: number, height: number, width: number, classes: number, kernel = rng.pick([1, 3])): SmallClassifier {
  const features = rng.int(3, 6);
  const build = (batch: number): Graph => {
    const g = new GraphBuilder();
    let x = g.input('image', [batch, channels, height, width]);
    x = g.relu(g.conv2d(x, { name: 'conv', outChannels: features, kernel, pad: (kernel - 1) / 2 }));
    x = g.maxPool(x, { kernel: 2, stride: 2 });
    g.output(g.linear(g.flatten(x), { name: 'fc', outFeatures: classes }), 'logits');
    return g.build();
  };
  return { channels, height, width, classes, build };
}
