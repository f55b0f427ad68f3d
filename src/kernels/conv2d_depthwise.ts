/** The depthwise strategy (groups == inChannels): per-channel windows, vectorized over 4 output channels. */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import depthwiseWgsl from '../../shaders/conv/conv2d_depthwise.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import { windowBlockDispatch, type ConvStrategy } from './conv2d_strategy.js';
import { ceilDiv } from './geometry.js';

export const conv2dDepthwiseShader = defineShader('conv2d_depthwise', epilogueWgsl, depthwiseWgsl);

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
    return [
      windowBlockDispatch('conv2d_depthwise', conv2dDepthwiseShader, s, io, epilogue, slice, ceilDiv(s.outChannels, 4), {
        multiplier: s.outChannels / s.inChannels,
      }),
    ];
  },
};
