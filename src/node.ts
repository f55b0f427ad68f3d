/// <reference types="@webgpu/types" preserve="true" />
/**
 * webgpu-cnn for Node: everything the browser entry has, plus WebGPU through
 * Dawn (the optional peer dependency `webgpu`).
 */
export * from './index.js';
export { createNodeGpuContext, getNodeGpu, SWIFTSHADER_ICD } from './gpu/node_gpu.js';
export type { NodeGpuOptions } from './gpu/node_gpu.js';
export { loadSafetensorsFile } from './io/safetensors_node.js';
