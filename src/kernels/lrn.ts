/**
 * Local response normalization across channels (AlexNet, GoogLeNet) on NHWC:
 * b_c = a_c / (k + alpha/size · Σ_{c' in window} a_c'²)^beta.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import lrnWgsl from '../../shaders/lrn.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';
import type { LrnConvention } from '../vocabulary.js';

export const lrnShader = defineShader('lrn', nanWgsl, linearIndexWgsl, lrnWgsl);
const WORKGROUP_SIZE = 64;

export type { LrnConvention } from '../vocabulary.js';

export interface LrnParams {
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Channels in the window. */
  size: number;
  /** Default 1e-4 (PyTorch and ONNX). */
  alpha?: number;
  /** Default 0.75. */
  beta?: number;
  /** Default 1 (ONNX calls it bias); must be > 0. AlexNet uses 2. */
  k?: number;
  /** Default 'pytorch'. */
  convention?: LrnConvention;
}

/** The first channel of c's window, relative to c (≤ 0). */
export function lrnWindowStart(size: number, convention: LrnConvention): number {
  return convention === 'pytorch' ? -Math.floor(size / 2) : -Math.floor((size - 1) / 2);
}

/**
 * LRN of a contiguous NHWC tensor into another of the same shape.
 * @example lrn({ batch: 1, height: 55, width: 55, channels: 96, size: 5, k: 2 }, x, y)   // AlexNet's first
 */
export function lrn(p: LrnParams, input: BufferBinding, output: BufferBinding, label = 'lrn'): DispatchSpec {
  for (const key of ['batch', 'height', 'width', 'channels', 'size'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new InvalidParameterError(key, `must be a positive integer, got ${p[key]}`);
  }
  const alpha = p.alpha ?? 1e-4;
  const beta = p.beta ?? 0.75;
  const k = p.k ?? 1;
  const convention = p.convention ?? 'pytorch';
  if (!Number.isFinite(alpha) || alpha < 0) throw new InvalidParameterError('alpha', `must be finite and ≥ 0, got ${alpha}`);
  if (!Number.isFinite(beta)) throw new InvalidParameterError('beta', `must be finite, got ${beta}`);
  // with alpha ≥ 0, k > 0 keeps the base of pow positive
  if (!Number.isFinite(k) || k <= 0) throw new InvalidParameterError('k', `must be finite and > 0, got ${k}`);
  if (convention !== 'pytorch' && convention !== 'onnx') throw new InvalidParameterError('convention', `must be 'pytorch' or 'onnx', got "${String(convention)}"`);
  const total = p.batch * p.height * p.width * p.channels;
  return {
    label,
    shader: lrnShader,
    constants: { WORKGROUP_SIZE },
    uniforms: {
      channels: p.channels,
      total,
      windowStart: lrnWindowStart(p.size, convention),
      size: p.size,
      alphaOverSize: alpha / p.size,
      k,
      beta,
    },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
