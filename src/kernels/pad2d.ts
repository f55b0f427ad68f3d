/**
 * Padding of the spatial axes of an NHWC tensor (ONNX Pad on H and W) in
 * ONNX's constant, reflect and edge modes, with negative pads cropping. A
 * zero constant pad in front of a conv is folded into the conv's own
 * padding by the fold_pad pass; this kernel serves the rest (other values,
 * other modes, other consumers).
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import pad2dWgsl from '../../shaders/pad2d.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const pad2dShader = defineShader('pad2d', linearIndexWgsl, pad2dWgsl);
const WORKGROUP_SIZE = 64;

/**
 * ONNX Pad's modes, in the order of the shader's MODE codes: constant fills
 * with a value; reflect mirrors about the border element without repeating
 * it (PyTorch's ReflectionPad2d); edge repeats the border element
 * (ReplicationPad2d).
 */
export const PAD_MODES = ['constant', 'reflect', 'edge'] as const;
export type PadMode = (typeof PAD_MODES)[number];

export interface Pad2dParams {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Signed: a negative pad crops that side. */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
  /** The fill (constant mode); finite (WGSL has no infinities). */
  value: number;
  /** Default 'constant'. */
  mode?: PadMode;
}

/**
 * Why these pads cannot be applied in this mode to an axis of `length`, or
 * undefined when they can: the padded axis must keep at least one element,
 * and reflect's positive pads must be smaller than the axis (one mirror).
 * @example padAxisProblem('reflect', 3, 3, 0)   // 'a reflect pad of 3 needs an axis longer than 3'
 */
export function padAxisProblem(mode: PadMode, length: number, before: number, after: number): string | undefined {
  if (length + before + after < 1) return `pads ${before} and ${after} leave nothing of an axis of ${length}`;
  const most = Math.max(before, after);
  if (mode === 'reflect' && most >= length) return `a reflect pad of ${most} needs an axis longer than ${most}, got ${length}`;
  return undefined;
}

/**
 * NHWC [N, H, W, C] → [N, H + top + bottom, W + left + right, C].
 * @example pad2d({ batch: 1, height: 7, width: 7, channels: 8, padTop: 1, padLeft: 1, padBottom: 2, padRight: 2, value: 0, mode: 'reflect' }, x, y)
 */
export function pad2d(p: Pad2dParams, input: BufferBinding, output: BufferBinding, label = 'pad2d'): DispatchSpec {
  for (const k of ['batch', 'height', 'width', 'channels'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${p[k]}`);
  }
  for (const k of ['padTop', 'padLeft', 'padBottom', 'padRight'] as const) {
    if (!Number.isSafeInteger(p[k])) throw new InvalidParameterError(k, `must be an integer, got ${p[k]}`);
  }
  if (!Number.isFinite(p.value)) throw new InvalidParameterError('value', `must be finite, got ${p.value}`);
  const mode = p.mode ?? 'constant';
  if (!PAD_MODES.includes(mode)) throw new InvalidParameterError('mode', `must be one of ${PAD_MODES.join(', ')}, got "${String(mode)}"`);
  const height = padAxisProblem(mode, p.height, p.padTop, p.padBottom);
  if (height) throw new InvalidParameterError('padTop', `${height} (height)`);
  const width = padAxisProblem(mode, p.width, p.padLeft, p.padRight);
  if (width) throw new InvalidParameterError('padLeft', `${width} (width)`);
  const outHeight = p.height + p.padTop + p.padBottom;
  const outWidth = p.width + p.padLeft + p.padRight;
  const total = p.batch * outHeight * outWidth * p.channels;
  return {
    label,
    shader: pad2dShader,
    constants: { WORKGROUP_SIZE, MODE: PAD_MODES.indexOf(mode) },
    uniforms: { outHeight, outWidth, channels: p.channels, inHeight: p.height, inWidth: p.width, padTop: p.padTop, padLeft: p.padLeft, value: p.value, total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
