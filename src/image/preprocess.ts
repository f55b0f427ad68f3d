/**
 * Runs a preprocessing recipe on the GPU: a picture in an ImageFrame → a
 * model's input tensor, written into a GPU buffer (no CPU copy: hand it to
 * model.run) or read back as a Float32Array. The image_to_tensor kernel
 * does the sampling; the digit recipe goes through digitToTensor.
 */
import { InvalidParameterError } from '../errors.js';
import { paddedByteSize, readTensor, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { withErrorScopes } from '../gpu/error_capture.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../kernels/dispatch.js';
import { imageToTensor, type Rect } from '../kernels/image_to_tensor.js';
import { digitToTensor, type DigitPlacement } from './digit.js';
import type { ImageFrame } from './frame.js';
import { centerSquareRect, resizeCenterCropRect } from './preprocessing.js';
import { checkRecipe, type ImageRecipe } from './recipe.js';

export interface PreprocessImageOptions {
  /**
   * Where to write the tensor (STORAGE usage; add COPY_SRC to feed it to
   * model.run). Without it the tensor is read back as a Float32Array.
   */
  output?: GPUBuffer;
  /** Element offset in `output` (batch index × C·H·W; default 0). */
  outOffset?: number;
}

/** What a run of a recipe found: for the digit recipe, where the digit is (null: no ink, the input is blank). */
export interface RecipeResult {
  digit?: DigitPlacement | null;
}

/** Taps per axis for an area-like filter when shrinking by `scale` source pixels per output pixel. */
const tapsFor = (scale: number) => Math.min(8, Math.max(1, Math.round(scale)));

/** The source rectangle a center-crop or stretch recipe shows. */
function cropRectOf(frame: ImageFrame, r: ImageRecipe): Rect {
  if (r.fit === 'stretch') return [0, 0, frame.width, frame.height];
  const resize = r.resize ?? Math.round((Math.min(r.width, r.height) * 256) / 224);
  return resizeCenterCropRect(frame.width, frame.height, resize, r.width, r.height);
}

/** Prepares one image_to_tensor dispatch, submits it under error scopes and waits for their verdict. */
async function runScoped(ctx: GpuContext, spec: Parameters<typeof prepareDispatch>[1]): Promise<void> {
  const prepared = await prepareDispatch(ctx.device, spec);
  try {
    const { error } = withErrorScopes(ctx.device, { operation: spec.label }, () => {
      const encoder = ctx.device.createCommandEncoder({ label: spec.label });
      const pass = encoder.beginComputePass({ label: spec.label });
      encodeDispatch(pass, prepared);
      pass.end();
      ctx.device.queue.submit([encoder.finish()]);
    });
    const failed = await error;
    if (failed) throw failed;
  } finally {
    releaseDispatch(prepared);
  }
}

/**
 * Writes the recipe's tensor for the picture in `frame` into `output` at
 * `outOffset` and says what it found. The digit recipe with no ink in view
 * writes a blank input (every value the background's) and `digit: null`.
 */
export async function writeRecipe(ctx: GpuContext, frame: ImageFrame, recipe: ImageRecipe, output: GPUBuffer, outOffset = 0): Promise<RecipeResult> {
  const r = checkRecipe(recipe);
  const pixels = frame.buffer;
  if (r.fit === 'digit') {
    const view = r.region === 'center-square' ? centerSquareRect(frame.width, frame.height) : undefined;
    const digit = await digitToTensor(ctx, frame, pixels, output, { view, darkInk: r.darkInk ?? 'auto', outOffset, mean: r.mean?.[0], std: r.std?.[0], size: r.width });
    if (!digit) {
      // no ink: the input MNIST would have made of a blank page, background everywhere
      const blank = { channels: 1 as const, outWidth: r.width, outHeight: r.height, outOffset, dstRect: [-2, -2, 1, 1] as Rect, fill: 0, mean: r.mean, std: r.std };
      await runScoped(ctx, imageToTensor(frame, blank, pixels, output, 'blank digit input'));
    }
    return { digit };
  }
  const cropRect = cropRectOf(frame, r);
  const shrink = Math.max(cropRect[2] / r.width, cropRect[3] / r.height);
  const spec = imageToTensor(
    frame,
    { channels: r.channels, outWidth: r.width, outHeight: r.height, outOffset, cropRect, mean: r.mean, std: r.std, grayscale: r.grayscale, invert: r.invert, samples: tapsFor(shrink) },
    pixels,
    output,
    `image → ${r.channels}×${r.height}×${r.width} input`,
  );
  await runScoped(ctx, spec);
  return {};
}

/**
 * The input tensor a recipe makes of the picture in `frame` (NCHW, one
 * image: channels × height × width floats), computed on the GPU: into
 * `output` when given (returned, ready for `model.run(output)`), else read
 * back as a Float32Array.
 *
 * @example
 * const frame = new ImageFrame(ctx);
 * frame.copyExternal(video);                                          // GPU to GPU, no CPU readback
 * const input = await preprocessImage(ctx, frame, imagenetRecipe(224)); // Float32Array [1, 3, 224, 224]
 * const logits = await model.predict(input);
 * // or keep it on the GPU:
 * const buffer = ctx.device.createBuffer({ size: 3 * 224 * 224 * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
 * await model.run(await preprocessImage(ctx, frame, imagenetRecipe(224), { output: buffer }));
 */
export async function preprocessImage(ctx: GpuContext, frame: ImageFrame, recipe: ImageRecipe, options: PreprocessImageOptions & { output: GPUBuffer }): Promise<GPUBuffer>;
export async function preprocessImage(ctx: GpuContext, frame: ImageFrame, recipe: ImageRecipe, options?: PreprocessImageOptions): Promise<Float32Array>;
export async function preprocessImage(ctx: GpuContext, frame: ImageFrame, recipe: ImageRecipe, options: PreprocessImageOptions = {}): Promise<GPUBuffer | Float32Array> {
  const r = checkRecipe(recipe);
  const elements = r.channels * r.width * r.height;
  const outOffset = options.outOffset ?? 0;
  if (options.output) {
    const needed = (outOffset + elements) * 4;
    if (options.output.size < needed) throw new InvalidParameterError('output', `the buffer has ${options.output.size} bytes; a ${r.channels}×${r.height}×${r.width} tensor at element ${outOffset} needs ${needed}`);
    if ((options.output.usage & GPUBufferUsage.STORAGE) === 0) throw new InvalidParameterError('output', 'the buffer lacks GPUBufferUsage.STORAGE, which the preprocessing kernel writes through');
    await writeRecipe(ctx, frame, r, options.output, outOffset);
    return options.output;
  }
  if (outOffset !== 0) throw new InvalidParameterError('outOffset', 'applies to an output buffer; a Float32Array result holds one image');
  const buffer = ctx.device.createBuffer({ label: 'preprocessed image', size: paddedByteSize(elements * 4), usage: TENSOR_USAGE });
  try {
    await writeRecipe(ctx, frame, r, buffer);
    return await readTensor(ctx.device, buffer, elements);
  } finally {
    buffer.destroy();
  }
}
