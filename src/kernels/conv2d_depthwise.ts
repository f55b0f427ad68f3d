/** The depthwise strategy (groups == inChannels): per-channel windows, vectorized over 4 output channels. */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import depthwiseWgsl from '../../shaders/conv/conv2d_depthwise.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import { validateSlice } from './conv2d_shape.js';
import { outputPixels, windowUniforms, type ConvStrategy } from './conv2d_strategy.js';
import { epilogueConstants } from './epilogue.js';
import { ceilDiv, linearWorkgroups } from './geometry.js';

export const conv2dDepthwiseShader = defineShader('conv2d_depthwise', epilogueWgsl, depthwiseWgsl);
const WORKGROUP_SIZE = 64;

export const depthwiseStrategy: ConvStrategy = {
  name: 'depthwise',
  unsupportedReason(s) {
    if (s.groups !== s.inChannels) return `depthwise needs groups == inChannels (${s.groups} groups, ${s.inChannels} channels)`;
    return undefined;
  },
  layoutWeights(s, oihw) {
    const lanes = ceilDiv(s.outChannels, 4) * 4;
    const taps = s.kernelHeight * s.kernelWidth;
    const out = new Float32Array(taps * lanes);
    for (let o = 0; o < s.outChannels; o++)
      for (let t = 0; t < taps; t++) out[t * lanes + o] = oihw[o * taps + t]!;
    return out;
  },
  scratchLength: () => 0,
  dispatches(s, io, epilogue, slice) {
    validateSlice(slice, s.outChannels);
    const blockCount = ceilDiv(s.outChannels, 4);
    const total = outputPixels(s) * blockCount;
    return [
      {
        label: 'conv2d_depthwise',
        shader: conv2dDepthwiseShader,
        constants: { WORKGROUP_SIZE, ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }) },
        uniforms: {
          ...windowUniforms(s),
          outChannels: s.outChannels,
          multiplier: s.outChannels / s.inChannels,
          kernelHeight: s.kernelHeight,
          kernelWidth: s.kernelWidth,
          blockCount,
          channelStride: slice.channelStride,
          channelOffset: slice.channelOffset,
          total,
        },
        bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
        workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
      },
    ];
  },
};
