/// <reference types="@webgpu/types" preserve="true" />
/**
 * webgpu-cnn for Node: everything the browser entry has, plus WebGPU through
 * Dawn (the optional peer dependency `webgpu`).
 */
import { setDefaultAutotuneStore } from './autotune/store.js';
import { fileAutotuneStore } from './autotune/store_node.js';

export * from './index.js';
export { createNodeGpuContext, getNodeGpu, SWIFTSHADER_ICD } from './gpu/node_gpu.js';
export type { NodeGpuOptions } from './gpu/node_gpu.js';
export { loadSafetensorsFile } from './io/safetensors_node.js';
export { fileAutotuneStore, defaultAutotuneFile } from './autotune/store_node.js';

// in Node, compile({autotune: true}) remembers choices in ~/.cache/webgpu-cnn/autotune.json
setDefaultAutotuneStore(fileAutotuneStore());
export { loadOnnxFile } from './io/onnx_node.js';
