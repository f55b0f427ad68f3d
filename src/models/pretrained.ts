/**
 * The trained weights and class names that ship inside the package.
 *
 * The weights are an asset next to the code, referenced as
 * `new URL('./weights/lenet5.safetensors', import.meta.url)`: Vite, webpack
 * and Rollup copy the file into an app's build and hand back its URL, and
 * in Node the URL is a file: URL. Browsers fetch it (with progress and
 * abort); Node cannot fetch file: URLs, so the Node entry registers a file
 * reader (setPretrainedFileReader, called by webgpu-cnn/node's
 * createNodeGpuContext, getNodeGpu and loadPretrainedWeights) and this
 * module, part of the browser build, never reaches node: modules.
 *
 * The ImageNet class names are a dynamic import of a JSON module: bundlers
 * split it into its own chunk, loaded only when imagenetLabels() is called,
 * so a LeNet-only app does not carry it.
 */
import { InvalidParameterError, SafetensorsError } from '../errors.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { loadSafetensors, readSafetensors, type LoadSafetensorsOptions, type SafetensorsFile } from '../io/safetensors.js';
import { lenet5 } from './lenet.js';
import { weightsForGraph } from './weights.js';

/** Zoo ids that have trained weights in the package. */
export type PretrainedId = 'lenet5';

/** Options of loadPretrainedWeights: progress and abort, as for loadSafetensors. */
export type LoadPretrainedOptions = LoadSafetensorsOptions;

/** Reads a file: URL of a shipped asset as a parsed safetensors file (the Node entry registers one). */
export type PretrainedFileReader = (url: URL, options: LoadPretrainedOptions) => Promise<SafetensorsFile>;

/** @internal A weight file that ships with the package. */
export interface Shipped {
  /** The asset's URL, resolved where the code is: a string literal so bundlers see and copy the file. */
  url(): URL;
  /** The graph the weights fit (batch 1; the weights do not depend on the batch). */
  graph(): Graph;
  /** The `__metadata__.variant` the file must carry, so a swapped file is caught. */
  variant: string;
}

const SHIPPED: Record<PretrainedId, Shipped> = {
  lenet5: {
    url: () => new URL('./weights/lenet5.safetensors', import.meta.url),
    graph: () => lenet5({ variant: 'relu' }),
    variant: 'relu',
  },
};

/** The zoo ids loadPretrainedWeights accepts. */
export const PRETRAINED_IDS: readonly PretrainedId[] = Object.keys(SHIPPED) as PretrainedId[];

let fileReader: PretrainedFileReader | undefined;

/**
 * @internal Registers how file: URLs are read (Node). The Node entry calls
 * it from its functions, never at import time (the package is
 * `"sideEffects": false`).
 */
export function setPretrainedFileReader(reader: PretrainedFileReader): void {
  fileReader = reader;
}

function shipped(id: string): Shipped {
  const found = (SHIPPED as Record<string, Shipped | undefined>)[id];
  if (!found) throw new InvalidParameterError('id', `no pretrained weights ship for "${id}"; pretrained: ${PRETRAINED_IDS.join(', ')}`);
  return found;
}

/**
 * Where the shipped weights of a zoo model are: a URL relative to the
 * package's code (an http(s) URL of the app's copy in a bundled app, a file:
 * URL in Node). For preloading or caching them yourself.
 *
 * @example
 * import { pretrainedWeightsUrl } from 'webgpu-cnn';
 * const link = Object.assign(document.createElement('link'), { rel: 'preload', as: 'fetch', href: pretrainedWeightsUrl('lenet5').href });
 * document.head.append(link);
 */
export function pretrainedWeightsUrl(id: PretrainedId): URL {
  return shipped(id).url();
}

async function readFile(url: URL, options: LoadPretrainedOptions): Promise<SafetensorsFile> {
  if (url.protocol !== 'file:') return loadSafetensors(url, options);
  if (fileReader) return fileReader(url, options);
  try {
    return await loadSafetensors(url, options); // Deno and Bun fetch file: URLs; Node does not
  } catch (cause) {
    throw new SafetensorsError(
      `cannot read ${url.href}: this runtime cannot fetch file: URLs. In Node, import from 'webgpu-cnn/node' (its loadPretrainedWeights, or any call after createNodeGpuContext(), reads files)`,
      { cause },
    );
  }
}

/**
 * The trained weights shipped with the package, checked against the zoo
 * graph and ready for compile(): LeNet-5 trained on MNIST (the 'relu'
 * variant, 99.22% test accuracy; input preprocessing as lenet5Input()).
 * In a browser the file is fetched from the app's copy (progress, abort);
 * in Node (webgpu-cnn/node) it is read from the package on disk.
 *
 * @example
 * import { createGpuContext, compile, lenet5, lenet5Input, loadPretrainedWeights } from 'webgpu-cnn';
 * const weights = await loadPretrainedWeights('lenet5', { onProgress: ({ fraction }) => console.log(fraction) });
 * const model = await compile(await createGpuContext(), lenet5(), weights);
 * const logits = await model.predict(lenet5Input(digitPixels)); // 28×28 uint8, white ink on black
 */
export async function loadPretrainedWeights(id: PretrainedId, options: LoadPretrainedOptions = {}): Promise<WeightMap> {
  return loadShippedWeights(id, shipped(id), options);
}

/**
 * @internal Loads one shipped weight file and checks it against its graph
 * and variant: loadPretrainedWeights, and the Node entry's extra files
 * (kept out of the browser entry so a web app does not bundle them).
 */
export async function loadShippedWeights(id: string, entry: Shipped, options: LoadPretrainedOptions): Promise<WeightMap> {
  const file = await readFile(entry.url(), options);
  if (file.metadata.variant !== entry.variant) {
    throw new SafetensorsError(`the shipped ${id} weights say variant "${file.metadata.variant}", expected "${entry.variant}"`);
  }
  return weightsForGraph(entry.graph(), readSafetensors(file));
}

let labels: Promise<readonly string[]> | undefined;

/**
 * ImageNet-1k's 1000 class names in torchvision's order (index i is the
 * name of logit i of a torchvision classifier). Loaded on first call, from
 * its own chunk (≈ 6 KB gzip).
 *
 * @example
 * import { imagenetLabels } from 'webgpu-cnn';
 * const names = await imagenetLabels();
 * console.log(names[281]); // 'tabby'
 */
export function imagenetLabels(): Promise<readonly string[]> {
  labels ??= import('./imagenet_labels.json').then(
    (module) => Object.freeze([...(module.default as string[])]),
    (error: unknown) => {
      labels = undefined; // a chunk that failed to load (offline) may load on the next call
      throw error;
    },
  );
  return labels;
}
