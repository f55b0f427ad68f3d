/** PyTorch's AdaptiveAvgPool2d (AlexNet's 6×6 and VGG's 7×7 heads) on NHWC. */
import adaptiveWgsl from '../../shaders/adaptive_avg_pool.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const adaptiveAvgPoolShader = defineShader('adaptive_avg_pool', linearIndexWgsl, adaptiveWgsl);
const WORKGROUP_SIZE = 64;

export interface AdaptiveAvgPoolParams {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
}

/** @example adaptiveAvgPool({ batch: 1, inHeight: 13, inWidth: 13, channels: 256, outHeight: 6, outWidth: 6 }, x, y) */
export function adaptiveAvgPool(p: AdaptiveAvgPoolParams, input: BufferBinding, output: BufferBinding, label = 'adaptive_avg_pool'): DispatchSpec {
  for (const [k, v] of Object.entries(p)) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${v}`);
  }
  const total = p.batch * p.outHeight * p.outWidth * p.channels;
  return {
    label,
    shader: adaptiveAvgPoolShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { inHeight: p.inHeight, inWidth: p.inWidth, channels: p.channels, outHeight: p.outHeight, outWidth: p.outWidth, total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
