/**
 * The matrix-vector product behind fully connected layers at batch ≤ 4
 * (shaders/gemm/gemv.wgsl): output = epilogue(x · W) with K split across a
 * workgroup and reduced in workgroup memory, vec4 weight loads, and a grid
 * sized to fill a GPU. The tiled GEMM's smallest tile (4 rows) would idle
 * 3 of 4 rows at batch 1 and run ⌈N/256⌉ workgroups (16 for VGG's fc6),
 * each walking all of K alone.
 *
 * Two variants that differ only in how a workgroup adds its partial sums:
 * the workgroup-memory tree (gemv.wgsl, every adapter) and subgroupAdd with
 * one barrier (gemv_subgroups.wgsl), for devices created with the
 * `subgroups` feature (GpuContext.features.subgroups).
 */
import enableSubgroupsWgsl from '../../shaders/common/enable_subgroups.wgsl?raw';
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import gemvSumsWgsl from '../../shaders/common/gemv_sums.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import gemvWgsl from '../../shaders/gemm/gemv.wgsl?raw';
import gemvSubgroupsWgsl from '../../shaders/gemm/gemv_subgroups.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { ceilDiv } from './geometry.js';

export const gemvShader = defineShader('gemv', nanWgsl, floatMathWgsl, epilogueWgsl, gemvSumsWgsl, gemvWgsl);
/** The `enable` prelude comes first: WGSL wants it before every declaration. */
export const gemvSubgroupsShader = defineShader('gemv_subgroups', enableSubgroupsWgsl, nanWgsl, floatMathWgsl, epilogueWgsl, gemvSumsWgsl, gemvSubgroupsWgsl);

/** The most rows (batch) one GEMV computes; more go to the tiled GEMM. */
export const GEMV_MAX_ROWS = 4;

/** Invocations per workgroup: WG_COLS × WG_SPLIT (8 KiB of partial sums in workgroup memory at 4 rows). */
export const GEMV_WORKGROUP_SIZE = 128;

/**
 * Workgroups wanted for a GPU to be busy: 2 per SM of a 132-SM H100/H200,
 * 4+ per compute unit on smaller GPUs. A GEMV is bound by reading W once, and
 * reaching the bandwidth needs many loads in flight on every SM.
 */
export const GEMV_TARGET_WORKGROUPS = 256;

/** Each invocation should sum at least this many rows of W, or the tree reduction dominates. */
const MIN_ROWS_PER_INVOCATION = 8;

/**
 * Vec4 columns per workgroup (WG_COLS; WG_SPLIT = 128 / WG_COLS): the
 * widest block in 2…16 that still gives GEMV_TARGET_WORKGROUPS workgroups
 * (2 at least: each weight row then gives 32 contiguous bytes, a whole
 * memory sector), widened up to 32 while K is too short to split 128 / WG_COLS
 * ways usefully, and never wider than the columns there are.
 *
 * @example
 * gemvColumnsPerWorkgroup(4096, 25088); // 4: VGG fc6 runs 256 workgroups of 4 × 32
 * gemvColumnsPerWorkgroup(1000, 4096);  // 2: 125 workgroups, K still split 64 ways
 */
export function gemvColumnsPerWorkgroup(n: number, k: number): number {
  const cols4 = ceilDiv(n, 4);
  let cols = 16;
  while (cols > 2 && ceilDiv(cols4, cols) < GEMV_TARGET_WORKGROUPS) cols /= 2;
  const widest = Math.max(2, 2 ** Math.ceil(Math.log2(cols4)));
  while (cols < 32 && cols < widest && k / (GEMV_WORKGROUP_SIZE / cols) < MIN_ROWS_PER_INVOCATION) cols *= 2;
  return cols;
}

export interface GemvParams {
  /** Rows of x (the batch), 1…GEMV_MAX_ROWS. */
  m: number;
  n: number;
  k: number;
  /** Row stride of the output in elements; default n. */
  ldc?: number;
  /** First output column written; default 0. */
  colOffset?: number;
  /** Row stride of the residual; default n. */
  residualStride?: number;
}

export interface GemvBindings {
  /** [m][k] row-major. */
  x: BufferBinding;
  /** [k][⌈n/4⌉·4], from gemvWeight. */
  weight: BufferBinding;
  bias?: BufferBinding;
  residual?: BufferBinding;
  output: BufferBinding;
  /** Bound where bias/residual are absent (see placeholderBuffer). */
  unused: BufferBinding;
}

function checked(p: GemvParams): Required<GemvParams> {
  const full: Required<GemvParams> = { m: p.m, n: p.n, k: p.k, ldc: p.ldc ?? p.n, colOffset: p.colOffset ?? 0, residualStride: p.residualStride ?? p.n };
  for (const [name, v] of Object.entries(full)) {
    const min = name === 'colOffset' || name === 'residualStride' ? 0 : 1;
    if (!Number.isInteger(v) || v < min) throw new InvalidParameterError(name, `must be an integer ≥ ${min}, got ${v}`);
  }
  if (full.m > GEMV_MAX_ROWS) throw new InvalidParameterError('m', `the GEMV computes at most ${GEMV_MAX_ROWS} rows, got ${full.m}: use gemm()`);
  if (full.colOffset + full.n > full.ldc) throw new InvalidParameterError('ldc', `${full.ldc} is narrower than colOffset + n = ${full.colOffset + full.n}`);
  return full;
}

export interface GemvOptions {
  /**
   * Reduce with subgroup operations (gemv_subgroups.wgsl): only on a device
   * that has the `subgroups` feature, whose pipelines would fail otherwise.
   * Default false: the workgroup-memory tree.
   */
  subgroups?: boolean;
}

/**
 * One dispatch computing epilogue(x·W) for m ≤ 4 rows into the output.
 * @example gemv({ m: 1, n: 4096, k: 4096 }, io, { activation: 'relu' }, 'fc7', { subgroups: ctx.features.subgroups })
 */
export function gemv(params: GemvParams, io: GemvBindings, epilogue: Epilogue = {}, label = 'gemv', options: GemvOptions = {}): DispatchSpec {
  const p = checked(params);
  const cols = gemvColumnsPerWorkgroup(p.n, p.k);
  return {
    label,
    shader: options.subgroups ? gemvSubgroupsShader : gemvShader,
    constants: {
      WG_COLS: cols,
      WG_SPLIT: GEMV_WORKGROUP_SIZE / cols,
      ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }),
    },
    uniforms: { m: p.m, n: p.n, k: p.k, ldw: gemvRowLength(p.n), ldc: p.ldc, colOffset: p.colOffset, residualStride: p.residualStride },
    bindings: { x: io.x, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: [ceilDiv(p.n, 4 * cols), 1, 1],
  };
}

/** Floats per weight row: n rounded up to whole vec4s. */
export function gemvRowLength(n: number): number {
  return ceilDiv(n, 4) * 4;
}

/**
 * PyTorch Linear weight [out][in] → the GEMV's layout for output columns
 * [begin, end): [in][gemvRowLength(end − begin)], zero-padded, once at load.
 */
export function gemvWeight(weight: Float32Array, outFeatures: number, inFeatures: number, begin = 0, end = outFeatures): Float32Array {
  if (weight.length !== outFeatures * inFeatures) {
    throw new InvalidParameterError('weight', `has ${weight.length} values, expected ${outFeatures}×${inFeatures}`);
  }
  if (!(Number.isInteger(begin) && Number.isInteger(end) && begin >= 0 && begin < end && end <= outFeatures)) {
    throw new InvalidParameterError('columns', `[${begin}, ${end}) is not a column range of ${outFeatures}`);
  }
  const ldw = gemvRowLength(end - begin);
  const out = new Float32Array(inFeatures * ldw);
  for (let o = begin; o < end; o++) for (let i = 0; i < inFeatures; i++) out[i * ldw + o - begin] = weight[o * inFeatures + i]!;
  return out;
}
