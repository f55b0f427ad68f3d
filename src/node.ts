/**
 * webgpu-cnn for Node: everything the browser entry has, plus WebGPU through
 * Dawn (the optional peer dependency `webgpu`).
 *
 * Importing this module does nothing by itself (the package is
 * `"sideEffects": false`, and a bundler may drop an import kept only for its
 * effect). Node's default autotune store, the JSON file of
 * fileAutotuneStore(), is registered when createNodeGpuContext or getNodeGpu
 * below is first called — the way every Node program gets its GPU — and made
 * only when compile({autotune: true}) first needs it; they also make the
 * shipped weights' file: URLs readable (loadPretrainedWeights and its
 * callers read them with node:fs). A context made
 * otherwise (adoptDevice) uses the browser default (in-memory in Node) unless
 * given `setDefaultAutotuneStore(fileAutotuneStore())` or
 * `{ autotune: { store } }`.
 */
import { setPlatformAutotuneStore } from './autotune/store.js';
import { fileAutotuneStore } from './autotune/store_node.js';
import type { GpuContext } from './gpu/device.js';
import { createNodeGpuContext as createDawnContext, getNodeGpu as getDawnGpu, type NodeGpuOptions } from './gpu/node_gpu.js';
import { registerPretrainedFileReader } from './models/pretrained_node.js';

export * from './index.js';
export { SWIFTSHADER_ICD } from './gpu/node_gpu.js';
export type { NodeGpuOptions } from './gpu/node_gpu.js';
export { loadSafetensorsFile } from './io/safetensors_node.js';
export { fileAutotuneStore, defaultAutotuneFile } from './autotune/store_node.js';
export { loadOnnxFile } from './onnx/load_node.js';
// shadows the browser entry's loadPretrainedWeights of `export *`: this one reads the package's files
export { loadPretrainedWeights, NODE_PRETRAINED_IDS } from './models/pretrained_node.js';
export type { NodePretrainedId } from './models/pretrained_node.js';
// shadows the browser entry's createClassifier: a Dawn context, file paths, the checked PNG/JPEG decoder
export { createClassifier, createEnsembleClassifier } from './image/classifier_node.js';
export { decodeImage, readImageFile } from './image/decode_node.js';
export type { DecodedImage, DecodeImageOptions, ReadImageFileOptions } from './image/decode_node.js';

/** ~/.cache/webgpu-cnn/autotune.json (or under $XDG_CACHE_HOME), made when first used. */
const nodeAutotuneStore = () => fileAutotuneStore();

/**
 * A GpuContext on Dawn (SwiftShader when there is no hardware adapter); it
 * also makes the JSON file the default autotune store (see above).
 *
 * @example
 * import { createNodeGpuContext } from 'webgpu-cnn/node';
 * const ctx = await createNodeGpuContext();
 */
export async function createNodeGpuContext(options: NodeGpuOptions = {}): Promise<GpuContext> {
  setPlatformAutotuneStore(nodeAutotuneStore);
  registerPretrainedFileReader();
  return createDawnContext(options);
}

/**
 * Dawn's `GPU` object with its globals installed (see src/gpu/node_gpu.ts);
 * it also makes the JSON file the default autotune store (see above).
 *
 * @example
 * import { getNodeGpu, createGpuContext } from 'webgpu-cnn/node';
 * const ctx = await createGpuContext({ gpu: await getNodeGpu(), powerPreference: 'high-performance' });
 */
export async function getNodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  setPlatformAutotuneStore(nodeAutotuneStore);
  registerPretrainedFileReader();
  return getDawnGpu(options);
}
