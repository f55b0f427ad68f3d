/**
 * Elementwise ops outside a conv's epilogue: out = act(a OP b) with 4-D
 * broadcasting (residual adds between branches, squeeze-and-excitation
 * scaling, per-channel affine ops, scalars), and a standalone activation
 * for tensors no kernel can fuse one into. Both shaders take activate()
 * from the shared epilogue chunk, so every activation means one thing.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import activationWgsl from '../../shaders/activation.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import binaryWgsl from '../../shaders/elementwise_binary.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { activationConstants, type Activation, type ActivationParams } from './epilogue.js';
import { linearWorkgroups } from './geometry.js';
import { walkUniforms } from './strided.js';
import { BINARY_OPS, type BinaryOp } from '../vocabulary.js';

export const elementwiseBinaryShader = defineShader('elementwise_binary', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, stridedIndexWgsl, binaryWgsl);
export const activationShader = defineShader('activation', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, activationWgsl);
const WORKGROUP_SIZE = 64;

export { BINARY_OPS, type BinaryOp } from '../vocabulary.js';

/** A 4-D shape; for activations (N, H, W, C). */
export type Shape4 = readonly [number, number, number, number];

export interface ElementwiseBinaryParams {
  op: BinaryOp;
  /** Each dimension equals the output's or is 1 (broadcast). */
  aShape: Shape4;
  bShape: Shape4;
  /** Default: the broadcast of aShape and bShape. */
  outShape?: Shape4;
  activation?: Activation;
  activationParams?: ActivationParams;
}

function checkShape(name: string, shape: readonly number[]): void {
  if (shape.length !== 4) throw new InvalidParameterError(name, `must have 4 dimensions, got [${shape.join(', ')}]`);
  shape.forEach((d) => {
    if (!Number.isInteger(d) || d < 1) throw new InvalidParameterError(name, `dimensions must be positive integers, got [${shape.join(', ')}]`);
  });
}

/** The 4-D shape both operands broadcast to (each dim: the larger; checked by broadcastStrides). */
export function broadcastShape(a: Shape4, b: Shape4): Shape4 {
  return [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/**
 * Element strides that read a contiguous tensor of `shape` at every index
 * of `outShape`: 0 on each axis the operand broadcasts along.
 * @example broadcastStrides([2, 1, 1, 8], [2, 7, 7, 8], 'b')   // [8, 0, 0, 1]
 */
export function broadcastStrides(shape: Shape4, outShape: Shape4, name: string): [number, number, number, number] {
  checkShape(name, shape);
  shape.forEach((d, i) => {
    if (d !== outShape[i] && d !== 1) {
      throw new InvalidParameterError(name, `[${shape.join(', ')}] does not broadcast to [${outShape.join(', ')}]: dimension ${i} is ${d}, not ${outShape[i]} or 1`);
    }
  });
  const contiguous = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  return [0, 1, 2, 3].map((i) => (shape[i] === 1 ? 0 : contiguous[i]!)) as [number, number, number, number];
}

/**
 * out = act(a OP b), broadcasting each operand over the output. `output`
 * must not alias an operand (WebGPU forbids one buffer as both read-only
 * and writable storage in a dispatch). Shapes here are contiguous 4-D
 * (NHWC for activations); elementwiseBinaryStrided takes any rank and layout.
 * @example
 * // squeeze-and-excitation: x [1, 14, 14, 96] scaled by gates [1, 1, 1, 96]
 * elementwiseBinary({ op: 'mul', aShape: [1, 14, 14, 96], bShape: [1, 1, 1, 96] }, x, gates, y)
 */
export function elementwiseBinary(
  p: ElementwiseBinaryParams,
  a: BufferBinding,
  b: BufferBinding,
  output: BufferBinding,
  label = `elementwise_${p.op}`,
): DispatchSpec {
  checkShape('aShape', p.aShape);
  checkShape('bShape', p.bShape);
  const outShape = p.outShape ?? broadcastShape(p.aShape, p.bShape);
  checkShape('outShape', outShape);
  const aStrides = broadcastStrides(p.aShape, outShape, 'aShape');
  const bStrides = broadcastStrides(p.bShape, outShape, 'bShape');
  return elementwiseBinaryStrided({ op: p.op, dims: outShape, aStrides, bStrides, activation: p.activation, activationParams: p.activationParams }, a, b, output, label);
}

export interface StridedBinaryParams {
  op: BinaryOp;
  /** The output's axes in its storage order (outermost first); the output is written contiguously in that order. */
  dims: readonly number[];
  /** Each operand's element stride along each of those axes (0 where it broadcasts). */
  aStrides: readonly number[];
  bStrides: readonly number[];
  activation?: Activation;
  activationParams?: ActivationParams;
}

/**
 * out = act(a OP b) over any rank (up to 8 axes after merging) and any
 * operand layouts: the caller gives each operand's strides along the
 * output's storage axes.
 * @example
 * // row-major [3, 4, 5] + [5]
 * elementwiseBinaryStrided({ op: 'add', dims: [3, 4, 5], aStrides: [20, 5, 1], bStrides: [0, 0, 1] }, a, b, y)
 */
export function elementwiseBinaryStrided(p: StridedBinaryParams, a: BufferBinding, b: BufferBinding, output: BufferBinding, label = `elementwise_${p.op}`): DispatchSpec {
  const op = BINARY_OPS.indexOf(p.op);
  if (op < 0) throw new InvalidParameterError('op', `unknown op "${p.op}"; known: ${BINARY_OPS.join(', ')}`);
  const contiguous = p.dims.map((_, k) => p.dims.slice(k + 1).reduce((x, y) => x * y, 1));
  const u = walkUniforms({ dims: p.dims, views: [{ strides: p.aStrides, offset: 0 }, { strides: p.bStrides, offset: 0 }, { strides: contiguous, offset: 0 }] }, ['aStrides', 'bStrides', 'outStrides'], label);
  const { outStrides0: _o0, outStrides1: _o1, ...uniforms } = u;
  const total = uniforms.total as number;
  return {
    label,
    shader: elementwiseBinaryShader,
    constants: { WORKGROUP_SIZE, OP: op, ...activationConstants(p.activation, p.activationParams) },
    uniforms,
    bindings: { a, b, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}

/**
 * out = act(x) over `total` floats of any layout, for activations that
 * could not be fused into the producer's epilogue.
 * @example activation(1 * 7 * 7 * 1024, 'relu6', x, y)
 */
export function activation(
  total: number,
  act: Activation,
  input: BufferBinding,
  output: BufferBinding,
  label = `activation_${act}`,
  params?: ActivationParams,
): DispatchSpec {
  if (!Number.isInteger(total) || total < 1) throw new InvalidParameterError('total', `must be a positive integer, got ${total}`);
  return {
    label,
    shader: activationShader,
    constants: { WORKGROUP_SIZE, ...activationConstants(act, params) },
    uniforms: { total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
