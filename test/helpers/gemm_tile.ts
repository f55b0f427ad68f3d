/** Which registry tile a GEMM dispatch ran, for tests that force a tile through a conv strategy (whose GEMM parameters they do not see). */
import type { DispatchSpec } from '../../src/kernels/dispatch.js';
import { GEMM_TILES, type GemmTile, type GemmTileName } from '../../src/kernels/gemm.js';
import { gemmRegisterBlockedShader } from '../../src/kernels/gemm_register_blocked.js';

/**
 * `tile` itself, or its 4×4-core fallback when a register-blocked tile met a
 * shape that is not vec4-aligned; a 4×4-core tile never runs the blocked core.
 */
export function tileThatRan(tile: GemmTileName, spec: DispatchSpec): GemmTileName {
  const t: GemmTile = GEMM_TILES[tile];
  const blocked = spec.shader.name === gemmRegisterBlockedShader.name;
  if (!t.core && blocked) throw new Error(`4×4-core tile ${tile} ran the register-blocked shader`);
  return t.core && !blocked ? (t.fallback as GemmTileName) : tile;
}
