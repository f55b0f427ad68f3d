/**
 * What the demo uses from the library: its public API, nothing internal
 * (the page's own buffer chores are plain WebGPU, in gpu_buffers.ts).
 */
export * from '../src/index.js';
