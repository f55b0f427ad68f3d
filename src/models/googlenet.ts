/**
 * GoogLeNet / Inception v1 (Szegedy et al., 2014) as torchvision builds it,
 * for inference: no auxiliary classifiers (aux_logits=False) and no input
 * transform (transform_input=False), with torchvision's parameter names.
 * Two departures from the paper are torchvision's, kept for its weights:
 * every conv is followed by BatchNorm (eps 0.001) and the "5×5" branch of an
 * Inception module uses a 3×3 conv.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

/**
 * State-dict prefixes of torchvision's auxiliary classifiers, which only
 * training uses: a loader skips these keys with a notice.
 */
export const GOOGLENET_AUX_PREFIXES = ['aux1.', 'aux2.'] as const;

/**
 * Channels of each Inception module: 1×1 branch, 3×3 reduce, 3×3, second
 * reduce, second 3×3 (the paper's 5×5), pool projection.
 */
const INCEPTION: Record<string, readonly [number, number, number, number, number, number]> = {
  inception3a: [64, 96, 128, 16, 32, 32],
  inception3b: [128, 128, 192, 32, 96, 64],
  inception4a: [192, 96, 208, 16, 48, 64],
  inception4b: [160, 112, 224, 24, 64, 64],
  inception4c: [128, 128, 256, 24, 64, 64],
  inception4d: [112, 144, 288, 32, 64, 64],
  inception4e: [256, 160, 320, 32, 128, 128],
  inception5a: [256, 160, 320, 32, 128, 128],
  inception5b: [384, 192, 384, 48, 128, 128],
};

/** torchvision's BasicConv2d named `name`: conv (no bias) → BatchNorm (eps 0.001) → ReLU. */
function basicConv(g: GraphBuilder, x: Tensor, name: string, outChannels: number, kernel: number, stride = 1): Tensor {
  const y = g.conv2d(x, { name: `${name}.conv`, outChannels, kernel, stride, pad: (kernel - 1) >> 1, bias: false });
  return g.relu(g.batchNorm(y, { name: `${name}.bn`, epsilon: 1e-3 }));
}

/** Four branches (1×1; 1×1 → 3×3; 1×1 → 3×3; 3×3/1 max pool → 1×1) joined along channels. */
function inception(g: GraphBuilder, x: Tensor, name: string): Tensor {
  const [c1, r3, c3, r5, c5, proj] = INCEPTION[name]!;
  const b1 = basicConv(g, x, `${name}.branch1`, c1, 1);
  const b2 = basicConv(g, basicConv(g, x, `${name}.branch2.0`, r3, 1), `${name}.branch2.1`, c3, 3);
  const b3 = basicConv(g, basicConv(g, x, `${name}.branch3.0`, r5, 1), `${name}.branch3.1`, c5, 3);
  const pooled = g.maxPool(x, { kernel: 3, stride: 1, pad: 1, ceilMode: true });
  const b4 = basicConv(g, pooled, `${name}.branch4.1`, proj, 1);
  return g.concat([b1, b2, b3, b4]);
}

/** PyTorch's MaxPool2d(kernel, stride 2, ceil_mode=True), as between GoogLeNet's stages. */
const downsample = (g: GraphBuilder, x: Tensor, kernel = 3): Tensor => g.maxPool(x, { kernel, stride: 2, ceilMode: true });

/**
 * GoogLeNet's inference graph: conv1 7×7/2 → max pool → conv2 1×1 → conv3
 * 3×3 → max pool → inception3a, 3b → max pool → 4a…4e → 2×2 max pool → 5a,
 * 5b → global average pool → dropout → fc. 6,624,904 parameters at 1000
 * classes. Load torchvision weights with the `aux1.`/`aux2.` keys skipped
 * (GOOGLENET_AUX_PREFIXES). torchvision's pretrained weights expect
 * transform_input=True, which only rescales the normalized input: apply it
 * when preparing the image.
 *
 * @example
 * const graph = googlenet({ batch: 4 });             // image [4, 3, 224, 224] → logits [4, 1000]
 * const small = googlenet({ inputSize: 64, numClasses: 10 });
 */
export function googlenet(o: ModelOptions = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o, 224);
  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, inputSize, inputSize]);
  x = downsample(g, basicConv(g, x, 'conv1', 64, 7, 2));
  x = basicConv(g, basicConv(g, x, 'conv2', 64, 1), 'conv3', 192, 3);
  x = downsample(g, x);
  x = downsample(g, inception(g, inception(g, x, 'inception3a'), 'inception3b'));
  for (const name of ['inception4a', 'inception4b', 'inception4c', 'inception4d', 'inception4e']) x = inception(g, x, name);
  x = downsample(g, x, 2);
  x = inception(g, inception(g, x, 'inception5a'), 'inception5b');
  x = g.dropout(g.flatten(g.globalAvgPool(x, 'avgpool')), 'dropout');
  g.output(g.linear(x, { name: 'fc', outFeatures: numClasses }), 'logits');
  return g.build();
}
