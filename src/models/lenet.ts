/**
 * LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998) on a 32×32×1 image — MNIST's
 * 28×28 digits padded by 2 pixels on each side.
 *
 *   layer  op                      output       parameters
 *   C1     conv 5×5, 6             28×28×6           156
 *   S2     pool 2×2 / 2            14×14×6             0
 *   C3     conv 5×5, 16            10×10×16        2,416
 *   S4     pool 2×2 / 2             5×5×16             0
 *   C5     conv 5×5, 120            1×1×120       48,120
 *   F6     linear 84                     84       10,164
 *   output linear 10                     10          850
 *                                                 61,706
 *
 * Two variants: 'classic' is tanh + average pooling as in 1998, without the
 * subsampling layers' trainable coefficient and bias; 'relu' is ReLU + max
 * pooling, the modern reading. C3 connects every S2 map to every C3 map: the
 * 1998 paper's partial connection table (60 of 96 pairs) is replaced by a full
 * one, as the course does, hence 2,416 parameters instead of 1,516. C5 is a
 * 5×5 conv on the 5×5 map (as the paper draws it), which is the same as
 * flatten + linear 400→120; the output layer is a plain linear layer in place
 * of the paper's Gaussian (RBF) connections.
 *
 * Parameter names (PyTorch layouts, as in nn.Conv2d / nn.Linear):
 *   conv1.weight [6, 1, 5, 5]      conv1.bias [6]
 *   conv2.weight [16, 6, 5, 5]     conv2.bias [16]
 *   conv3.weight [120, 16, 5, 5]   conv3.bias [120]
 *   fc1.weight   [84, 120]         fc1.bias   [84]
 *   fc2.weight   [10, 84]          fc2.bias   [10]
 * src/models/weights/train_lenet5.py names its modules the same way, so its
 * state_dict loads unchanged.
 *
 * Input 'image' [batch, 1, 32, 32]; output 'logits' [batch, 10]. The shipped
 * weights (src/models/weights/lenet5.safetensors, the 'relu' variant) expect
 * the preprocessing of lenet5Input(): pixel / 255, zero-padded from 28×28 to
 * 32×32, then (x − 0.1307) / 0.3081.
 *
 * @example
 * const model = await compile(ctx, lenet5({ batch: 1 }), weights);
 * const logits = await model.predict(lenet5Input(digitPixels));
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';

export type LeNet5Variant = 'classic' | 'relu';

export interface LeNet5Options {
  /** Images per run (default 1). */
  batch?: number;
  /** 'classic': tanh + average pooling (1998); 'relu': ReLU + max pooling (default). */
  variant?: LeNet5Variant;
}

/** The preprocessing the shipped weights were trained with. */
export const LENET5_PREPROCESSING = { mean: 0.1307, std: 0.3081, pad: 2, size: 32 } as const;

/**
 * The LeNet-5 graph.
 *
 * @example
 * const graph = lenet5({ batch: 500, variant: 'relu' });
 * summary(graph).totalParameters; // 61706
 */
export function lenet5(o: LeNet5Options = {}): Graph {
  const batch = o.batch ?? 1;
  const variant = o.variant ?? 'relu';
  const g = new GraphBuilder();
  const act = (x: Tensor, name: string) => g.activation(x, variant === 'classic' ? 'tanh' : 'relu', name);
  const pool = (x: Tensor, name: string) => (variant === 'classic' ? g.avgPool(x, { name, kernel: 2 }) : g.maxPool(x, { name, kernel: 2 }));

  let x = g.input('image', [batch, 1, 32, 32]);
  x = pool(act(g.conv2d(x, { name: 'conv1', outChannels: 6, kernel: 5 }), 'act1'), 'pool1');
  x = pool(act(g.conv2d(x, { name: 'conv2', outChannels: 16, kernel: 5 }), 'act2'), 'pool2');
  x = act(g.conv2d(x, { name: 'conv3', outChannels: 120, kernel: 5 }), 'act3');
  x = act(g.linear(g.flatten(x, 'flatten'), { name: 'fc1', outFeatures: 84 }), 'act4');
  g.output(g.linear(x, { name: 'fc2', outFeatures: 10 }), 'logits');
  return g.build();
}

/**
 * 28×28 grayscale digits (uint8, 0 = background, row-major, one after the
 * other, as in MNIST's IDX files) → the [N, 1, 32, 32] input of the shipped
 * weights: pixel / 255, zero-padded by 2 on each side, then (x − mean) / std.
 *
 * @example
 * const input = lenet5Input(pixels.subarray(0, 500 * 784)); // 500 images
 */
export function lenet5Input(pixels: Uint8Array | Uint8ClampedArray): Float32Array {
  const { mean, std, pad, size } = LENET5_PREPROCESSING;
  const side = size - 2 * pad;
  if (pixels.length % (side * side)) throw new RangeError(`expected a whole number of ${side}×${side} images, got ${pixels.length} bytes`);
  const count = pixels.length / (side * side);
  // float32 at every step, as PyTorch computes it, so the inputs match the training script's bit for bit
  const f = Math.fround;
  const norm = (p: number) => f(f(f(p / 255) - f(mean)) / f(std));
  const out = new Float32Array(count * size * size).fill(norm(0));
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < side; y++) {
      const src = (n * side + y) * side;
      const dst = n * size * size + (y + pad) * size + pad;
      for (let x = 0; x < side; x++) out[dst + x] = norm(pixels[src + x]!);
    }
  }
  return out;
}
