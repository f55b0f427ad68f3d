/**
 * createClassifier for Node: a Dawn context of its own when none is given,
 * file paths (and file: or http(s) URLs) for models, weights and pictures,
 * and PNG/JPEG decoding with the size checks of decode_node.ts; the shipped
 * weights are read from the package on disk.
 */
import { fileURLToPath } from 'node:url';
import { setPlatformAutotuneStore } from '../autotune/store.js';
import { fileAutotuneStore } from '../autotune/store_node.js';
import { createNodeGpuContext } from '../gpu/node_gpu.js';
import { loadSafetensors } from '../io/safetensors.js';
import { loadSafetensorsFile } from '../io/safetensors_node.js';
import { registerPretrainedFileReader } from '../models/pretrained_node.js';
import { loadOnnx } from '../onnx/load.js';
import { loadOnnxFile } from '../onnx/load_node.js';
import { createClassifierOn, type Classifier, type ClassifierOptions, type ClassifierPlatform } from './classifier.js';
import type { ClassifierSource } from './classifier_source.js';
import { decodeImage, readImageFile, type DecodedImage } from './decode_node.js';
import { createEnsembleClassifierOn, type EnsembleMember, type EnsembleOptions } from './ensemble.js';
import { ImageDecodeError } from './image_error.js';

/** http(s) locations are fetched; everything else is a file (a path or a file: URL). */
const isRemote = (location: string | URL) => /^https?:/i.test(String(location));
const filePath = (location: string | URL) => (location instanceof URL || /^file:/i.test(location) ? fileURLToPath(location) : location);

/** Transparency composited over white, as the CLI (and PIL's convert on paper-like scans) does. */
function overWhite(image: DecodedImage): DecodedImage {
  const { data } = image;
  for (let i = 3; i < data.length; i += 4) {
    const alpha = data[i]! / 255;
    if (alpha === 1) continue;
    for (let c = i - 3; c < i; c++) data[c] = data[c]! * alpha + 255 * (1 - alpha);
    data[i] = 255;
  }
  return image;
}

async function fetchBytes(url: string | URL): Promise<Uint8Array> {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new ImageDecodeError('unreadable', String(url), `cannot fetch image ${String(url)}: ${(cause as Error).message}`, { cause });
  }
}

const nodePlatform: ClassifierPlatform = {
  createContext: () => {
    setPlatformAutotuneStore(() => fileAutotuneStore());
    return createNodeGpuContext();
  },
  loadOnnx: (location, o) =>
    isRemote(location)
      ? loadOnnx(location, { batch: o.batch, signal: o.signal, onProgress: o.onProgress && ((loadedBytes, totalBytes) => o.onProgress!({ loadedBytes, totalBytes, fraction: totalBytes ? loadedBytes / totalBytes : undefined })) })
      : loadOnnxFile(filePath(location), { batch: o.batch }),
  loadSafetensors: (location, o) => (isRemote(location) ? loadSafetensors(location, o) : loadSafetensorsFile(filePath(location), o)),
  decode: async (bytes) => overWhite(await decodeImage(bytes)),
  open: async (location) => overWhite(isRemote(location) ? await decodeImage(await fetchBytes(location), { name: String(location) }) : await readImageFile(filePath(location))),
};

/**
 * Loads and compiles an image classifier in one call, in Node. `source`: a
 * zoo id ('lenet5' with its shipped MNIST weights; any other with `weights`:
 * a safetensors path, URL or bytes, or a WeightMap), an ONNX file (path, URL
 * or bytes) or a CompiledModel (with its `ctx`). Pictures to classify may
 * also be PNG/JPEG bytes or file paths.
 *
 * @example
 * import { createClassifier } from 'webgpu-cnn/node';
 * const classifier = await createClassifier('lenet5');
 * console.log(await classifier.classify('digit.png', { topK: 3 })); // [{ label: '7', score: 0.99, … }, …]
 * classifier.dispose();
 */
export function createClassifier(source: ClassifierSource, options: ClassifierOptions = {}): Promise<Classifier> {
  registerPretrainedFileReader();
  return createClassifierOn(nodePlatform, source, options);
}

/**
 * createEnsembleClassifier in Node: members may name weight files by path
 * (or use loadPretrainedWeights('lenet5_seed1') of webgpu-cnn/node).
 *
 * @example
 * import { createEnsembleClassifier, loadPretrainedWeights } from 'webgpu-cnn/node';
 * const ensemble = await createEnsembleClassifier([
 *   'lenet5',
 *   { source: 'lenet5', weights: await loadPretrainedWeights('lenet5_seed1') },
 *   { source: 'lenet5', weights: await loadPretrainedWeights('lenet5_seed2') },
 * ], { crops: cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 3) });
 * console.log(await ensemble.classify('digit.png', { topK: 1 }));
 */
export function createEnsembleClassifier(members: readonly EnsembleMember[], options: EnsembleOptions = {}): Promise<Classifier> {
  registerPretrainedFileReader();
  return createEnsembleClassifierOn(nodePlatform, members, options);
}
