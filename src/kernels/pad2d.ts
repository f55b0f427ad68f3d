/**
 * Constant padding of the spatial axes of an NHWC tensor (ONNX Pad on H and
 * W). A zero pad in front of a conv is folded into the conv's own padding
 * by the fold_pad pass; this kernel serves the rest (other values, other
 * consumers).
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import pad2dWgsl from '../../shaders/pad2d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const pad2dShader = defineShader('pad2d', linearIndexWgsl, pad2dWgsl);
const WORKGROUP_SIZE = 64;

export interface Pad2dParams {
  batch: number;
  height: number;
  width: number;
  channels: number;
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  /** The fill; finite (WGSL has no infinities). */
  value: number;
}

/**
 * NHWC [N, H, W, C] → [N, H + top + bottom, W + left + right, C].
 * @example pad2d({ batch: 1, height: 7, width: 7, channels: 8, padTop: 1, padLeft: 1, padBottom: 2, padRight: 2, value: 0 }, x, y)
 */
export function pad2d(p: Pad2dParams, input: BufferBinding, output: BufferBinding, label = 'pad2d'): DispatchSpec {
  for (const k of ['batch', 'height', 'width', 'channels'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${p[k]}`);
  }
  for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 0) throw new InvalidParameterError(k, `must be a non-negative integer, got ${p[k]}`);
  }
  if (!Number.isFinite(p.value)) throw new InvalidParameterError('value', `must be finite, got ${p.value}`);
  const outHeight = p.height + p.padTop + p.padBottom;
  const outWidth = p.width + p.padLeft + p.padRight;
  const total = p.batch * outHeight * outWidth * p.channels;
  return {
    label,
    shader: pad2dShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { outHeight, outWidth, channels: p.channels, inHeight: p.height, inWidth: p.width, padTop: p.padTop, padLeft: p.padLeft, value: p.value, total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
