/**
 * The fast style-transfer network of Johnson, Alahi & Fei-Fei (2016), in
 * its later form: instance normalization (Ulyanov et al.) instead of batch
 * normalization, and nearest ×2 upsampling followed by a conv (Odena et
 * al.) instead of fractionally-strided convs. Every conv is preceded by a
 * reflection pad of half its kernel: 9×9 (width), 3×3 stride 2 (2·width),
 * 3×3 stride 2 (4·width), five residual blocks, two upsample + 3×3 conv
 * stages back to full resolution, and a 9×9 conv to RGB without norm.
 * Parameter names are those of the PyTorch twin in test/fixtures/dense_models.py.
 */
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import type { Graph } from '../graph/ir.js';
import { InvalidParameterError } from '../errors.js';

export interface StyleTransferOptions {
  /** Images per run; default 1. */
  batch?: number;
  /** Height = width of the input; a multiple of 4 (two stride-2 convs, two ×2 upsamplings). Default 256. */
  inputSize?: number;
  /** Channels of the first conv; default 32. */
  width?: number;
  /** Default 5. */
  residualBlocks?: number;
}

export const STYLE_TRANSFER_DEFAULTS = { inputSize: 256, width: 32, residualBlocks: 5 } as const;

interface ConvNormOptions {
  kernel: number;
  stride?: number;
  relu?: boolean;
  upsample?: boolean;
}

/** Reflection pad of kernel/2, then the conv `name` with bias: the size is kept (divided by the stride). */
function reflectConv(g: GraphBuilder, x: Tensor, name: string, outChannels: number, kernel: number, stride = 1): Tensor {
  const p = Math.floor(kernel / 2);
  x = g.pad(x, { name: `${name}_pad`, pads: [p, p, p, p], mode: 'reflect' });
  return g.conv2d(x, { name, outChannels, kernel, stride });
}

/** [nearest ×2 →] reflect-padded conv → InstanceNorm2d(affine) `${name}.norm` [→ ReLU]. */
function convNorm(g: GraphBuilder, x: Tensor, name: string, outChannels: number, o: ConvNormOptions): Tensor {
  // F.interpolate(scale_factor=2, mode='nearest'): asymmetric coordinates, floor
  if (o.upsample) x = g.resize(x, { name: `${name}.upsample`, scale: 2, mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' });
  x = g.instanceNorm(reflectConv(g, x, `${name}.conv`, outChannels, o.kernel, o.stride), { name: `${name}.norm`, affine: true });
  return o.relu === false ? x : g.relu(x);
}

/**
 * The style-transfer graph: input 'image' [batch, 3, size, size], output
 * 'stylized' [batch, 3, size, size] (unbounded; PyTorch's example clamps it
 * to the pixel range outside the network). Layers enc1…enc3, res1…res5
 * (each `.a` and `.b`), dec1, dec2, out.
 *
 * @example
 * const graph = styleTransfer({ inputSize: 512 });
 * summary(graph).totalParameters; // 1,679,235 for the defaults
 */
export function styleTransfer(o: StyleTransferOptions = {}): Graph {
  const batch = o.batch ?? 1;
  const size = o.inputSize ?? STYLE_TRANSFER_DEFAULTS.inputSize;
  const width = o.width ?? STYLE_TRANSFER_DEFAULTS.width;
  const blocks = o.residualBlocks ?? STYLE_TRANSFER_DEFAULTS.residualBlocks;
  // two stride-2 convs then two ×2 upsamplings: only a multiple of 4 comes back at its own size
  if (!Number.isInteger(size) || size < 4 || size % 4 !== 0) throw new InvalidParameterError('style_transfer', `input size must be a multiple of 4, got ${size}`);
  if (!Number.isInteger(width) || width < 1) throw new InvalidParameterError('style_transfer', `width must be a positive integer, got ${width}`);
  if (!Number.isInteger(blocks) || blocks < 0) throw new InvalidParameterError('style_transfer', `residualBlocks must be an integer ≥ 0, got ${blocks}`);

  const g = new GraphBuilder();
  let x = g.input('image', [batch, 3, size, size]);
  x = convNorm(g, x, 'enc1', width, { kernel: 9 });
  x = convNorm(g, x, 'enc2', 2 * width, { kernel: 3, stride: 2 });
  x = convNorm(g, x, 'enc3', 4 * width, { kernel: 3, stride: 2 });
  for (let i = 1; i <= blocks; i++) {
    const y = convNorm(g, x, `res${i}.a`, 4 * width, { kernel: 3 });
    x = g.add(x, convNorm(g, y, `res${i}.b`, 4 * width, { kernel: 3, relu: false }), `res${i}.add`);
  }
  x = convNorm(g, x, 'dec1', 2 * width, { kernel: 3, upsample: true });
  x = convNorm(g, x, 'dec2', width, { kernel: 3, upsample: true });
  g.output(reflectConv(g, x, 'out', 3, 9), 'stylized');
  return g.build();
}
