/**
 * torchvision's semantic segmentation models (torchvision.models.segmentation)
 * with its parameter names, inference graphs without the auxiliary
 * classifiers: LR-ASPP and DeepLabV3 on a dilated MobileNet v3 Large,
 * DeepLabV3 and FCN on a dilated ResNet-50.
 *
 * The graph's input is 'image' [N, 3, H, W]; its one output 'out'
 * [N, numClasses, H, W] holds per-pixel class scores, upsampled from the
 * head's resolution with bilinear interpolation (F.interpolate,
 * align_corners=False: ONNX's half_pixel). Names: `backbone.` + the
 * backbone's own (MobileNet v3's features indices, ResNet's conv1 … layer4),
 * `classifier.` the head. numClasses defaults to 21 (Pascal VOC's labels,
 * background included), as torchvision's.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { mobilenetV3Features, mobilenetV3StageIndices } from './mobilenet_v3.js';
import type { ModelOptions } from './options.js';
import { resnetBackbone } from './resnet.js';

/** torchvision's segmentation transforms resize the image to 520 before inference. */
export const SEGMENTATION_INPUT_SIZE = 520;

/** PyTorch's F.interpolate(x, size, mode='bilinear', align_corners=False). */
const upsample = (g: GraphBuilder, x: Tensor, like: Tensor): Tensor =>
  like.shape[2] === x.shape[2] && like.shape[3] === x.shape[3] ? x : g.resize(x, { size: [like.shape[2]!, like.shape[3]!], mode: 'linear', coordinateTransform: 'half_pixel' });

/** conv (no bias) → BatchNorm (eps 1e-5) → ReLU, named `${conv}` and `${bn}`. */
function convBnRelu(g: GraphBuilder, x: Tensor, conv: string, bn: string, outChannels: number, kernel: number, dilation = 1): Tensor {
  const y = g.conv2d(x, { name: conv, outChannels, kernel, pad: ((kernel - 1) >> 1) * dilation, dilation, bias: false });
  return g.relu(g.batchNorm(y, { name: bn }));
}

/**
 * DeepLabV3's head `p` (DeepLabHead): ASPP — a 1×1 conv, three 3×3 convs
 * dilated 12, 24 and 36, and image pooling (global average, 1×1 conv,
 * upsampled back), each + BN + ReLU, concatenated and projected to 256 —
 * then a 3×3 conv + BN + ReLU and the 1×1 classifier.
 */
function deeplabHead(g: GraphBuilder, x: Tensor, p: string, numClasses: number): Tensor {
  const a = `${p}.0`;
  const branches = [convBnRelu(g, x, `${a}.convs.0.0`, `${a}.convs.0.1`, 256, 1)];
  [12, 24, 36].forEach((rate, i) => branches.push(convBnRelu(g, x, `${a}.convs.${i + 1}.0`, `${a}.convs.${i + 1}.1`, 256, 3, rate)));
  const pooled = convBnRelu(g, g.globalAvgPool(x), `${a}.convs.4.1`, `${a}.convs.4.2`, 256, 1);
  branches.push(upsample(g, pooled, x));
  let y = convBnRelu(g, g.concat(branches), `${a}.project.0`, `${a}.project.1`, 256, 1);
  y = g.dropout(y, `${a}.project.3`);
  y = convBnRelu(g, y, `${p}.1`, `${p}.2`, 256, 3);
  return g.conv2d(y, { name: `${p}.4`, outChannels: numClasses, kernel: 1 });
}

/** FCN's head `p` (FCNHead): 3×3 conv to a quarter of the channels + BN + ReLU, dropout, the 1×1 classifier. */
function fcnHead(g: GraphBuilder, x: Tensor, p: string, numClasses: number): Tensor {
  const y = g.dropout(convBnRelu(g, x, `${p}.0`, `${p}.1`, x.shape[1]! >> 2, 3), `${p}.3`);
  return g.conv2d(y, { name: `${p}.4`, outChannels: numClasses, kernel: 1 });
}

type Head = 'deeplabv3' | 'fcn';

function start(o: ModelOptions): { g: GraphBuilder; image: Tensor; numClasses: number } {
  const size = o.inputSize ?? SEGMENTATION_INPUT_SIZE;
  const g = new GraphBuilder();
  return { g, image: g.input('image', [o.batch ?? 1, 3, size, size]), numClasses: o.numClasses ?? 21 };
}

function finish(g: GraphBuilder, scores: Tensor, image: Tensor): Graph {
  g.output(upsample(g, scores, image), 'out');
  return g.build();
}

/** A head on ResNet-50 with layers 3 and 4 dilated (output stride 8). */
function onResnet50(head: Head, o: ModelOptions): Graph {
  const { g, image, numClasses } = start(o);
  const features = resnetBackbone(g, image, 'resnet50', { prefix: 'backbone.', dilate: [false, true, true] });
  return finish(g, head === 'deeplabv3' ? deeplabHead(g, features, 'classifier', numClasses) : fcnHead(g, features, 'classifier', numClasses), image);
}

/**
 * torchvision's deeplabv3_resnet50 (aux_loss off): 39,638,869 parameters at 21 classes.
 * @example const graph = deeplabv3Resnet50({ inputSize: 224 }); // image [1, 3, 224, 224] → out [1, 21, 224, 224]
 */
export const deeplabv3Resnet50 = (o: ModelOptions = {}): Graph => onResnet50('deeplabv3', o);

/**
 * torchvision's fcn_resnet50 (aux_loss off): 32,957,013 parameters at 21 classes.
 * @example const graph = fcnResnet50({ numClasses: 2 });
 */
export const fcnResnet50 = (o: ModelOptions = {}): Graph => onResnet50('fcn', o);

/**
 * torchvision's deeplabv3_mobilenet_v3_large (aux_loss off): the DeepLabV3
 * head on the last (960-channel, output stride 16) features of a dilated
 * MobileNet v3 Large; 11,025,477 parameters at 21 classes.
 * @example const graph = deeplabv3MobilenetV3Large({ inputSize: 224 });
 */
export function deeplabv3MobilenetV3Large(o: ModelOptions = {}): Graph {
  const { g, image, numClasses } = start(o);
  const features = mobilenetV3Features(g, image, 'large', { dilated: true, prefix: 'backbone.' });
  return finish(g, deeplabHead(g, features.at(-1)!, 'classifier', numClasses), image);
}

/**
 * torchvision's lraspp_mobilenet_v3_large: Lite R-ASPP on a dilated
 * MobileNet v3 Large. "high" (the last features, output stride 16) →
 * 1×1 conv + BN + ReLU, gated per channel by sigmoid(1×1 conv(global
 * average of high)), upsampled to "low" (the C2 features, output stride 8);
 * the class scores are low_classifier(low) + high_classifier(that).
 * 3,221,538 parameters at 21 classes.
 * @example const graph = lrasppMobilenetV3Large({ inputSize: 224 }); // image [1, 3, 224, 224] → out [1, 21, 224, 224]
 */
export function lrasppMobilenetV3Large(o: ModelOptions = {}): Graph {
  const { g, image, numClasses } = start(o);
  const features = mobilenetV3Features(g, image, 'large', { dilated: true, prefix: 'backbone.' });
  const stages = mobilenetV3StageIndices('large');
  const low = features[stages.at(-4)!]!;
  const high = features[stages.at(-1)!]!;
  const inter = 128;
  let x = convBnRelu(g, high, 'classifier.cbr.0', 'classifier.cbr.1', inter, 1);
  const gate = g.activation(g.conv2d(g.globalAvgPool(high), { name: 'classifier.scale.1', outChannels: inter, kernel: 1, bias: false }), 'sigmoid');
  x = upsample(g, g.mul(x, gate), low);
  const scores = g.add(g.conv2d(low, { name: 'classifier.low_classifier', outChannels: numClasses, kernel: 1 }), g.conv2d(x, { name: 'classifier.high_classifier', outChannels: numClasses, kernel: 1 }));
  return finish(g, scores, image);
}
