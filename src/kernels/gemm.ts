/**
 * The tiled GEMM behind im2col convs, pointwise (1×1) convs and fully
 * connected layers: output = epilogue(A · B) with workgroup-memory tiles and
 * 4×4 register blocks. The vec4 file is chosen when every dimension and
 * stride it touches is a multiple of 4; otherwise the scalar file, same tile.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import gemmWgsl from '../../shaders/gemm/gemm_tiled.wgsl?raw';
import gemmVec4Wgsl from '../../shaders/gemm/gemm_tiled_vec4.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { ceilDiv } from './geometry.js';

export const gemmShader = defineShader('gemm_tiled', nanWgsl, epilogueWgsl, gemmWgsl);
export const gemmVec4Shader = defineShader('gemm_tiled_vec4', nanWgsl, epilogueWgsl, gemmVec4Wgsl);

/** Tile configuration: WG_X × WG_Y invocations, each a 4×4 block; TILE_K deep. */
export interface GemmTile {
  wgX: number;
  wgY: number;
  tileK: number;
}

/** 16×16 invocations → 64×64 outputs per workgroup, K in steps of 16 (8 KiB of workgroup memory). */
export const DEFAULT_GEMM_TILE: GemmTile = { wgX: 16, wgY: 16, tileK: 16 };

/** Few rows (a batch-1 classifier, a 1×1 map): 4×256 outputs per workgroup, so at most 3 of 4 rows idle instead of 63 of 64. */
export const SKINNY_GEMM_TILE: GemmTile = { wgX: 64, wgY: 1, tileK: 8 };

/** Up to 16 rows: 16×128 outputs per workgroup. */
export const SHORT_GEMM_TILE: GemmTile = { wgX: 32, wgY: 4, tileK: 16 };

/**
 * Few columns (a 1×1 conv with ≤ 16 output channels, e.g. MobileNet v1 at
 * width 0.25): 64×16 outputs per workgroup. The 64-wide tile would leave 3 of
 * 4 invocations computing zero-padded columns; on SwiftShader, where every
 * invocation of a workgroup with barriers is a CPU coroutine, that made a
 * 112×112 8→16 conv 14–25× slower than this tile (GPU timestamps).
 */
export const NARROW_GEMM_TILE: GemmTile = { wgX: 4, wgY: 16, tileK: 8 };

/** Up to 32 columns: 32×32 outputs per workgroup (half of a 64-wide tile would idle). */
export const SMALL_GEMM_TILE: GemmTile = { wgX: 8, wgY: 8, tileK: 8 };

/**
 * The tile that wastes least for an M×N product: by rows first (a batch-1
 * classifier has 1 row and thousands of columns), then by columns (a
 * pointwise conv over many pixels with few output channels). The column
 * tiles are 8 deep because such layers also have few input channels: K = 8
 * then fills one step instead of half of a zero-padded 16.
 */
export function gemmTileFor(m: number, n = Infinity): GemmTile {
  if (m <= 4) return SKINNY_GEMM_TILE;
  if (m <= 16) return SHORT_GEMM_TILE;
  if (n <= 16) return NARROW_GEMM_TILE;
  if (n <= 32) return SMALL_GEMM_TILE;
  return DEFAULT_GEMM_TILE;
}

export interface GemmParams {
  m: number;
  n: number;
  k: number;
  /** Independent products side by side (conv groups); default 1. */
  batch?: number;
  aBatchStride?: number;
  bBatchStride?: number;
  /** Row stride of the output in elements; default batch·n. */
  ldc?: number;
  /** First output column written; default 0. */
  colOffset?: number;
  /** Row stride of the residual; default batch·n. */
  residualStride?: number;
}

export interface GemmBindings {
  a: BufferBinding;
  b: BufferBinding;
  bias?: BufferBinding;
  residual?: BufferBinding;
  output: BufferBinding;
  /** Bound where bias/residual are absent (see placeholderBuffer). */
  unused: BufferBinding;
}

/** Whether the vec4 file can serve these parameters. */
export function gemmUsesVec4(p: Required<GemmParams>): boolean {
  return [p.k, p.n, p.ldc, p.colOffset, p.aBatchStride, p.bBatchStride, p.residualStride].every((v) => v % 4 === 0);
}

function withDefaults(p: GemmParams): Required<GemmParams> {
  const batch = p.batch ?? 1;
  const full: Required<GemmParams> = {
    m: p.m,
    n: p.n,
    k: p.k,
    batch,
    aBatchStride: p.aBatchStride ?? p.m * p.k,
    bBatchStride: p.bBatchStride ?? p.k * p.n,
    ldc: p.ldc ?? batch * p.n,
    colOffset: p.colOffset ?? 0,
    residualStride: p.residualStride ?? batch * p.n,
  };
  for (const [name, v] of Object.entries(full)) {
    const min = ['m', 'n', 'k', 'batch', 'ldc'].includes(name) ? 1 : 0;
    if (!Number.isInteger(v) || v < min) throw new InvalidParameterError(name, `must be an integer ≥ ${min}, got ${v}`);
  }
  if (full.colOffset + full.batch * full.n > full.ldc) {
    throw new InvalidParameterError('ldc', `${full.ldc} is narrower than colOffset + batch·n = ${full.colOffset + full.batch * full.n}`);
  }
  return full;
}

/** One dispatch computing epilogue(A·B) into the output. */
export function gemm(
  params: GemmParams,
  io: GemmBindings,
  epilogue: Epilogue = {},
  tile?: GemmTile,
  label = 'gemm',
): DispatchSpec {
  const p = withDefaults(params);
  tile ??= gemmTileFor(p.m, p.n);
  if (tile.tileK % 4) throw new InvalidParameterError('tileK', `must be a multiple of 4, got ${tile.tileK}`);
  const vec4 = gemmUsesVec4(p);
  return {
    label,
    shader: vec4 ? gemmVec4Shader : gemmShader,
    constants: {
      WG_X: tile.wgX,
      WG_Y: tile.wgY,
      TILE_K: tile.tileK,
      ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }),
    },
    uniforms: {
      m: p.m,
      n: p.n,
      k: p.k,
      aBatchStride: p.aBatchStride,
      bBatchStride: p.bBatchStride,
      ldc: p.ldc,
      colOffset: p.colOffset,
      residualStride: p.residualStride,
    },
    bindings: { a: io.a, b: io.b, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: [ceilDiv(p.n, tile.wgX * 4), ceilDiv(p.m, tile.wgY * 4), p.batch],
  };
}

/** PyTorch Linear weight [out][in] → the GEMM's B layout [in][out], once at load. */
export function linearWeightToGemm(weight: Float32Array, outFeatures: number, inFeatures: number): Float32Array {
  if (weight.length !== outFeatures * inFeatures) {
    throw new InvalidParameterError('weight', `has ${weight.length} values, expected ${outFeatures}×${inFeatures}`);
  }
  const b = new Float32Array(weight.length);
  for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) b[i * outFeatures + o] = weight[o * inFeatures + i]!;
  return b;
}

/**
 * A fully connected layer: [batch, inFeatures] → [batch, outFeatures], with
 * the weight already in GEMM layout (linearWeightToGemm).
 */
export function fullyConnected(
  shape: { batch: number; inFeatures: number; outFeatures: number },
  io: GemmBindings,
  epilogue: Epilogue = {},
): DispatchSpec {
  return gemm({ m: shape.batch, n: shape.outFeatures, k: shape.inFeatures }, io, epilogue, undefined, 'fully_connected');
}
