/**
 * Max and average pooling over 3-D windows of row-major NCDHW tensors, with
 * pool2d's semantics (PyTorch's MaxPool3d/AvgPool3d, ONNX's MaxPool/
 * AveragePool): begin/end pads of any size, dilation, ceil mode,
 * count_include_pad. One pipeline per operation serves every shape.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import pool3dWgsl from '../../shaders/pool3d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { positiveInteger } from './conv2d_shape.js';
import { checkWindow3d, type Triple, type Window3d } from './conv3d.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { poolOutputSize, type PoolOp } from './pool2d.js';

export const pool3dShader = defineShader('pool3d', nanWgsl, linearIndexWgsl, pool3dWgsl);
const WORKGROUP_SIZE = 64;

/** The shader's POOL_OP override for each operation. */
const POOL_OP_CODE: Readonly<Record<PoolOp, number>> = { max: 0, average: 1 };

export interface Pool3dParams extends Window3d {
  batch: number;
  channels: number;
  /** [inDepth, inHeight, inWidth]. */
  inSize: Triple;
  /** Round output sizes up, dropping a last window that would start in the end padding (PyTorch's rule). */
  ceilMode: boolean;
  /** Average only: divide by the taps inside the padded input rather than the real ones. */
  countIncludePad: boolean;
}

export interface Pool3dShape extends Pool3dParams {
  outSize: Triple;
}

/**
 * Validates and computes the output size per axis (poolOutputSize, as 2-D pooling).
 * @example pool3dShape({ batch: 1, channels: 2, inSize: [4, 4, 4], kernel: [2, 2, 2], stride: [2, 2, 2], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0], ceilMode: false, countIncludePad: false }).outSize   // [2, 2, 2]
 */
export function pool3dShape(p: Pool3dParams): Pool3dShape {
  positiveInteger('batch', p.batch);
  positiveInteger('channels', p.channels);
  p.inSize.forEach((v, i) => positiveInteger(`in${'DHW'[i]}`, v));
  checkWindow3d(p);
  const outSize = p.inSize.map((n, i) => poolOutputSize(n, p.kernel[i]!, p.stride[i]!, p.padBegin[i]!, p.padEnd[i]!, p.dilation[i]!, p.ceilMode)) as unknown as Triple;
  if (outSize.some((v) => v < 1)) {
    throw new InvalidParameterError('kernel', `the dilated ${p.kernel.join('×')} window does not fit the ${p.inSize.join('×')} input with pads [${p.padBegin.join(', ')}] / [${p.padEnd.join(', ')}]`);
  }
  return { ...p, outSize };
}

/**
 * The one dispatch of a 3-D pooling of a contiguous NCDHW input into `output`.
 * @example pool3d('max', pool3dShape(p), x, y)
 */
export function pool3d(op: PoolOp, s: Pool3dShape, input: BufferBinding, output: BufferBinding, label = `${op}_pool3d`): DispatchSpec {
  const total = s.batch * s.channels * s.outSize[0] * s.outSize[1] * s.outSize[2];
  return {
    label,
    shader: pool3dShader,
    constants: { WORKGROUP_SIZE, POOL_OP: POOL_OP_CODE[op] },
    uniforms: {
      inDepth: s.inSize[0],
      inHeight: s.inSize[1],
      inWidth: s.inSize[2],
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
      padBack: s.padEnd[0],
      padBottom: s.padEnd[1],
      padRight: s.padEnd[2],
      countIncludePad: op === 'average' && s.countIncludePad ? 1 : 0,
      total,
    },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
