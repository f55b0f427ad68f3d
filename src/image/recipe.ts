/**
 * A preprocessing recipe: how a picture becomes a model's input tensor —
 * output size and channels, how the picture is fitted (torchvision's Resize
 * + CenterCrop, a plain stretch, or MNIST's digit centring), colour steps
 * and normalization. Plain data, so a model can declare its own and a
 * caller can override one field. preprocessImage (preprocess.ts) runs one
 * on the GPU.
 *
 * @example
 * const recipe = imagenetRecipe(224);                     // Resize(256) + CenterCrop(224), ImageNet mean/std
 * const input = await preprocessImage(ctx, frame, recipe); // Float32Array [1, 3, 224, 224]
 */
import { InvalidParameterError } from '../errors.js';
import type { Graph } from '../graph/ir.js';
import { LENET5_PREPROCESSING } from '../models/lenet.js';
import { IMAGENET_NORMALIZATION } from './preprocessing.js';

/**
 * - 'center-crop': torchvision's `Resize(resize)` (short side) then
 *   `CenterCrop((height, width))`, one bilinear pass, antialiased when shrinking.
 * - 'stretch': the whole picture scaled to width × height (aspect not kept).
 * - 'digit': MNIST's way (LeNet-5): the digit's bounding box scaled into
 *   20×20, its centre of mass at the centre of the 28×28 field, padded to
 *   32×32 (digitToTensor); needs one channel and width = height = 32, or a
 *   larger square canvas (for test-time crops) with that 32×32 input centred.
 */
export type ImageFit = 'center-crop' | 'stretch' | 'digit';

/**
 * How a picture becomes a model's input: see the fields, and imagenetRecipe
 * / MNIST_DIGIT_PREPROCESSING for the two the zoo's models declare.
 *
 * @example
 * // a 96×96 grayscale model trained on whole pictures scaled to [-1, 1]
 * const recipe: ImageRecipe = { fit: 'stretch', width: 96, height: 96, channels: 1, mean: [0.5], std: [0.5] };
 */
export interface ImageRecipe {
  fit: ImageFit;
  /** Output width and height: the model's input W and H. */
  width: number;
  height: number;
  /** 3: RGB; 1: luma (ITU-R 601). */
  channels: 1 | 3;
  /** 'center-crop': the short side after Resize (default round(min(width, height) × 256 / 224), torchvision's ratio). */
  resize?: number;
  /** Per channel, applied last to values in [0, 1]: (v − mean) / std (default 0 and 1). */
  mean?: readonly number[];
  std?: readonly number[];
  /** Three channels of the luma (a grayscale picture for an RGB model). */
  grayscale?: boolean;
  /** 'center-crop' / 'stretch': 1 − v before normalization. */
  invert?: boolean;
  /**
   * 'digit': dark ink on light paper (true: photos, drawing pads), light ink
   * on dark (false: MNIST itself), or decided from the picture's border
   * ('auto', the default: a border brighter than mid-grey means dark ink).
   */
  darkInk?: boolean | 'auto';
  /** 'digit': where to look for the digit — the whole picture (default) or its centred square (a camera frame). */
  region?: 'whole' | 'center-square';
}

/**
 * torchvision's ImageNet evaluation transform at `size`: Resize(size ×
 * 256/224) + CenterCrop(size), RGB, ImageNet's mean and std.
 *
 * @example imagenetRecipe(224) // { fit: 'center-crop', width: 224, height: 224, channels: 3, resize: 256, mean: [0.485, …], std: [0.229, …] }
 */
export function imagenetRecipe(size = 224): ImageRecipe {
  return { fit: 'center-crop', width: size, height: size, channels: 3, resize: Math.round((size * 256) / 224), ...IMAGENET_NORMALIZATION };
}

/**
 * ImageNet's recipe at 224 (imagenetRecipe(224)).
 *
 * @example await createClassifier(onnxUrl, { preprocessing: IMAGENET_PREPROCESSING })
 */
export const IMAGENET_PREPROCESSING: Readonly<ImageRecipe> = Object.freeze(imagenetRecipe(224));

/**
 * MNIST's recipe for the shipped LeNet-5 (LENET5_PREPROCESSING's numbers):
 * the digit centred like MNIST, 32×32, (x − 0.1307) / 0.3081, ink polarity
 * from the picture.
 *
 * @example await preprocessImage(ctx, frame, { ...MNIST_DIGIT_PREPROCESSING, darkInk: true })
 */
export const MNIST_DIGIT_PREPROCESSING: Readonly<ImageRecipe> = Object.freeze({
  fit: 'digit',
  width: LENET5_PREPROCESSING.size,
  height: LENET5_PREPROCESSING.size,
  channels: 1,
  mean: [LENET5_PREPROCESSING.mean],
  std: [LENET5_PREPROCESSING.std],
  darkInk: 'auto',
});

/** [channels, height, width] of a graph's single image input [1, C, H, W]; anything else is an error naming it. */
export function imageInputShape(graph: Graph): [1 | 3, number, number] {
  const input = graph.inputs.length === 1 ? graph.inputs[0]! : undefined;
  if (!input) throw new InvalidParameterError('model', `an image classifier needs one input; this model has ${graph.inputs.length} (${graph.inputs.map((i) => i.name).join(', ')})`);
  const shape = graph.tensors[input.tensor]!.shape;
  if (shape.length !== 4 || shape[0] !== 1 || (shape[1] !== 1 && shape[1] !== 3)) {
    throw new InvalidParameterError('model', `input "${input.name}" is [${shape.join(', ')}]; an image classifier takes [1, 1 or 3, H, W] (compile with batch 1)`);
  }
  return [shape[1] as 1 | 3, shape[2]!, shape[3]!];
}

/**
 * The recipe of the canvas that test-time crops of a model's height × width
 * input are cut from, from the model's own recipe: the digit recipe's 32×32
 * input centred in (32 + 2·DIGIT_CROP_MARGIN)² = 38×38 (crops shift the
 * digit by up to ±3 pixels, a little past the ±2 LeNet-5 was trained with);
 * otherwise the same fit at round(size × 256/224) — for 224: torchvision's
 * Resize(256) then the centred 256×256, which 5-crop and 10-crop cut
 * 224×224 crops from. Explicit width/height in `given` win.
 *
 * @example cropCanvasRecipe(imagenetRecipe(224), {}) // { …, width: 256, height: 256, resize: 256 }
 */
export function cropCanvasRecipe(recipe: ImageRecipe, given: Partial<ImageRecipe>): ImageRecipe {
  const grow = (n: number) => (recipe.fit === 'digit' ? n + 2 * DIGIT_CROP_MARGIN : Math.round((n * 256) / 224));
  const width = given.width ?? grow(recipe.width);
  const height = given.height ?? (recipe.fit === 'digit' ? width : grow(recipe.height));
  const canvas: ImageRecipe = { ...recipe, ...given, width, height };
  // the canvas is what Resize + CenterCrop make, so by default the short side is resized to the canvas
  if (canvas.fit === 'center-crop' && given.resize === undefined) canvas.resize = Math.min(width, height);
  return canvas;
}

/** Pixels of background around the digit recipe's 32×32 input in the default crop canvas. */
export const DIGIT_CROP_MARGIN = 3;

/**
 * The recipe a model's input asks for: MNIST's digit recipe for a digit
 * model (LeNet-5), ImageNet's for three channels at the input's size, and
 * for one channel the luma of the whole picture's centre (short side to the
 * input size, no normalization), as the CLI does.
 *
 * @example defaultRecipe(resnet18(), false) // imagenetRecipe(224)
 */
export function defaultRecipe(graph: Graph, digits: boolean): ImageRecipe {
  const [channels, height, width] = imageInputShape(graph);
  return defaultRecipeFor(channels, height, width, digits);
}

/**
 * defaultRecipe for an input of channels × height × width (whatever the
 * batch it is built at).
 *
 * @example defaultRecipeFor(3, 224, 224, false) // imagenetRecipe(224)
 */
export function defaultRecipeFor(channels: number, height: number, width: number, digits: boolean): ImageRecipe {
  if (digits) return { ...MNIST_DIGIT_PREPROCESSING, mean: [...MNIST_DIGIT_PREPROCESSING.mean!], std: [...MNIST_DIGIT_PREPROCESSING.std!] };
  if (channels === 3) return { ...imagenetRecipe(Math.min(width, height)), width, height };
  return { fit: 'center-crop', width, height, channels: 1, resize: Math.max(width, height) };
}

const positiveInt = (name: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidParameterError(`preprocessing.${name}`, `must be a positive integer, got ${String(v)}`);
};

/** A recipe checked field by field (fit, sizes, channels, per-channel statistics), so a mistake names its field. */
export function checkRecipe(recipe: ImageRecipe): ImageRecipe {
  if (!recipe || typeof recipe !== 'object') throw new InvalidParameterError('preprocessing', `expected a recipe object, got ${String(recipe)}`);
  if (!['center-crop', 'stretch', 'digit'].includes(recipe.fit)) throw new InvalidParameterError('preprocessing.fit', `must be 'center-crop', 'stretch' or 'digit', got ${String(recipe.fit)}`);
  positiveInt('width', recipe.width);
  positiveInt('height', recipe.height);
  if (recipe.channels !== 1 && recipe.channels !== 3) throw new InvalidParameterError('preprocessing.channels', `must be 1 or 3, got ${String(recipe.channels)}`);
  if (recipe.resize !== undefined) positiveInt('resize', recipe.resize);
  for (const key of ['mean', 'std'] as const) {
    const v = recipe[key];
    if (v !== undefined && (!Array.isArray(v) || v.length !== recipe.channels || !v.every(Number.isFinite))) {
      throw new InvalidParameterError(`preprocessing.${key}`, `needs ${recipe.channels} finite value(s) for ${recipe.channels} channel(s), got ${JSON.stringify(v)}`);
    }
  }
  if (recipe.std?.some((s) => s === 0)) throw new InvalidParameterError('preprocessing.std', 'must not contain 0');
  if (recipe.fit === 'digit' && (recipe.width < LENET5_PREPROCESSING.size || recipe.height !== recipe.width || recipe.channels !== 1)) {
    const s = LENET5_PREPROCESSING.size;
    throw new InvalidParameterError('preprocessing.fit', `'digit' makes a 1×${s}×${s} input (MNIST's 28×28 field padded to ${s}×${s}, or centred in a larger square canvas for crops), not ${recipe.channels}×${recipe.height}×${recipe.width}`);
  }
  return recipe;
}
