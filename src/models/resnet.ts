/**
 * ResNet (He et al., 2015) as torchvision builds it ("v1.5": a Bottleneck
 * strides on its 3×3 conv, not on the first 1×1), with torchvision's
 * parameter names, so its state_dicts load unchanged.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { resolveModelOptions, type ModelOptions } from './options.js';

type Block = 'basic' | 'bottleneck';

/** Block kind and blocks per stage (layer1…layer4) of each depth. */
export const RESNET_CONFIGS = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
  resnet152: { block: 'bottleneck', layers: [3, 8, 36, 3] },
} as const satisfies Record<string, { block: Block; layers: readonly number[] }>;

export type ResnetDepth = keyof typeof RESNET_CONFIGS;

/** Output channels of a block is its width times this. */
const EXPANSION: Record<Block, number> = { basic: 1, bottleneck: 4 };

/** conv (no bias) → BatchNorm, named `${prefix}conv${i}` / `${prefix}bn${i}`; a dilated conv pads by its dilation, as torchvision's conv3x3. */
function convBn(g: GraphBuilder, x: Tensor, prefix: string, i: number, outChannels: number, kernel: number, stride: number, dilation = 1): Tensor {
  const y = g.conv2d(x, { name: `${prefix}conv${i}`, outChannels, kernel, stride, pad: ((kernel - 1) / 2) * dilation, dilation, bias: false });
  return g.batchNorm(y, { name: `${prefix}bn${i}` });
}

/**
 * One residual block named `prefix` (e.g. 'layer2.0.'): the residual branch,
 * plus the input — through `downsample.0` (1×1 conv) and `downsample.1` (BN)
 * when the stride or the channel count changes — then ReLU.
 */
function block(g: GraphBuilder, x: Tensor, prefix: string, kind: Block, width: number, stride: number, dilation = 1): Tensor {
  const outChannels = width * EXPANSION[kind];
  let y: Tensor;
  if (kind === 'basic') {
    y = g.relu(convBn(g, x, prefix, 1, width, 3, stride));
    y = convBn(g, y, prefix, 2, width, 3, 1);
  } else {
    y = g.relu(convBn(g, x, prefix, 1, width, 1, 1));
    y = g.relu(convBn(g, y, prefix, 2, width, 3, stride, dilation));
    y = convBn(g, y, prefix, 3, outChannels, 1, 1);
  }
  let identity = x;
  if (stride !== 1 || x.shape[1] !== outChannels) {
    identity = g.conv2d(x, { name: `${prefix}downsample.0`, outChannels, kernel: 1, stride, bias: false });
    identity = g.batchNorm(identity, { name: `${prefix}downsample.1` });
  }
  return g.relu(g.add(y, identity));
}

/**
 * A ResNet's convolutional part, conv1 through layer4, with every name
 * prefixed by `prefix` (torchvision's segmentation models say 'backbone.').
 * `dilate[k]` replaces the stride of layer k + 2 by dilation, as
 * torchvision's replace_stride_with_dilation: the stage keeps its input's
 * resolution, its first block dilates its 3×3 conv as the stage before did,
 * the others by the doubled rate.
 *
 * @example
 * const g = new GraphBuilder();
 * const features = resnetBackbone(g, g.input('image', [1, 3, 224, 224]), 'resnet50', { prefix: 'backbone.', dilate: [false, true, true] });   // [1, 2048, 28, 28]
 */
export function resnetBackbone(g: GraphBuilder, x: Tensor, depth: ResnetDepth, o: { prefix?: string; dilate?: readonly [boolean, boolean, boolean] } = {}): Tensor {
  const { block: kind, layers } = RESNET_CONFIGS[depth];
  const prefix = o.prefix ?? '';
  x = g.relu(convBn(g, x, prefix, 1, 64, 7, 2));
  x = g.maxPool(x, { kernel: 3, stride: 2, pad: 1 });
  let dilation = 1;
  layers.forEach((blocks, stage) => {
    const previous = dilation;
    let stride = stage > 0 ? 2 : 1;
    if (stage > 0 && o.dilate?.[stage - 1]) {
      dilation *= stride;
      stride = 1;
    }
    for (let i = 0; i < blocks; i++) {
      x = block(g, x, `${prefix}layer${stage + 1}.${i}.`, kind, 64 << stage, i === 0 ? stride : 1, i === 0 ? previous : dilation);
    }
  });
  return x;
}

/**
 * A ResNet: conv1 7×7/2 (pad 3) → bn1 → ReLU → 3×3/2 max pool (pad 1) →
 * layer1…layer4 (widths 64, 128, 256, 512; each stage after the first
 * halves the resolution in its first block) → global average pool → fc.
 *
 * @example
 * const graph = resnet('resnet50', { batch: 8 });
 */
export function resnet(depth: ResnetDepth, o: ModelOptions = {}): Graph {
  const { batch, inputSize, numClasses } = resolveModelOptions(o);
  const g = new GraphBuilder();
  let x = resnetBackbone(g, g.input('image', [batch, 3, inputSize, inputSize]), depth);
  x = g.flatten(g.globalAvgPool(x, 'avgpool'));
  g.output(g.linear(x, { name: 'fc', outFeatures: numClasses }), 'logits');
  return g.build();
}

/**
 * ResNet-18 (BasicBlock ×[2, 2, 2, 2]), 11,689,512 parameters.
 * @example const model = await compile(ctx, resnet18(), torchvisionStateDict);
 */
export const resnet18 = (o: ModelOptions = {}): Graph => resnet('resnet18', o);
/**
 * ResNet-34 (BasicBlock ×[3, 4, 6, 3]), 21,797,672 parameters.
 * @example const graph = resnet34({ inputSize: 128 });
 */
export const resnet34 = (o: ModelOptions = {}): Graph => resnet('resnet34', o);
/**
 * ResNet-50 (Bottleneck ×[3, 4, 6, 3]), 25,557,032 parameters.
 * @example const graph = resnet50({ batch: 4 });
 */
export const resnet50 = (o: ModelOptions = {}): Graph => resnet('resnet50', o);
/**
 * ResNet-101 (Bottleneck ×[3, 4, 23, 3]), 44,549,160 parameters.
 * @example const graph = resnet101();
 */
export const resnet101 = (o: ModelOptions = {}): Graph => resnet('resnet101', o);
/**
 * ResNet-152 (Bottleneck ×[3, 8, 36, 3]), 60,192,808 parameters.
 * @example const graph = resnet152({ numClasses: 10 });
 */
export const resnet152 = (o: ModelOptions = {}): Graph => resnet('resnet152', o);
