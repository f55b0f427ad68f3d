/** The depthwise strategy (groups == inChannels): per-channel windows, vectorized over 4 output channels. */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import depthwiseWgsl from '../../shaders/conv/conv2d_depthwise.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import { windowBlockDispatch, type ConvStrategy } from './conv2d_strategy.js';
import { ceilDiv } from './geometry.js';

export const conv2dDepthwiseShader = defineShader('conv2d_depthwise', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, depthwiseWgsl);

export const depthwiseStrategy: ConvStrategy = {
  name: 'depthwise',
  unsupportedReason(s) {
    if (s.groups !== s.inChannels) return `depthwise needs groups == inChannels (${s.groups} groups, ${s.inChannels} channels)`;
    return undefined;
  },
  layoutWeights(s, oihw) {
    const lanes = ceilDiv(s.outChannels, 4) * 4;
    const taps = s.kernelHeight * s.kernelWidth;
    // the weights, then one padding term 0·w per (tap, lane): what the tap adds where it meets the zero padding
    const out = new Float32Array(2 * taps * lanes);
    for (let o = 0; o < s.outChannels; o++)
      for (let t = 0; t < taps; t++) {
        const w = oihw[o * taps + t]!;
        out[t * lanes + o] = w;
        if (!Number.isFinite(w)) out[(taps + t) * lanes + o] = Number.NaN;
      }
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
