/**
 * Direct (gather) 3-D transposed convolution over row-major NCDHW tensors:
 * groups, strides, dilations, begin/end pads, output padding, bias and the
 * fused activation epilogue. One pipeline per epilogue serves every shape.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import convTranspose3dWgsl from '../../shaders/conv/conv_transpose3d_direct.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { positiveInteger } from './conv2d_shape.js';
import { direct3dDispatch, type Triple } from './conv3d.js';
import { convTransposeOutputSize } from './conv_transpose2d.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import type { Epilogue } from './epilogue.js';

export const convTranspose3dDirectShader = defineShader('conv_transpose3d_direct', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, convTranspose3dWgsl);
const AXES = ['D', 'H', 'W'] as const;

export interface ConvTranspose3dParams {
  batch: number;
  inChannels: number;
  /** [inDepth, inHeight, inWidth]. */
  inSize: Triple;
  outChannels: number;
  groups: number;
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  /** Pads cropped from the start of each output axis: non-negative. */
  padBegin: Triple;
  /** Pads cropped from the end: any integer (a negative one, from ONNX's output_shape, extends the output past the taps). */
  padEnd: Triple;
  /** Extra outputs at the end of each axis (PyTorch's output_padding). */
  outputPadding: Triple;
}

export interface ConvTranspose3dShape extends ConvTranspose3dParams {
  outSize: Triple;
}

/**
 * Validates and computes the output size stride·(n − 1) + outputPadding + dilation·(k − 1) + 1 − begin − end per axis.
 * @example convTranspose3dShape({ batch: 1, inChannels: 1, inSize: [3, 4, 5], outChannels: 2, groups: 1, kernel: [3, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0], outputPadding: [0, 0, 0] }).outSize   // [5, 6, 7]
 */
export function convTranspose3dShape(p: ConvTranspose3dParams): ConvTranspose3dShape {
  for (const k of ['batch', 'inChannels', 'outChannels', 'groups'] as const) positiveInteger(k, p[k]);
  for (let i = 0; i < 3; i++) {
    positiveInteger(`in${AXES[i]}`, p.inSize[i]!);
    for (const f of ['kernel', 'stride', 'dilation'] as const) positiveInteger(`${f}${AXES[i]}`, p[f][i]!);
    for (const f of ['padBegin', 'outputPadding'] as const) {
      if (!Number.isInteger(p[f][i]) || p[f][i]! < 0) throw new InvalidParameterError(`${f}${AXES[i]}`, `must be a non-negative integer, got ${p[f][i]}`);
    }
    if (!Number.isInteger(p.padEnd[i])) throw new InvalidParameterError(`padEnd${AXES[i]}`, `must be an integer, got ${p.padEnd[i]}`);
  }
  if (p.inChannels % p.groups || p.outChannels % p.groups) throw new InvalidParameterError('groups', `${p.groups} groups must divide ${p.inChannels} input and ${p.outChannels} output channels`);
  const outSize = [0, 1, 2].map((i) => convTransposeOutputSize(p.inSize[i]!, p.kernel[i]!, p.stride[i]!, p.padBegin[i]!, p.padEnd[i]!, p.dilation[i]!, p.outputPadding[i]!)) as unknown as Triple;
  if (outSize.some((v) => v < 1)) throw new InvalidParameterError('padBegin', `pads [${p.padBegin.join(', ')}] / [${p.padEnd.join(', ')}] crop the whole ${outSize.join('×')} output`);
  return { ...p, outSize };
}

export interface ConvTranspose3dBindings {
  input: BufferBinding;
  /** [inChannels][outChannels / groups][kD][kH][kW], as ONNX and PyTorch store it. */
  weight: BufferBinding;
  bias?: BufferBinding;
  output: BufferBinding;
  /** Bound where there is no bias. */
  unused: BufferBinding;
}

/**
 * The one dispatch of a 3-D transposed convolution.
 * @example convTranspose3d(convTranspose3dShape(p), { input, weight, output, unused })
 */
export function convTranspose3d(s: ConvTranspose3dShape, io: ConvTranspose3dBindings, epilogue: Epilogue = {}, label = 'conv_transpose3d_direct'): DispatchSpec {
  return direct3dDispatch(convTranspose3dDirectShader, s, io, epilogue, label);
}
