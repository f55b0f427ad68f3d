/**
 * What the demo uses from the library: the public API, plus the few
 * internals a page that drives its own buffers needs (tensor buffers,
 * readback, the pass timer).
 */
export * from '../src/index.js';
export { createTensorBuffer, readTensor } from '../src/gpu/buffers.js';
export { PassTimer } from '../src/gpu/timer.js';
export type { LeNet5Variant } from '../src/models/lenet.js';
export { prepareDispatch, encodeDispatch, releaseDispatch } from '../src/kernels/dispatch.js';
