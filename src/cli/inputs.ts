/**
 * `--input` files and `--shape` → concrete input shapes and their data.
 * Raw float32 files fill the declared shape; a free batch dimension is
 * whatever the file's size makes it; images are one sample each. Every size
 * is known from stat (and the --shape) before a byte is read or allocated.
 */
import { numberList, splitNamed } from './args.js';
import { decodeImage, IMAGENET_MEAN, IMAGENET_STD, imageToLenetInput, imageToTensor, isImagePath, type Normalization } from './image_input.js';
import type { DeclaredTensor, Dim, ModelSource } from './model_source_types.js';
import { checkTensorShape, MAX_IMAGE_FILE_BYTES, MAX_TENSOR_BYTES } from './input_limits.js';
import { decodeFloat32, inspectFile, readBytes } from './tensor_files.js';
import { CliFileError, UsageError } from './usage_error.js';

export interface InputRequest {
  /** `--input` values: `path` or `name=path`, in order. */
  inputs: readonly string[];
  /** `--shape` values: `N,C,H,W` or `name=N,C,H,W`. */
  shapes: readonly string[];
  /** --mean / --std, replacing the model's default normalization of images. */
  normalization?: Normalization;
}

export interface PreparedInputs {
  shapes: Map<string, number[]>;
  data: Map<string, Float32Array>;
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const showShape = (dims: readonly Dim[]) => `[${dims.map((d, i) => d ?? (i === 0 ? 'N' : '?')).join(', ')}]`;

/** Assigns `name=value` or bare values to input names; a bare value needs a single-input model. */
export function byInputName(values: readonly string[], names: readonly string[], option: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of values) {
    const { name, value } = splitNamed(raw, names);
    const target = name ?? (names.length === 1 ? names[0]! : undefined);
    if (target === undefined) throw new UsageError(`the model has inputs ${names.join(', ')}: write --${option} name=${raw}`);
    out.set(target, [...(out.get(target) ?? []), value]);
  }
  return out;
}

/** `--shape` for one input, checked against what the model declares. */
function explicitShape(raw: string, declared: DeclaredTensor, resizable: boolean): number[] {
  const dims = numberList(raw.replace(/[x×]/g, ','), '--shape');
  if (dims.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`--shape ${raw}: dimensions must be positive whole numbers`);
  if (dims.length !== declared.shape.length) throw new UsageError(`--shape ${raw} has ${dims.length} dimensions; input "${declared.name}" has ${declared.shape.length} ${showShape(declared.shape)}`);
  declared.shape.forEach((d, i) => {
    const free = d === null || (resizable && i >= 2);
    if (!free && d !== dims[i]) throw new UsageError(`--shape ${raw}: dimension ${i} of input "${declared.name}" is fixed at ${d} ${showShape(declared.shape)}`);
  });
  if (resizable && dims.length === 4 && dims[2] !== dims[3]) throw new UsageError(`--shape ${raw}: zoo models take square inputs (H = W)`);
  return dims;
}

function defaultNormalization(model: ModelSource, channels: number): Normalization | undefined {
  if (model.imageRecipe === 'imagenet' && channels === 3) return { mean: IMAGENET_MEAN, std: IMAGENET_STD };
  if (model.imageRecipe === 'lenet') return undefined;
  return { mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
}

async function imageSample(path: string, model: ModelSource, sampleShape: readonly number[], norm: Normalization | undefined): Promise<Float32Array> {
  if (sampleShape.length !== 3) throw new UsageError(`an image can only feed a [N, C, H, W] input, not [N, ${sampleShape.join(', ')}]`);
  const image = await decodeImage(await readBytes(path, 'input image', MAX_IMAGE_FILE_BYTES), path);
  const [c, h, w] = sampleShape as [number, number, number];
  if (model.imageRecipe === 'lenet') return imageToLenetInput(image, norm);
  const n = norm ?? defaultNormalization(model, c)!;
  if (n.mean.length !== c || n.std.length !== c) throw new UsageError(`--mean and --std need ${c} values for a ${c}-channel input`);
  // ImageNet models were trained on crops from a larger resize; a grayscale model sees the whole picture
  return imageToTensor(image, c, h, w, n, model.imageRecipe === 'imagenet' ? undefined : 1);
}

export async function prepareInputs(model: ModelSource, request: InputRequest): Promise<PreparedInputs> {
  const names = model.inputs.map((i) => i.name);
  const files = byInputName(request.inputs, names, 'input');
  const shapeArgs = byInputName(request.shapes, names, 'shape');
  const missing = names.filter((n) => !files.has(n));
  if (missing.length) throw new UsageError(`no --input for ${missing.map((n) => `"${n}"`).join(', ')}${names.length > 1 ? ' (write --input name=path)' : ''}`);

  const shapes = new Map<string, number[]>();
  const data = new Map<string, Float32Array>();
  for (const declared of model.inputs) {
    const given = shapeArgs.get(declared.name);
    if (given && given.length > 1) throw new UsageError(`--shape given twice for input "${declared.name}"`);
    const fixed = given ? explicitShape(given[0]!, declared, model.resizable) : undefined;
    const sampleDims = (fixed ?? declared.shape).slice(1);
    const free = sampleDims.map((d, i) => (d === null ? i + 1 : -1)).filter((i) => i >= 0);
    if (free.length) throw new UsageError(`input "${declared.name}" ${showShape(declared.shape)} has free dimensions ${free.join(', ')} besides the batch: give them with --shape`);
    const sample = sampleDims as number[];
    const perSample = product(sample);
    checkTensorShape(declared.name, [fixed?.[0] ?? declared.shape[0] ?? 1, ...sample]);

    // sizes from stat before anything is read: a raw file holds size/4 floats, an image one sample
    const paths = files.get(declared.name)!;
    const floats: number[] = [];
    for (const path of paths) {
      if (isImagePath(path)) {
        await inspectFile(path, 'input image', MAX_IMAGE_FILE_BYTES);
        floats.push(perSample);
      } else {
        const bytes = await inspectFile(path, 'input', MAX_TENSOR_BYTES);
        if (bytes % 4 !== 0) throw new CliFileError(`${path}: ${bytes} bytes is not a whole number of float32 values`);
        floats.push(bytes / 4);
      }
    }
    const total = floats.reduce((a, b) => a + b, 0);
    const batch = fixed?.[0] ?? declared.shape[0] ?? null;
    const fromFiles = `${paths.join(' + ')} ${paths.length > 1 ? 'hold' : 'holds'} ${total} floats (${total * 4} bytes)`;
    if (batch === null) {
      if (total === 0 || total % perSample !== 0) {
        throw new CliFileError(`input "${declared.name}": ${fromFiles}, but ${showShape([null, ...sample])} takes a multiple of ${perSample} floats (${perSample * 4} bytes)`);
      }
      shapes.set(declared.name, [total / perSample, ...sample]);
    } else {
      if (total !== batch * perSample) {
        throw new CliFileError(`input "${declared.name}": ${fromFiles}, but [${[batch, ...sample].join(', ')}] takes ${batch * perSample} floats (${batch * perSample * 4} bytes)`);
      }
      shapes.set(declared.name, [batch, ...sample]);
    }
    checkTensorShape(declared.name, shapes.get(declared.name)!);

    const joined = new Float32Array(total);
    let at = 0;
    for (const [i, path] of paths.entries()) {
      const part = isImagePath(path)
        ? await imageSample(path, model, sample, request.normalization)
        : decodeFloat32(await readBytes(path, 'input', MAX_TENSOR_BYTES), path);
      // sized by stat above: a file that changed since is refused, not mixed in
      if (part.length !== floats[i]) throw new CliFileError(`input ${path} changed while being read (${floats[i]! * 4} bytes, then ${part.length * 4})`);
      joined.set(part, at);
      at += part.length;
    }
    data.set(declared.name, joined);
  }
  return { shapes, data };
}

/** Shapes without input files (summary, bench): --shape, else the declared shape with a free batch of 1. */
export function shapesWithoutData(model: ModelSource, shapeValues: readonly string[]): Map<string, number[]> {
  const given = byInputName(shapeValues, model.inputs.map((i) => i.name), 'shape');
  const shapes = new Map<string, number[]>();
  for (const declared of model.inputs) {
    const raw = given.get(declared.name)?.[0];
    const dims = raw ? explicitShape(raw, declared, model.resizable) : declared.shape.map((d, i) => (i === 0 && d === null ? 1 : d));
    const free = dims.map((d, i) => (d === null ? i : -1)).filter((i) => i >= 0);
    if (free.length) throw new UsageError(`input "${declared.name}" ${showShape(declared.shape)} has free dimensions ${free.join(', ')}: give them with --shape`);
    shapes.set(declared.name, dims as number[]);
  }
  return shapes;
}
