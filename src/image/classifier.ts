/**
 * One call to load, one to classify: createClassifier(source, options) →
 * a Classifier whose classify(picture) answers `[{ label, score }]`, most
 * likely first. The picture goes to the GPU (no CPU readback for DOM
 * sources), the model's recipe (preprocess.ts) writes the input tensor
 * there, the compiled model runs on it and only the logits come back.
 * The low-level pieces stay reachable: `model`, `ctx`, `preprocessing`,
 * `labels`, and preprocess() gives the tensor the model sees.
 *
 * This file is the platform-free core; `createClassifier` here is the
 * browser's (navigator.gpu, fetch, createImageBitmap), and webgpu-cnn/node
 * exports one with Dawn, file paths and the checked PNG/JPEG decoder
 * (classifier_node.ts).
 */
import { DisposedError, InvalidParameterError } from '../errors.js';
import { createTensorBuffer, readTensor } from '../gpu/buffers.js';
import { createGpuContext, type GpuContext } from '../gpu/device.js';
import { compile, CompiledModel, type CompileOptions, type RunResult } from '../graph/executor.js';
import { elementCount, type WeightMap } from '../graph/ir.js';
import { loadSafetensors } from '../io/safetensors.js';
import { imagenetLabels } from '../models/pretrained.js';
import { browserDecoder } from './browser_decoder.js';
import { resolveSource, type ClassifierSource, type LoadOptions, type ModelLoader, type SourceOptions } from './classifier_source.js';
import { planCombined, type MemberSource } from './combined_model.js';
import type { CropRect, CropSet } from './crops.js';
import { ImageFrame } from './frame.js';
import { copyImageInput, type ImageDecoder, type ImageInput } from './image_source.js';
import { writeRecipe } from './preprocess.js';
import { checkRecipe, defaultRecipe, imageInputShape, type ImageRecipe } from './recipe.js';
import { checkTopK, rankProbabilities, topK } from './top_k.js';
import { composedWeights, composeHead } from '../train/compose.js';
import type { ClassifierHead } from '../train/head.js';
import { composeKnn, knnVotes, NEIGHBOURS_OUTPUT, SIMILARITIES_OUTPUT, type KnnHead } from '../train/knn.js';

export type { ClassifierSource, WeightsSource } from './classifier_source.js';
export type { ImageInput, ImageDataLike } from './image_source.js';

export interface ClassifierOptions extends SourceOptions {
  /** The GPU to run on (default: a context of its own, made here and destroyed by dispose()). A compiled model needs its own ctx here. */
  ctx?: GpuContext;
  /** Class names, one per output (default: digits for LeNet-5, ImageNet's for 1000 classes, else `class N`). */
  labels?: readonly string[];
  /**
   * The preprocessing, or the fields of it to change (default: the model's
   * recipe — MNIST's digit recipe for LeNet-5, ImageNet's for RGB models;
   * see ImageRecipe). Its size and channels must be the model's input's.
   */
  preprocessing?: Partial<ImageRecipe>;
  /** Passed to compile() (strategy, autotune, …). */
  compile?: Omit<CompileOptions, 'signal'>;
  /**
   * Test-time multi-crop (the course's P130): the picture is preprocessed
   * to a canvas larger than the model's input, the model sees each crop of
   * it and classify() scores the mean of the crops' softmax — all in one
   * GPU submit (the crops are Slices of the canvas, run as one batch).
   * 'center', '5-crop' (four corners + centre), '10-crop' (those five and
   * their mirror images) or an explicit list of { x, y, width, height,
   * mirror } rectangles of the canvas, each the model's input size (no
   * mirrors for digits). The canvas is `preprocessing.width` × `height`
   * when given, else, for the digit recipe, the 32×32 input centred in
   * 38×38 (crops shift by up to ±3 pixels), and for the others round(size ×
   * 256/224): a 224 model gets Resize(256) + the centred 256×256, 224×224
   * crops of it. A classifier option, not a classify() one: the crops are
   * compiled into the graph (its batch, its Slices), and recompiling costs
   * seconds. Needs a zoo id or an ONNX file (a compiled model's batch is fixed).
   */
  crops?: CropSet;
}

/** One class of classify()'s answer. */
export interface Classification {
  label: string;
  /** Softmax probability in [0, 1] (a kNN head's classifier: the class's share of the neighbours' vote). */
  score: number;
}

/**
 * How a classifier turns its model's run into ranked classes: which outputs
 * to read back, and the ranking (softmax of the logits by default; a kNN
 * head's vote).
 */
interface Readout {
  readonly outputs: readonly string[];
  rank(result: RunResult, k: number, labels: readonly string[]): Classification[];
}

/** The first output's softmax, top k: what a plain model's and a trained head's classifier answer. */
const softmaxReadout = (output: string): Readout => ({
  outputs: [output],
  rank: (result, k, labels) => topK(result.float(output), k, labels).map(({ label, score }) => ({ label, score })),
});

/** The first output already holds probabilities (multi-crop, ensembles: their mean): ranked as they are. */
const probabilitiesReadout = (output: string): Readout => ({
  outputs: [output],
  rank: (result, k, labels) => rankProbabilities(result.float(output), k, labels).map(({ label, score }) => ({ label, score })),
});

const knnReadout = (head: KnnHead): Readout => ({
  outputs: [SIMILARITIES_OUTPUT, NEIGHBOURS_OUTPUT],
  rank: (result, k) => knnVotes(head, result.int64(NEIGHBOURS_OUTPUT), result.float(SIMILARITIES_OUTPUT))[0]!.slice(0, k).map(({ label, score }) => ({ label, score })),
});

export interface WithHeadOptions {
  /**
   * The base model's weights: needed when the base was made from a compiled
   * model (its weights stay inside it); otherwise the base's own are used.
   */
  weights?: WeightMap;
  /** Passed to compile() for the composed model (default: the base's compile options). */
  compile?: Omit<CompileOptions, 'signal'>;
  signal?: AbortSignal;
}

export interface ClassifyOptions {
  /** How many classes to return, most likely first (default 5; Infinity: all). */
  topK?: number;
}

/** What a platform supplies: its GPU, its file and picture loaders. */
export interface ClassifierPlatform extends ModelLoader, ImageDecoder {
  createContext(): Promise<GpuContext>;
}

/** @internal The browser's platform: navigator.gpu, fetch, createImageBitmap. */
export const browserClassifierPlatform: ClassifierPlatform = {
  createContext: () => createGpuContext(),
  // a dynamic import: a zoo-only app does not carry the ONNX importer (protobufjs)
  loadOnnx: async (location, o: LoadOptions) => (await import('../onnx/load.js')).loadOnnx(location, { batch: o.batch, signal: o.signal, onProgress: o.onProgress && ((loadedBytes, totalBytes) => o.onProgress!({ loadedBytes, totalBytes, fraction: totalBytes ? loadedBytes / totalBytes : undefined })) }),
  loadSafetensors: (location, o: LoadOptions) => loadSafetensors(location, o),
  ...browserDecoder,
};

/** The class names for `classes` outputs: given (checked), digits, ImageNet's, or `class N`. */
export async function labelsFor(classes: number, digits: boolean, given: readonly string[] | undefined): Promise<readonly string[]> {
  if (given) {
    if (!Array.isArray(given) || given.length !== classes || !given.every((l) => typeof l === 'string')) {
      throw new InvalidParameterError('labels', `the model has ${classes} classes; got ${Array.isArray(given) ? `${given.length} labels` : typeof given}`);
    }
    return Object.freeze([...given]);
  }
  if (digits && classes === 10) return Object.freeze(Array.from({ length: 10 }, (_, i) => String(i)));
  if (classes === 1000) return imagenetLabels();
  return Object.freeze(Array.from({ length: classes }, (_, i) => `class ${i}`));
}

/**
 * A compiled image classifier, made by createClassifier: classify() ranks
 * classes for a picture; `model`, `ctx`, `labels`, `preprocessing` and
 * preprocess() expose what it is made of.
 *
 * @example
 * const classifier = await createClassifier('lenet5');
 * const [best] = await classifier.classify(canvas, { topK: 1 });
 * const input = await classifier.preprocess(canvas);        // what LeNet-5 saw: 1 × 1 × 32 × 32
 * console.log(best.label, classifier.model.info.dispatches);
 * classifier.dispose();
 */
export class Classifier {
  private readonly frame: ImageFrame;
  private readonly input: GPUBuffer;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  /** @internal use createClassifier() */
  constructor(
    /** The GPU it runs on. */
    readonly ctx: GpuContext,
    /** The compiled model: run it yourself on preprocess()'s tensor, read `model.info`… */
    readonly model: CompiledModel,
    /** One name per class, in output order. */
    readonly labels: readonly string[],
    /** How pictures become the model's input. */
    readonly preprocessing: Readonly<ImageRecipe>,
    private readonly decoder: ImageDecoder,
    private readonly owns: { model: boolean; ctx: boolean },
    /** The weights the model was compiled with, where known: withHead composes with them. */
    private readonly weights?: WeightMap,
    private readonly readout: Readout = softmaxReadout(model.outputNames[0]!),
    private readonly compileOptions: Omit<CompileOptions, 'signal'> = {},
    /** The crops of the canvas the model sees (multi-crop and ensembles; undefined: the whole input, once). */
    readonly crops?: readonly CropRect[],
  ) {
    this.frame = new ImageFrame(ctx, 'classifier frame');
    const { channels, width, height } = preprocessing;
    this.input = createTensorBuffer(ctx.device, channels * width * height * 4, 'classifier input');
  }

  /**
   * The classes the model sees in a picture, most likely first: `label` and
   * `score` (softmax probability over all classes). With the digit recipe,
   * a picture with no ink to see gives an empty list. Calls run one after
   * another. (Indices and raw logits: run `model` on preprocess()'s tensor
   * and rank with topK.)
   *
   * @example
   * const top = await classifier.classify(video, { topK: 3 }); // [{ label: 'tabby', score: 0.62 }, …]
   */
  async classify(input: ImageInput, options: ClassifyOptions = {}): Promise<Classification[]> {
    const k = options.topK ?? 5;
    checkTopK(k);
    return this.serialized(async () => {
      const { digit } = await this.writeInput(input);
      if (digit === null) return [];
      const result = await this.model.run(this.input, { outputs: [...this.readout.outputs] });
      return this.readout.rank(result, k, this.labels);
    });
  }

  /**
   * A classifier over your own classes: this one's model cut at the head's
   * feature layer with a trained head (train/trainer.ts, loadHead) or a kNN
   * head (knnHead, loadKnnHead) appended, compiled as one model — one command
   * buffer per classify() — with this classifier's preprocessing. A trained
   * head's scores are softmax probabilities, a kNN head's the classes' shares
   * of the neighbours' vote. It runs on this classifier's GPU context:
   * dispose it before this one when this one owns the context.
   *
   * @example
   * const base = await createClassifier('mobilenet_v2', { weights: '/models/mobilenet_v2.safetensors' });
   * const pets = await base.withHead(loadHead(headBytes));
   * const [best] = await pets.classify(video, { topK: 1 }); // { label: 'my cat', score: 0.93 }
   */
  async withHead(head: ClassifierHead | KnnHead, options: WithHeadOptions = {}): Promise<Classifier> {
    this.assertUsable();
    if (this.crops) throw new InvalidParameterError('head', 'a multi-crop or ensemble classifier averages several runs of its models: put the head on a single-model classifier, then give it crops');
    const weights = options.weights ?? this.weights;
    if (!weights) throw new InvalidParameterError('weights', 'this classifier was made from a compiled model, whose weights stay inside it: pass the base weights as { weights }');
    const backbone = this.model.graph;
    const compileOptions = options.compile ?? this.compileOptions;
    const knn = 'samples' in head;
    const { graph, weights: composed } = knn ? composeKnn(backbone, weights, head) : { graph: composeHead(backbone, head), weights: composedWeights(backbone, weights, head) };
    const model = await compile(this.ctx, graph, composed, { ...compileOptions, signal: options.signal });
    const readout = knn ? knnReadout(head) : softmaxReadout(graph.outputs[0]!.name);
    return new Classifier(this.ctx, model, Object.freeze([...head.classes]), this.preprocessing, this.decoder, { model: true, ctx: false }, weights, readout, compileOptions);
  }

  /**
   * The input tensor the model sees for a picture (NCHW, 1 × C × H × W;
   * with `crops`, the whole canvas the crops are cut from), read back: for
   * showing it, or for running the model yourself.
   *
   * @example
   * const x = await classifier.preprocess(canvas);
   * const { float } = await classifier.model.run(x); // the logits classify() ranks
   */
  async preprocess(input: ImageInput): Promise<Float32Array> {
    return this.serialized(async () => {
      await this.writeInput(input);
      const { channels, width, height } = this.preprocessing;
      return readTensor(this.ctx.device, this.input, channels * width * height);
    });
  }

  /**
   * Frees the GPU buffers, the model (unless it was given compiled) and the
   * context (unless it was given), once calls in flight have finished.
   * Later calls throw DisposedError.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.queue.then(() => {
      this.frame.destroy();
      this.input.destroy();
      if (this.owns.model) this.model.dispose();
      if (this.owns.ctx) this.ctx.device.destroy();
    });
  }

  private async writeInput(input: ImageInput) {
    await copyImageInput(this.frame, input, this.decoder);
    return writeRecipe(this.ctx, this.frame, this.preprocessing, this.input);
  }

  private assertUsable(): void {
    if (this.disposed) throw new DisposedError('this classifier was disposed');
  }

  /** Runs `work` after every earlier call: the frame and the input buffer are shared. */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    this.assertUsable();
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** @internal createClassifier on a given platform (the browser's or Node's). */
export async function createClassifierOn(platform: ClassifierPlatform, source: ClassifierSource, options: ClassifierOptions = {}): Promise<Classifier> {
  if (options.crops !== undefined) return createCombinedOn(platform, [{ source, options }], options, false);
  if (source instanceof CompiledModel && !options.ctx) {
    throw new InvalidParameterError('ctx', 'a compiled model runs on the context it was compiled on: pass it as { ctx }');
  }
  // the GPU is asked for while the weights load: no WebGPU is said at once, not after a download
  const ownsCtx = !options.ctx;
  const context = options.ctx ? Promise.resolve(options.ctx) : platform.createContext();
  const loading = resolveSource(source, options, platform);
  let ctx: GpuContext;
  try {
    ctx = await context;
  } catch (error) {
    loading.catch(() => undefined);
    throw error;
  }
  try {
    const resolved = await loading;
    const graph = resolved.kind === 'compiled' ? resolved.model.graph : resolved.graph;
    const [channels, height, width] = imageInputShape(graph);
    const output = graph.outputs[0]!;
    const classes = elementCount(graph.tensors[output.tensor]!.shape.slice(1));
    const digits = resolved.kind === 'graph' && resolved.digits;
    const recipe = checkRecipe({ ...defaultRecipe(graph, digits), ...options.preprocessing });
    if (recipe.width !== width || recipe.height !== height || recipe.channels !== channels) {
      throw new InvalidParameterError('preprocessing', `makes ${recipe.channels}×${recipe.height}×${recipe.width}; the model takes ${channels}×${height}×${width}`);
    }
    const labels = await labelsFor(classes, digits && recipe.fit === 'digit', options.labels);
    const model = resolved.kind === 'compiled' ? resolved.model : await compile(ctx, resolved.graph, resolved.weights, { ...options.compile, signal: options.signal });
    const weights = resolved.kind === 'graph' ? resolved.weights : undefined;
    return new Classifier(ctx, model, labels, Object.freeze(recipe), platform, { model: resolved.kind !== 'compiled', ctx: ownsCtx }, weights, undefined, options.compile);
  } catch (error) {
    if (ownsCtx) ctx.device.destroy();
    throw error;
  }
}

/**
 * @internal A multi-crop (one member) or ensemble classifier on a platform:
 * planCombined's graph compiled, scoring mean probabilities.
 */
export async function createCombinedOn(platform: ClassifierPlatform, members: readonly MemberSource[], options: ClassifierOptions, ensemble: boolean): Promise<Classifier> {
  const ownsCtx = !options.ctx;
  const context = options.ctx ? Promise.resolve(options.ctx) : platform.createContext();
  const planning = planCombined(members, options.crops, options.preprocessing, platform, ensemble);
  let ctx: GpuContext;
  try {
    ctx = await context;
  } catch (error) {
    planning.catch(() => undefined);
    throw error;
  }
  try {
    const plan = await planning;
    const labels = await labelsFor(plan.classes, plan.digits && plan.recipe.fit === 'digit', options.labels);
    const model = await compile(ctx, plan.graph, plan.weights, { ...options.compile, signal: options.signal });
    return new Classifier(ctx, model, labels, Object.freeze(plan.recipe), platform, { model: true, ctx: ownsCtx }, undefined, probabilitiesReadout(model.outputNames[0]!), options.compile, Object.freeze(plan.crops.map((r) => Object.freeze({ ...r }))));
  } catch (error) {
    if (ownsCtx) ctx.device.destroy();
    throw error;
  }
}

/**
 * Loads and compiles an image classifier in one call. `source`: a zoo id
 * ('lenet5' with its shipped MNIST weights; any other with `weights`), an
 * ONNX file (URL or bytes) or a CompiledModel (with its `ctx`).
 *
 * @example
 * import { createClassifier } from 'webgpu-cnn';
 * const classifier = await createClassifier('lenet5');
 * const [best] = await classifier.classify(canvas); // { label: '7', score: 0.998, … }
 *
 * const resnet = await createClassifier('resnet18', { weights: '/models/resnet18.safetensors', onProgress: (p) => bar.set(p.fraction) });
 * console.log(await resnet.classify(video, { topK: 3 }));
 *
 * // test-time 10-crop: Resize(256), the centred 256×256, its corners + centre and their mirrors at 224×224
 * const tenCrop = await createClassifier('resnet18', { weights, crops: '10-crop' });
 * // LeNet-5 on a 38×38 canvas, a 3×3 grid of shifts (no mirrors for digits)
 * const shifts = await createClassifier('lenet5', { crops: cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 3) });
 */
export function createClassifier(source: ClassifierSource, options: ClassifierOptions = {}): Promise<Classifier> {
  return createClassifierOn(browserClassifierPlatform, source, options);
}
