/**
 * Concat along channels by copying, for producers that cannot write into
 * their channel slice of the concatenated tensor themselves (graph inputs,
 * kernels without a ChannelSlice output). Producers that can, should:
 * then concat costs nothing.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import copyChannelsWgsl from '../../shaders/copy_channels.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { validateSlice, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const copyChannelsShader = defineShader('copy_channels', linearIndexWgsl, copyChannelsWgsl);
const WORKGROUP_SIZE = 64;

export interface CopyChannelsParams {
  /** N·H·W of both tensors. */
  pixels: number;
  /** Channels of the input, contiguous per pixel. */
  channels: number;
  /** Where they land in the output. */
  slice: ChannelSlice;
}

/**
 * Copies a contiguous NHWC tensor [pixels, channels] into a channel slice
 * of a wider NHWC tensor; the output's other channels are untouched.
 * @example copyChannels({ pixels: 28 * 28, channels: 64, slice: { channelStride: 256, channelOffset: 64 } }, branch, mixed)
 */
export function copyChannels(p: CopyChannelsParams, input: BufferBinding, output: BufferBinding, label = 'copy_channels'): DispatchSpec {
  for (const key of ['pixels', 'channels'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new InvalidParameterError(key, `must be a positive integer, got ${p[key]}`);
  }
  if (!Number.isInteger(p.slice.channelStride)) throw new InvalidParameterError('channelStride', `must be an integer, got ${p.slice.channelStride}`);
  validateSlice(p.slice, p.channels);
  const total = p.pixels * p.channels;
  return {
    label,
    shader: copyChannelsShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { channels: p.channels, channelStride: p.slice.channelStride, channelOffset: p.slice.channelOffset, total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
