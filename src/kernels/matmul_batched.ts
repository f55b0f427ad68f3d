/** Batched, broadcasting matrix products (shaders/matmul_batched.wgsl). */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import matmulWgsl from '../../shaders/matmul_batched.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import { rowMajorStrides, walkUniforms } from './strided.js';

export const matmulBatchedShader = defineShader('matmul_batched', linearIndexWgsl, stridedIndexWgsl, matmulWgsl);
const WORKGROUP_SIZE = 64;

export interface BatchedMatmulParams {
  /** The output's axes in its storage order; written contiguously. */
  dims: readonly number[];
  /** Where each output element's row of a and column of b start: strides along those axes (0 on n for a, on m for b, and where a batch axis broadcasts). */
  aStrides: readonly number[];
  bStrides: readonly number[];
  /** The shared dimension, and each operand's stride along it. */
  depth: number;
  aStrideK: number;
  bStrideK: number;
}

/** @example matmulBatched({ dims: [2, 3, 4], aStrides: [15, 5, 0], bStrides: [20, 0, 1], depth: 5, aStrideK: 1, bStrideK: 4 }, a, b, y) */
export function matmulBatched(p: BatchedMatmulParams, a: BufferBinding, b: BufferBinding, output: BufferBinding, label = 'matmul_batched'): DispatchSpec {
  if (!Number.isInteger(p.depth) || p.depth < 1) throw new InvalidParameterError('depth', `must be a positive integer, got ${p.depth}`);
  const u = walkUniforms(
    { dims: p.dims, views: [{ strides: p.aStrides, offset: 0 }, { strides: p.bStrides, offset: 0 }, { strides: rowMajorStrides(p.dims), offset: 0 }] },
    ['aStrides', 'bStrides', 'outStrides'],
    label,
  );
  const { outStrides0: _o0, outStrides1: _o1, ...uniforms } = u;
  return {
    label,
    shader: matmulBatchedShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { ...uniforms, aStrideK: p.aStrideK, bStrideK: p.bStrideK, depth: p.depth },
    bindings: { a, b, output },
    workgroups: linearWorkgroups(uniforms.total as number, WORKGROUP_SIZE),
  };
}
