/// <reference types="@webgpu/types" preserve="true" />
/**
 * webgpu-cnn for the browser: the public API, nothing else.
 * Node users import from `webgpu-cnn/node`, which adds Dawn.
 */
export { createGpuContext, adoptDevice } from './gpu/device.js';
export type { GpuContext, GpuAdapterDescription, CreateGpuContextOptions } from './gpu/device.js';
export {
  WebGpuCnnError,
  WebGpuUnavailableError,
  InvalidParameterError,
  UnsupportedConfigurationError,
  BindingLimitError,
  ShaderError,
} from './errors.js';
