/** The direct strategy: each invocation computes 4 output channels of one pixel from its input window. */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import directWgsl from '../../shaders/conv/conv2d_direct.wgsl?raw';
import { defineShader } from '../gpu/shader.js';
import type { Conv2dShape } from './conv2d_shape.js';
import { windowBlockDispatch, type ConvStrategy } from './conv2d_strategy.js';
import { ceilDiv } from './geometry.js';

export const conv2dDirectShader = defineShader('conv2d_direct', epilogueWgsl, directWgsl);

function blocksPerGroup(s: Conv2dShape): number {
  return ceilDiv(s.outChannels / s.groups, 4);
}

export const directStrategy: ConvStrategy = {
  name: 'direct',
  unsupportedReason: () => undefined,
  layoutWeights(s, oihw) {
    const inPerGroup = s.inChannels / s.groups;
    const outPerGroup = s.outChannels / s.groups;
    const perGroup = blocksPerGroup(s);
    const lanes = s.groups * perGroup * 4;
    const out = new Float32Array(s.kernelHeight * s.kernelWidth * inPerGroup * lanes);
    for (let o = 0; o < s.outChannels; o++) {
      const g = Math.floor(o / outPerGroup);
      const lane = g * perGroup * 4 + (o % outPerGroup);
      for (let ci = 0; ci < inPerGroup; ci++)
        for (let ky = 0; ky < s.kernelHeight; ky++)
          for (let kx = 0; kx < s.kernelWidth; kx++) {
            out[((ky * s.kernelWidth + kx) * inPerGroup + ci) * lanes + lane] =
              oihw[((o * inPerGroup + ci) * s.kernelHeight + ky) * s.kernelWidth + kx]!;
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
      }),
    ];
  },
};
