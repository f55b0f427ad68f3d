/**
 * Global average pooling, NHWC [N, H, W, C] → [N, 1, 1, C]: the head of
 * GoogLeNet, ResNet, MobileNet and EfficientNet (AdaptiveAvgPool2d(1)).
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import globalAvgPoolWgsl from '../../shaders/global_avg_pool.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { fullSlice, validateSlice, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const globalAvgPoolShader = defineShader('global_avg_pool', linearIndexWgsl, globalAvgPoolWgsl);
const WORKGROUP_SIZE = 64;

export interface GlobalAvgPoolParams {
  batch: number;
  height: number;
  width: number;
  channels: number;
}

/**
 * Averages each channel of each image over its height·width pixels; writes
 * `output` [N, 1, 1, C], or the channel slice `slice` of a wider one.
 * @example globalAvgPool({ batch: 1, height: 7, width: 7, channels: 1024 }, x, y)   // GoogLeNet's head
 */
export function globalAvgPool(
  params: GlobalAvgPoolParams,
  input: BufferBinding,
  output: BufferBinding,
  slice?: ChannelSlice,
  label = 'global_avg_pool',
): DispatchSpec {
  for (const k of ['batch', 'height', 'width', 'channels'] as const) {
    const v = params[k];
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${v}`);
  }
  const out = slice ?? fullSlice(params.channels);
  validateSlice(out, params.channels);
  const total = params.batch * params.channels;
  return {
    label,
    shader: globalAvgPoolShader,
    constants: { WORKGROUP_SIZE },
    uniforms: {
      pixels: params.height * params.width,
      channels: params.channels,
      channelStride: out.channelStride,
      channelOffset: out.channelOffset,
      total,
    },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
