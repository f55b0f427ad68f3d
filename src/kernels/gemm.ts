/**
 * The tiled GEMM behind im2col convs, pointwise (1×1) convs and fully
 * connected layers: output = epilogue(A · B) with workgroup-memory tiles and
 * 4×4 register blocks. The vec4 file is chosen when every dimension and
 * stride it touches is a multiple of 4; otherwise the scalar file, same tile.
 * Tiles marked `core: 'register_blocked_8x8'` run the GPU-class core of
 * gemm_register_blocked.ts (8×8 register blocks) when the vec4 conditions
 * hold, and their `fallback` tile of this core otherwise.
 * The grid folds row tiles past 65,535 into z (shaders/common/gemm_grid.wgsl);
 * split-K (a GEMM into K-slice partials, then a reduce) is in split_k.ts and
 * runs on the 4×4 core only (a register-blocked tile splits as its fallback).
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import gemmGridWgsl from '../../shaders/common/gemm_grid.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import gemmWgsl from '../../shaders/gemm/gemm_tiled.wgsl?raw';
import gemmVec4Wgsl from '../../shaders/gemm/gemm_tiled_vec4.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { ceilDiv, MAX_WORKGROUPS_PER_DIMENSION } from './geometry.js';
import { gemmRegisterBlocked, REGISTER_BLOCK } from './gemm_register_blocked.js';

export const gemmShader = defineShader('gemm_tiled', nanWgsl, floatMathWgsl, epilogueWgsl, gemmGridWgsl, gemmWgsl);
export const gemmVec4Shader = defineShader('gemm_tiled_vec4', nanWgsl, floatMathWgsl, epilogueWgsl, gemmGridWgsl, gemmVec4Wgsl);

/** Tile configuration: WG_X × WG_Y invocations, each a 4×4 block (8×8 on the register-blocked core); TILE_K deep. */
export interface GemmTile {
  readonly wgX: number;
  readonly wgY: number;
  readonly tileK: number;
  /** The shader that runs the tile; absent: gemm_tiled(_vec4), 4×4 per invocation. */
  readonly core?: 'register_blocked_8x8';
  /** A tile of the 4×4 core that serves shapes the register-blocked core cannot (not vec4-aligned). */
  readonly fallback?: string;
}

/**
 * Every tile the GEMM runs on, named by the outputs one workgroup computes
 * (rows × columns = 4·WG_Y × 4·WG_X). The heuristic (gemmTileFor), autotuning
 * and a forced tile all choose from here; TILE_K is a multiple of 4.
 */
export const GEMM_TILES = {
  /** 16×16 invocations, K in steps of 16 (8 KiB of workgroup memory): the general tile. */
  '64x64': { wgX: 16, wgY: 16, tileK: 16 },
  /** Up to 16 rows. */
  '16x128': { wgX: 32, wgY: 4, tileK: 16 },
  /** Few rows (a batch-1 classifier, a 1×1 map): at most 3 of 4 rows idle instead of 63 of 64. */
  '4x256': { wgX: 64, wgY: 1, tileK: 8 },
  /**
   * Few columns (a 1×1 conv with ≤ 16 output channels, e.g. MobileNet v1 at
   * width 0.25). The 64-wide tile would leave 3 of 4 invocations computing
   * zero-padded columns; on SwiftShader, where every invocation of a
   * workgroup with barriers is a CPU coroutine, that made a 112×112 8→16 conv
   * 14–25× slower than this tile (GPU timestamps).
   */
  '64x16': { wgX: 4, wgY: 16, tileK: 8 },
  /** Up to 32 columns (half of a 64-wide tile would idle). */
  '32x32': { wgX: 8, wgY: 8, tileK: 8 },
  /**
   * The register-blocked core (8×8 per invocation, vec4 operands in
   * workgroup memory, prefetch): big tiles for GPUs with many lanes, 16 KiB,
   * 12 KiB and 8 KiB of workgroup memory. Shapes with K, N or a stride not a
   * multiple of 4 run the 4×4 core's 64x64 instead (never a wrong answer).
   */
  '128x128': { wgX: 16, wgY: 16, tileK: 16, core: 'register_blocked_8x8', fallback: '64x64' },
  '128x64': { wgX: 8, wgY: 16, tileK: 16, core: 'register_blocked_8x8', fallback: '64x64' },
  '64x64r': { wgX: 8, wgY: 8, tileK: 16, core: 'register_blocked_8x8', fallback: '64x64' },
} as const satisfies Record<string, GemmTile>;

export type GemmTileName = keyof typeof GEMM_TILES;

/** The registry's names, in its order. */
export const GEMM_TILE_NAMES: readonly GemmTileName[] = Object.keys(GEMM_TILES) as GemmTileName[];

/** Output rows and columns one workgroup of the tile computes (its name's numbers). */
export function gemmTileOutputs(name: GemmTileName): { rows: number; cols: number } {
  const t: GemmTile = GEMM_TILES[name];
  const block = t.core ? REGISTER_BLOCK : 4;
  return { rows: t.wgY * block, cols: t.wgX * block };
}

/**
 * The tile that really runs when `name` is asked for: a register-blocked
 * tile on a shape that is not vec4-aligned runs its fallback.
 */
export function gemmTileThatRuns(name: GemmTileName, params: GemmParams): GemmTileName {
  const t: GemmTile = GEMM_TILES[name];
  if (!t.core || gemmUsesVec4(gemmParamsWithDefaults(params))) return name;
  return t.fallback as GemmTileName;
}

/** The 4×4-core tile `name` runs as where only that core serves (split-K, the implicit GEMM): itself, or a register-blocked tile's fallback. */
export function fourByFourTile(name: GemmTileName): GemmTileName {
  const t: GemmTile = GEMM_TILES[name];
  return t.core ? (t.fallback as GemmTileName) : name;
}

/** Whether `name` is a tile of the registry (stored or user-given names are checked with this). */
export function isGemmTileName(name: unknown): name is GemmTileName {
  return typeof name === 'string' && Object.hasOwn(GEMM_TILES, name);
}

/**
 * The tile that wastes least for an M×N product: by rows first (a batch-1
 * classifier has 1 row and thousands of columns), then by columns (a
 * pointwise conv over many pixels with few output channels). The column
 * tiles are 8 deep because such layers also have few input channels: K = 8
 * then fills one step instead of half of a zero-padded 16. At least 128 rows
 * and 64 columns get the register-blocked 128x64.
 */
export function gemmTileFor(m: number, n = Infinity): GemmTileName {
  if (m <= 4) return '4x256';
  if (m <= 16) return '16x128';
  if (n <= 16) return '64x16';
  if (n <= 32) return '32x32';
  // the register-blocked core where a 128×64 tile fills: 1.1–3.2× the 4×4 core's 64x64 on every such shape
  // measured on SwiftShader (bench/gemm_cores.ts), and what GPUs want; unaligned shapes run 64x64 anyway (its fallback)
  if (m >= 128 && n >= 64) return '128x64';
  return '64x64';
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

/** The parameters with every default filled in, checked (an InvalidParameterError names a bad one). */
export function gemmParamsWithDefaults(p: GemmParams): Required<GemmParams> {
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

/** The GEMM's K slices: `slices` of kSlice elements, slice s writing at output + s·sliceStride. */
export interface GemmSlices {
  readonly kSlice: number;
  readonly slices: number;
  readonly sliceStride: number;
}

/**
 * Workgroups for `colTiles` column tiles × `count` (row tile, batch, slice)
 * triples: x the column tiles, the triples in y, folded into z past 65,535
 * (gemm_grid.wgsl unfolds them).
 */
export function gemmWorkgroups(colTiles: number, count: number, label: string): [number, number, number] {
  const z = ceilDiv(count, MAX_WORKGROUPS_PER_DIMENSION);
  const y = ceilDiv(count, z);
  if (colTiles > MAX_WORKGROUPS_PER_DIMENSION || z > MAX_WORKGROUPS_PER_DIMENSION) {
    throw new InvalidParameterError('m', `${label}: a GEMM of ${colTiles} column tiles × ${count} row tiles does not fit one dispatch (at most ${MAX_WORKGROUPS_PER_DIMENSION} per dimension)`);
  }
  return [colTiles, y, z];
}

/** The GEMM dispatch over the given K slices (one slice of all K: the plain GEMM). */
export function gemmSliced(p: Required<GemmParams>, io: GemmBindings, epilogue: Epilogue, name: GemmTileName, slices: GemmSlices, label: string): DispatchSpec {
  if (!isGemmTileName(name)) throw new InvalidParameterError('tile', `unknown GEMM tile ${JSON.stringify(name)?.slice(0, 40)} (known: ${GEMM_TILE_NAMES.join(', ')})`);
  let t: GemmTile = GEMM_TILES[gemmTileThatRuns(name, p)];
  if (t.core) {
    if (slices.slices === 1) return gemmRegisterBlocked(p, io, epilogue, t, label);
    t = GEMM_TILES[t.fallback as GemmTileName]; // split-K runs on the 4×4 core (same TILE_K, so the same slices)
  }
  const vec4 = gemmUsesVec4(p) && slices.kSlice % 4 === 0 && slices.sliceStride % 4 === 0;
  return {
    label,
    shader: vec4 ? gemmVec4Shader : gemmShader,
    constants: {
      WG_X: t.wgX,
      WG_Y: t.wgY,
      TILE_K: t.tileK,
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
      batch: p.batch,
      kSlice: slices.kSlice,
      sliceStride: slices.sliceStride,
    },
    bindings: { a: io.a, b: io.b, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: gemmWorkgroups(ceilDiv(p.n, t.wgX * 4), ceilDiv(p.m, t.wgY * 4) * p.batch * slices.slices, label),
  };
}

/** One dispatch computing epilogue(A·B) into the output, on `tile` (default: gemmTileFor(m, n)). */
export function gemm(
  params: GemmParams,
  io: GemmBindings,
  epilogue: Epilogue = {},
  tile?: GemmTileName,
  label = 'gemm',
): DispatchSpec {
  const p = gemmParamsWithDefaults(params);
  return gemmSliced(p, io, epilogue, tile ?? gemmTileFor(p.m, p.n), { kSlice: p.k, slices: 1, sliceStride: 0 }, label);
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
