/**
 * Direct 3-D convolution over row-major NCDHW tensors (rank-5 tensors are
 * stored row-major): groups, strides, dilations, begin/end pads per axis,
 * bias and the fused activation epilogue. One pipeline per epilogue serves
 * every shape: the geometry travels in uniforms.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import conv3dWgsl from '../../shaders/conv/conv3d_direct.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { convOutputSize, positiveInteger } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { linearWorkgroups } from './geometry.js';

export const conv3dDirectShader = defineShader('conv3d_direct', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, conv3dWgsl);
const WORKGROUP_SIZE = 64;

/** One value per spatial axis, in [depth, height, width] order. */
export type Triple = readonly [number, number, number];

/** The window of a 3-D convolution or pooling, per axis [D, H, W]. */
export interface Window3d {
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  /** Pads before each axis (front, top, left). */
  padBegin: Triple;
  /** Pads after each axis (back, bottom, right). */
  padEnd: Triple;
}

export interface Conv3dParams extends Window3d {
  batch: number;
  inChannels: number;
  /** [inDepth, inHeight, inWidth]. */
  inSize: Triple;
  outChannels: number;
  groups: number;
}

/** Conv3dParams validated, with the output size. */
export interface Conv3dShape extends Conv3dParams {
  outSize: Triple;
}

const AXES = ['D', 'H', 'W'] as const;

/** Checks the window's numbers (positive kernel, stride, dilation; non-negative pads); throws InvalidParameterError naming the field. */
export function checkWindow3d(w: Window3d): void {
  for (const field of ['kernel', 'stride', 'dilation'] as const) {
    if (w[field].length !== 3) throw new InvalidParameterError(field, `must have 3 values [D, H, W], got [${w[field].join(', ')}]`);
    w[field].forEach((v, i) => positiveInteger(`${field}${AXES[i]}`, v));
  }
  for (const field of ['padBegin', 'padEnd'] as const) {
    if (w[field].length !== 3) throw new InvalidParameterError(field, `must have 3 values [D, H, W], got [${w[field].join(', ')}]`);
    w[field].forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0) throw new InvalidParameterError(`${field}${AXES[i]}`, `must be a non-negative integer, got ${v}`);
    });
  }
}

/**
 * Validates and computes the output size floor((n + begin + end − d·(k−1) − 1) / s) + 1 per axis.
 * @example conv3dShape({ batch: 1, inChannels: 2, inSize: [4, 5, 6], outChannels: 3, groups: 1, kernel: [3, 3, 3], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [1, 1, 1], padEnd: [1, 1, 1] }).outSize   // [4, 5, 6]
 */
export function conv3dShape(p: Conv3dParams): Conv3dShape {
  for (const k of ['batch', 'inChannels', 'outChannels', 'groups'] as const) positiveInteger(k, p[k]);
  p.inSize.forEach((v, i) => positiveInteger(`in${AXES[i]}`, v));
  checkWindow3d(p);
  if (p.inChannels % p.groups || p.outChannels % p.groups) throw new InvalidParameterError('groups', `${p.groups} groups must divide ${p.inChannels} input and ${p.outChannels} output channels`);
  const outSize = p.inSize.map((n, i) => convOutputSize(n, p.kernel[i]!, p.stride[i]!, p.padBegin[i]!, p.padEnd[i]!, p.dilation[i]!)) as unknown as Triple;
  if (outSize.some((v) => v < 1)) {
    throw new InvalidParameterError('kernel', `the dilated ${p.kernel.join('×')} window does not fit the ${p.inSize.join('×')} input with pads [${p.padBegin.join(', ')}] / [${p.padEnd.join(', ')}]`);
  }
  return { ...p, outSize };
}

/**
 * PyTorch's [outChannels][inPerGroup][kD][kH][kW] weight followed by the
 * padding terms the shader adds for an out-of-input tap: 0, or NaN where a
 * weight of that (output channel, tap) is not finite (0 · ∞ = NaN in PyTorch).
 */
export function layoutConv3dWeights(s: Conv3dShape, oidhw: Float32Array): Float32Array {
  const inPerGroup = s.inChannels / s.groups;
  const taps = s.kernel[0] * s.kernel[1] * s.kernel[2];
  const size = s.outChannels * inPerGroup * taps;
  if (oidhw.length !== size) throw new InvalidParameterError('weight', `has ${oidhw.length} values, [${s.outChannels}, ${inPerGroup}, ${s.kernel.join(', ')}] needs ${size}`);
  const out = new Float32Array(size + s.outChannels * taps);
  out.set(oidhw);
  for (let o = 0; o < s.outChannels; o++)
    for (let ci = 0; ci < inPerGroup; ci++)
      for (let t = 0; t < taps; t++) if (!Number.isFinite(oidhw[(o * inPerGroup + ci) * taps + t]!)) out[size + o * taps + t] = Number.NaN;
  return out;
}

export interface Conv3dBindings {
  input: BufferBinding;
  /** In layoutConv3dWeights' layout. */
  weight: BufferBinding;
  bias?: BufferBinding;
  output: BufferBinding;
  /** Bound where there is no bias (WebGPU binds every declared buffer). */
  unused: BufferBinding;
}

/** What a 3-D direct kernel (convolution or transposed convolution) reads: both shaders declare the same window uniforms. */
export type Direct3dShape = Pick<Conv3dShape, 'batch' | 'inChannels' | 'inSize' | 'outChannels' | 'outSize' | 'groups' | 'kernel' | 'stride' | 'dilation' | 'padBegin'>;

/**
 * The one dispatch of a 3-D convolution.
 * @example conv3d(conv3dShape(p), { input, weight, output, unused }, { activation: 'relu' })
 */
export function conv3d(s: Conv3dShape, io: Conv3dBindings, epilogue: Epilogue = {}, label = 'conv3d_direct'): DispatchSpec {
  return direct3dDispatch(conv3dDirectShader, s, io, epilogue, label);
}

/** One invocation per output element of `shader` over NCDHW: the window uniforms, the epilogue, the bindings. */
export function direct3dDispatch(shader: DispatchSpec['shader'], s: Direct3dShape, io: Conv3dBindings, epilogue: Epilogue, label: string): DispatchSpec {
  const total = s.batch * s.outChannels * s.outSize[0] * s.outSize[1] * s.outSize[2];
  return {
    label,
    shader,
    constants: { WORKGROUP_SIZE, ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: false }) },
    uniforms: {
      inChannels: s.inChannels,
      inDepth: s.inSize[0],
      inHeight: s.inSize[1],
      inWidth: s.inSize[2],
      outChannels: s.outChannels,
      outDepth: s.outSize[0],
      outHeight: s.outSize[1],
      outWidth: s.outSize[2],
      kernelDepth: s.kernel[0],
      kernelHeight: s.kernel[1],
      kernelWidth: s.kernel[2],
      strideD: s.stride[0],
      strideH: s.stride[1],
      strideW: s.stride[2],
      dilationD: s.dilation[0],
      dilationH: s.dilation[1],
      dilationW: s.dilation[2],
      padFront: s.padBegin[0],
      padTop: s.padBegin[1],
      padLeft: s.padBegin[2],
      inPerGroup: s.inChannels / s.groups,
      outPerGroup: s.outChannels / s.groups,
      total,
    },
    bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, output: io.output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
