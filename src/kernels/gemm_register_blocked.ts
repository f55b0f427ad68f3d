/**
 * The GPU-class GEMM core (shaders/gemm/gemm_register_blocked_8x8.wgsl):
 * 8×8 register blocks, both operands as vec4 in workgroup memory (A stored
 * transposed), register prefetch of the next K tile, a check-free variant
 * (FITS) when the shape is a whole number of tiles, and a grid folded past
 * 65,535 workgroups. gemm() routes a registry tile with
 * `core: 'register_blocked_8x8'` here when the vec4 conditions hold.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import gemmBlockedWgsl from '../../shaders/gemm/gemm_register_blocked_8x8.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { ceilDiv, MAX_WORKGROUPS_PER_DIMENSION } from './geometry.js';

export const gemmRegisterBlockedShader = defineShader(
  'gemm_register_blocked_8x8', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, gemmBlockedWgsl,
);

/** Outputs per invocation along each axis (the shader's register block is 8×8). */
export const REGISTER_BLOCK = 8;

/** The shader's prefetch registers: at most this many vec4 loads per invocation and operand. */
const MAX_LOADS = 4;

/** A tile of this core: WG_X × WG_Y invocations of 8×8 outputs, K in steps of tileK. */
export interface RegisterBlockedTile {
  readonly wgX: number;
  readonly wgY: number;
  readonly tileK: number;
}

/** Output rows and columns of one workgroup. */
export function registerBlockedTileSize(t: RegisterBlockedTile): { rows: number; cols: number } {
  return { rows: t.wgY * REGISTER_BLOCK, cols: t.wgX * REGISTER_BLOCK };
}

/** Why the shader cannot run `t` (its loads must split evenly into the prefetch registers), or undefined. */
export function registerBlockedTileProblem(t: RegisterBlockedTile): string | undefined {
  const { rows, cols } = registerBlockedTileSize(t);
  const threads = t.wgX * t.wgY;
  if (threads > 256) return `${threads} invocations exceed WebGPU's default limit of 256`;
  if (t.tileK % 4) return `TILE_K ${t.tileK} is not a multiple of 4`;
  for (const [operand, loads] of [['A', (rows * t.tileK) / 4], ['B', (t.tileK * cols) / 4]] as const) {
    if (loads % threads || loads / threads > MAX_LOADS) return `${operand}'s ${loads} vec4 loads do not split into ≤ ${MAX_LOADS} per invocation of ${threads}`;
  }
  return undefined;
}

/** Bytes of workgroup memory the tile takes (both operand tiles, f32). */
export function registerBlockedWorkgroupBytes(t: RegisterBlockedTile): number {
  const { rows, cols } = registerBlockedTileSize(t);
  return (rows + cols) * t.tileK * 4;
}

/** The dimensions this core's dispatch reads (gemm()'s parameters with their defaults filled in). */
export interface BlockedGemmShape {
  m: number;
  n: number;
  k: number;
  batch: number;
  aBatchStride: number;
  bBatchStride: number;
  ldc: number;
  colOffset: number;
  residualStride: number;
}

/** Whether the shape is a whole number of tiles, so the check-free variant (FITS) runs. */
export function registerBlockedFits(p: Pick<BlockedGemmShape, 'm' | 'n' | 'k'>, t: RegisterBlockedTile): boolean {
  const { rows, cols } = registerBlockedTileSize(t);
  return p.m % rows === 0 && p.n % cols === 0 && p.k % t.tileK === 0;
}

/**
 * The grid: one workgroup per output tile, column tiles along x and row
 * tiles along y while each fits a grid dimension; past that the tile count is
 * folded into x and y (the shader numbers workgroups row-major, so both
 * grids walk the tiles in the same order, and workgroups past the last tile
 * return at once). Batch goes on z. `maxPerDimension` is WebGPU's 65,535; a
 * test lowers it to fold small shapes.
 */
export function registerBlockedWorkgroups(
  p: Pick<BlockedGemmShape, 'm' | 'n' | 'batch'>,
  t: RegisterBlockedTile,
  maxPerDimension = MAX_WORKGROUPS_PER_DIMENSION,
): [number, number, number] {
  const { rows, cols } = registerBlockedTileSize(t);
  const colTiles = ceilDiv(p.n, cols);
  const rowTiles = ceilDiv(p.m, rows);
  if (p.batch > maxPerDimension) throw new InvalidParameterError('batch', `${p.batch} products exceed ${maxPerDimension} workgroups along z`);
  if (colTiles <= maxPerDimension && rowTiles <= maxPerDimension) return [colTiles, rowTiles, p.batch];
  const tiles = colTiles * rowTiles;
  const y = ceilDiv(tiles, maxPerDimension);
  if (y > maxPerDimension) throw new InvalidParameterError('m', `${tiles} output tiles exceed a ${maxPerDimension}² grid`);
  return [ceilDiv(tiles, y), y, p.batch];
}

/** gemm()'s buffers (GemmBindings, restated here so this file need not import gemm.ts, which imports it). */
export interface BlockedGemmBindings {
  a: BufferBinding;
  b: BufferBinding;
  bias?: BufferBinding;
  residual?: BufferBinding;
  output: BufferBinding;
  unused: BufferBinding;
}

/** One dispatch of the register-blocked core; the caller (gemm()) has checked the vec4 conditions. */
export function gemmRegisterBlocked(
  p: BlockedGemmShape,
  io: BlockedGemmBindings,
  epilogue: Epilogue,
  t: RegisterBlockedTile,
  label: string,
): DispatchSpec {
  const problem = registerBlockedTileProblem(t);
  if (problem) throw new InvalidParameterError('tile', problem);
  return {
    label,
    shader: gemmRegisterBlockedShader,
    constants: {
      WG_X: t.wgX,
      WG_Y: t.wgY,
      TILE_K: t.tileK,
      FITS: registerBlockedFits(p, t) ? 1 : 0,
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
    workgroups: registerBlockedWorkgroups(p, t),
  };
}
