/**
 * start:end:step slices of a contiguous 4-D tensor along any axes (ONNX
 * Slice, channel splits): one strided gather, the geometry in uniforms.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import slice4dWgsl from '../../shaders/slice4d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const slice4dShader = defineShader('slice4d', linearIndexWgsl, slice4dWgsl);
const WORKGROUP_SIZE = 64;

type Four = readonly [number, number, number, number];

/** Elements a start:end:step slice of an axis keeps. */
export function sliceLength(start: number, end: number, step: number): number {
  return Math.max(0, Math.ceil((end - start) / step));
}

/**
 * Per axis i, keeps indices start[i], start[i] + step[i], … below end[i]
 * of a contiguous tensor of `inputDims`.
 * @example slice4d([1, 7, 7, 32], [0, 0, 0, 8], [1, 7, 7, 24], [1, 1, 1, 1], x, y)   // NHWC channels 8..23
 */
export function slice4d(inputDims: Four, start: Four, end: Four, step: Four, input: BufferBinding, output: BufferBinding, label = 'slice4d'): DispatchSpec {
  const dims = [0, 1, 2, 3].map((i) => {
    const [d, s, e, k] = [inputDims[i]!, start[i]!, end[i]!, step[i]!];
    if (!Number.isInteger(d) || d < 1) throw new InvalidParameterError(`dims[${i}]`, `must be a positive integer, got ${d}`);
    if (!Number.isInteger(k) || k < 1) throw new InvalidParameterError(`step[${i}]`, `must be a positive integer, got ${k}`);
    if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > d || s >= e) {
      throw new InvalidParameterError(`slice[${i}]`, `${s}:${e} is not a non-empty range within 0..${d}`);
    }
    return sliceLength(s, e, k);
  });
  const strides = [inputDims[1] * inputDims[2] * inputDims[3], inputDims[2] * inputDims[3], inputDims[3], 1];
  const total = dims.reduce((a, b) => a * b, 1);
  return {
    label,
    shader: slice4dShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { dims, inStrides: strides.map((s, i) => s * step[i]!), base: strides.reduce((sum, s, i) => sum + s * start[i]!, 0), total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
