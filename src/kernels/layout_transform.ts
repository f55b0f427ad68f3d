/**
 * NCHW ↔ NHWC at the boundary (ONNX/PyTorch tensors in, ours out) and any
 * other 4-D permutation: one gather kernel, the permutation in uniforms.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import permuteWgsl from '../../shaders/permute4d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const permuteShader = defineShader('permute4d', linearIndexWgsl, permuteWgsl);
const WORKGROUP_SIZE = 64;

/**
 * Permutes a contiguous 4-D tensor: output axis i is input axis `perm[i]`.
 * @example permute4d([1, 3, 4, 5], [0, 2, 3, 1], x, y)   // NCHW → NHWC
 */
export function permute4d(
  inputDims: readonly [number, number, number, number],
  perm: readonly [number, number, number, number],
  input: BufferBinding,
  output: BufferBinding,
  label = 'permute4d',
): DispatchSpec {
  if ([...perm].sort().join() !== '0,1,2,3') throw new InvalidParameterError('perm', `[${perm.join(', ')}] is not a permutation of 0..3`);
  inputDims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1) throw new InvalidParameterError(`dims[${i}]`, `must be a positive integer, got ${d}`);
  });
  const inStrides = [inputDims[1] * inputDims[2] * inputDims[3], inputDims[2] * inputDims[3], inputDims[3], 1];
  const dims = perm.map((p) => inputDims[p]!);
  const total = dims.reduce((a, b) => a * b, 1);
  return {
    label,
    shader: permuteShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { dims, inStrides: perm.map((p) => inStrides[p]!), total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
