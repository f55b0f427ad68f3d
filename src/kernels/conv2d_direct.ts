/** The direct strategy: each invocation computes 4 output channels of one pixel from its input window (NHWC or NCHW input). */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import directWgsl from '../../shaders/conv/conv2d_direct.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import type { Conv2dShape } from './conv2d_shape.js';
import { inputStrideUniforms, windowBlockDispatch, type ConvStrategy } from './conv2d_strategy.js';
import { ceilDiv } from './geometry.js';

export const conv2dDirectShader = defineShader('conv2d_direct', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, directWgsl);

function blocksPerGroup(s: Conv2dShape): number {
  return ceilDiv(s.outChannels / s.groups, 4);
}

export const directStrategy: ConvStrategy = {
  name: 'direct',
  unsupportedReason: () => undefined,
  readsNchw: true,
  layoutWeights(s, oihw) {
    const inPerGroup = s.inChannels / s.groups;
    const outPerGroup = s.outChannels / s.groups;
    const perGroup = blocksPerGroup(s);
    const lanes = s.groups * perGroup * 4;
    const taps = s.kernelHeight * s.kernelWidth;
    // the weights, then one padding term per (tap, lane): what the tap adds where it meets the zero padding
    const out = new Float32Array(taps * (inPerGroup + 1) * lanes);
    const padding = taps * inPerGroup * lanes;
    for (let o = 0; o < s.outChannels; o++) {
      const g = Math.floor(o / outPerGroup);
      const lane = g * perGroup * 4 + (o % outPerGroup);
      for (let ci = 0; ci < inPerGroup; ci++)
        for (let t = 0; t < taps; t++) {
          const w = oihw[(o * inPerGroup + ci) * taps + t]!;
          out[(t * inPerGroup + ci) * lanes + lane] = w;
          if (!Number.isFinite(w)) out[padding + t * lanes + lane] = Number.NaN;
        }
    }
    return out;
  },
  scratchLength: () => 0,
  dispatches(s, io, epilogue, slice) {
    const perGroup = blocksPerGroup(s);
    return [
      windowBlockDispatch('conv2d_direct', conv2dDirectShader, s, io, epilogue, slice, s.groups * perGroup, {
        inPerGroup: s.inChannels / s.groups,
        outPerGroup: s.outChannels / s.groups,
        blocksPerGroup: perGroup,
        ...inputStrideUniforms(s, io.inputLayout),
      }),
    ];
  },
};
