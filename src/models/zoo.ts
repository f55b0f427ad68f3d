/**
 * The model zoo by id — torchvision's names where torchvision has the model —
 * so the CLI, the demo and the bench pick models the same way.
 */
import { InvalidParameterError } from '../errors.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { alexnet, alexnetOriginal } from './alexnet.js';
import { efficientnet, EFFICIENTNET_SCALING, type EfficientNetVariant } from './efficientnet.js';
import { GOOGLENET_AUX_PREFIXES, googlenet } from './googlenet.js';
import { lenet5 } from './lenet.js';
import { mobilenetV1, mobilenetV2 } from './mobilenet.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet_v3.js';
import type { ModelOptions } from './options.js';
import { loadPretrainedWeights, type LoadPretrainedOptions } from './pretrained.js';
import { resnet18, resnet34, resnet50, resnet101, resnet152 } from './resnet.js';
import { deeplabv3MobilenetV3Large, deeplabv3Resnet50, fcnResnet50, lrasppMobilenetV3Large, SEGMENTATION_INPUT_SIZE } from './segmentation.js';
import { styleTransfer } from './style_transfer.js';
import { unet } from './unet.js';
import { vgg11, vgg13, vgg16, vgg19 } from './vgg.js';

export interface ZooEntry {
  readonly id: string;
  readonly description: string;
  /** Height = width of the model's standard input. */
  readonly inputSize: number;
  /** Input channels (3, or 1 for LeNet-5). */
  readonly inputChannels: number;
  /** Parameter names are torchvision's state_dict keys. */
  readonly torchvision: boolean;
  /** State-dict prefixes the inference graph has no use for (GoogLeNet's auxiliary heads). */
  readonly skipPrefixes?: readonly string[];
  /**
   * The output is a map of the input's size (segmentation logits, an image)
   * rather than class logits: classifier front ends (the demo's picker) skip it.
   */
  readonly dense?: boolean;
  /**
   * Loads the trained weights that ship with the package, where there are
   * some (LeNet-5): loadPretrainedWeights(id). In Node, call it after
   * createNodeGpuContext() (or use webgpu-cnn/node's loadPretrainedWeights).
   *
   * @example
   * const lenet = zooModel('lenet5');
   * const model = await compile(ctx, lenet.build(), await lenet.pretrained!());
   */
  readonly pretrained?: (options?: LoadPretrainedOptions) => Promise<WeightMap>;
  build(options?: ModelOptions): Graph;
}

const entry = (id: string, description: string, inputSize: number, build: (o?: ModelOptions) => Graph, extra: Partial<ZooEntry> = {}): ZooEntry => ({
  id,
  description,
  inputSize,
  inputChannels: 3,
  torchvision: true,
  build,
  ...extra,
});

const efficientnets = (Object.keys(EFFICIENTNET_SCALING) as EfficientNetVariant[]).map((v) =>
  entry(`efficientnet_${v}`, `EfficientNet-${v.toUpperCase()} (compound scaling)`, EFFICIENTNET_SCALING[v].resolution, (o) => efficientnet(v, o)),
);

export const ZOO: readonly ZooEntry[] = [
  entry('lenet5', 'LeNet-5 (LeCun 1998), ReLU + max-pool variant, trained on MNIST', 32, (o) => lenet5({ batch: o?.batch }), {
    inputChannels: 1,
    torchvision: false,
    pretrained: (options) => loadPretrainedWeights('lenet5', options),
  }),
  entry('lenet5_classic', 'LeNet-5 as in 1998: tanh + average pooling', 32, (o) => lenet5({ batch: o?.batch, variant: 'classic' }), { inputChannels: 1, torchvision: false }),
  entry('alexnet', 'AlexNet, torchvision single-tower', 224, alexnet),
  entry('alexnet_original', 'AlexNet as Krizhevsky et al. 2012: grouped convs, LRN', 227, alexnetOriginal, { torchvision: false }),
  entry('vgg11', 'VGG-11 (config A)', 224, vgg11),
  entry('vgg13', 'VGG-13 (config B)', 224, vgg13),
  entry('vgg16', 'VGG-16 (config D)', 224, vgg16),
  entry('vgg19', 'VGG-19 (config E)', 224, vgg19),
  entry('resnet18', 'ResNet-18', 224, resnet18),
  entry('resnet34', 'ResNet-34', 224, resnet34),
  entry('resnet50', 'ResNet-50 (bottleneck, v1.5)', 224, resnet50),
  entry('resnet101', 'ResNet-101', 224, resnet101),
  entry('resnet152', 'ResNet-152', 224, resnet152),
  entry('googlenet', 'GoogLeNet / Inception v1 (inference graph, no aux heads)', 224, googlenet, { skipPrefixes: GOOGLENET_AUX_PREFIXES }),
  entry('mobilenet_v1', 'MobileNet v1, width multiplier α = 1', 224, (o) => mobilenetV1(o), { torchvision: false }),
  entry('mobilenet_v1_0.75', 'MobileNet v1, α = 0.75', 224, (o) => mobilenetV1({ ...o, alpha: 0.75 }), { torchvision: false }),
  entry('mobilenet_v1_0.5', 'MobileNet v1, α = 0.5', 224, (o) => mobilenetV1({ ...o, alpha: 0.5 }), { torchvision: false }),
  entry('mobilenet_v1_0.25', 'MobileNet v1, α = 0.25', 224, (o) => mobilenetV1({ ...o, alpha: 0.25 }), { torchvision: false }),
  entry('mobilenet_v2', 'MobileNet v2 (inverted residuals, linear bottlenecks)', 224, (o) => mobilenetV2(o)),
  ...efficientnets,
  entry('mobilenet_v3_small', 'MobileNet v3 Small (hardswish, squeeze-excitation)', 224, (o) => mobilenetV3Small(o)),
  entry('mobilenet_v3_large', 'MobileNet v3 Large (hardswish, squeeze-excitation)', 224, (o) => mobilenetV3Large(o)),
  // segmentation: output 'out' [N, 21, H, W], per-pixel class scores
  entry('lraspp_mobilenet_v3_large', 'LR-ASPP segmentation on a dilated MobileNet v3 Large', SEGMENTATION_INPUT_SIZE, lrasppMobilenetV3Large, { dense: true }),
  entry('deeplabv3_mobilenet_v3_large', 'DeepLabV3 segmentation on a dilated MobileNet v3 Large', SEGMENTATION_INPUT_SIZE, deeplabv3MobilenetV3Large, { dense: true }),
  entry('deeplabv3_resnet50', 'DeepLabV3 segmentation on a dilated ResNet-50', SEGMENTATION_INPUT_SIZE, deeplabv3Resnet50, { dense: true }),
  entry('fcn_resnet50', 'FCN segmentation on a dilated ResNet-50', SEGMENTATION_INPUT_SIZE, fcnResnet50, { dense: true }),
  entry('unet', 'U-Net (Ronneberger 2015), base 16, depth 4, BatchNorm, 2-class per-pixel logits', 256, unet, { torchvision: false, dense: true }),
  entry('style_transfer', 'Fast style transfer (Johnson 2016): reflection pads, InstanceNorm, 5 residual blocks, nearest ×2 + conv', 256, (o) => styleTransfer({ batch: o?.batch, inputSize: o?.inputSize }), {
    torchvision: false,
    dense: true,
  }),
];

/** The zoo entry for an id; an unknown id is an error listing the known ones. */
export function zooModel(id: string): ZooEntry {
  const found = ZOO.find((e) => e.id === id);
  if (!found) throw new InvalidParameterError('model', `unknown zoo model "${id}"; known: ${ZOO.map((e) => e.id).join(', ')}`);
  return found;
}
