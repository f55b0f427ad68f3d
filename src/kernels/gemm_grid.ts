/**
 * The GEMM grid planner: which tile, and into how many K slices (split-K),
 * a GEMM launches on a device, so that the launch fills the device. A pure
 * function of the product's shape and the device's compute units, tested
 * without a GPU; compile's strategy pass and the linear layers call it, and
 * autotuning or a per-layer option can override what it says.
 *
 * A *wave* is `computeUnits` workgroups: one per compute unit (NVIDIA SM,
 * AMD CU, …). A launch of fewer leaves compute units idle for its whole
 * duration — ResNet-50's layer4 3×3 conv (M = 49, N = 512, K = 4608) on the
 * 64×64 tile is 8 workgroups of 288 K-steps each, on a GPU with 132 SMs.
 *
 * The rules, in order:
 * 1. The least-wasteful tile for the shape (gemmTileFor) when its grid is at
 *    least one wave: such a GEMM is never split.
 * 2. Otherwise split K into just enough slices for one wave, each slice
 *    keeping ≥ MIN_SPLIT_K_STEPS steps of the tile's TILE_K (below that,
 *    writing and re-reading the partial tile costs about what the slice's
 *    own loads do), and the partials within `maxPartialFloats`. Split-K
 *    runs on the 4×4 core, so a register-blocked tile splits as its 4×4
 *    fallback.
 * 3. When the preferred tile cannot reach a wave that way, the other tiles
 *    that pad the product no more than it does and load at most
 *    MAX_LOAD_RATIO × its global memory traffic are tried, least traffic
 *    first (a 32×32 tile gives 4× the workgroups of a 64×64 one for the same
 *    M×N at 2× the loads; the 4-row tile on 49 rows would load 7×).
 * 4. When none reaches a wave, the plan with the most workgroups.
 * Products side by side (conv groups, batch > 1) are left unsplit.
 */
import { InvalidParameterError } from '../errors.js';
import { fourByFourTile, GEMM_TILE_NAMES, GEMM_TILES, gemmTileFor, gemmTileOutputs, type GemmTile, type GemmTileName } from './gemm.js';
import { ceilDiv } from './geometry.js';

/** The product's shape: batch products of [m × k]·[k × n]. */
export interface GemmProblem {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** Independent products side by side (conv groups); default 1. */
  readonly batch?: number;
}

/** What the planner knows of the device. */
export interface GemmDevice {
  /** Workgroups that run at once: one wave (see computeUnitsOf in gpu/compute_units.ts). */
  readonly computeUnits: number;
  /** The most floats the K-slice partials may take (e.g. one storage binding); default unbounded. */
  readonly maxPartialFloats?: number;
}

export interface GemmGrid {
  readonly tile: GemmTileName;
  /** K slices: 1 is an ordinary GEMM; more run the GEMM into partials that split_k.ts sums. */
  readonly splitK: number;
  /** K elements per slice (a multiple of the tile's TILE_K; k itself when unsplit). */
  readonly kSlice: number;
  /** Workgroups launched, slices included. */
  readonly workgroups: number;
  /** workgroups / computeUnits. */
  readonly waves: number;
}

/**
 * Fewest TILE_K steps one K slice keeps (see the header). Two keep the
 * partial traffic (a TILE_M×TILE_N write, then a read by the reduce) within
 * about twice the slice's own loads on the 64×64 tile; fewer steps would be
 * mostly that traffic. Four would leave MobileNetV2's 14×14 and 28×28
 * projections (K = 144, 192) short of a wave on 132 SMs.
 */
export const MIN_SPLIT_K_STEPS = 2;

/** Output tiles of one slice: ⌈n / TILE_N⌉ · ⌈m / TILE_M⌉ · batch. */
export function gemmTiles(p: GemmProblem, tile: GemmTileName): number {
  const { rows, cols } = gemmTileOutputs(tile);
  return ceilDiv(p.n, cols) * ceilDiv(p.m, rows) * (p.batch ?? 1);
}

/**
 * The K slices that `requested` slices of `k` really make: each slice is a
 * whole number of TILE_K steps, so 10 steps in 4 slices are 3+3+3+1 and 9
 * steps in 4 slices are 3+3+3 (3 slices).
 */
export function splitKSlices(k: number, tileK: number, requested: number): { kSlice: number; slices: number } {
  if (!Number.isInteger(requested) || requested < 1) throw new InvalidParameterError('splitK', `must be an integer ≥ 1, got ${requested}`);
  const steps = Math.max(1, ceilDiv(k, tileK));
  const per = ceilDiv(steps, Math.min(requested, steps));
  return { kSlice: requested === 1 ? k : per * tileK, slices: ceilDiv(steps, per) };
}

/** How much more global traffic (tiles · (TILE_M + TILE_N)) an alternative tile may cost than the preferred one. */
export const MAX_LOAD_RATIO = 4;

/** Global loads per K step, summed over the grid: each tile reads TILE_M rows of A and TILE_N columns of B. */
function loads(p: GemmProblem, tile: GemmTileName): number {
  const { rows, cols } = gemmTileOutputs(tile);
  return gemmTiles(p, tile) * (rows + cols);
}

/** Elements of padded output a tile computes for the product (the waste the planner minimises). */
function paddedArea(p: GemmProblem, tile: GemmTileName): number {
  const { rows, cols } = gemmTileOutputs(tile);
  return ceilDiv(p.m, rows) * rows * ceilDiv(p.n, cols) * cols;
}

/** The plan for `tile` with `requested` slices (normalised by splitKSlices). */
export function gemmGridOf(p: GemmProblem, tile: GemmTileName, requested: number, computeUnits: number): GemmGrid {
  const { kSlice, slices } = splitKSlices(p.k, GEMM_TILES[tile].tileK, requested);
  const workgroups = gemmTiles(p, tile) * slices;
  return { tile, splitK: slices, kSlice, workgroups, waves: workgroups / computeUnits };
}

/** The fewest slices of `tile` that reach one wave within the rules' bounds, or the most it may have. */
function splitFor(p: GemmProblem, tile: GemmTileName, d: GemmDevice): GemmGrid {
  const tiles = gemmTiles(p, tile);
  const steps = Math.max(1, ceilDiv(p.k, GEMM_TILES[tile].tileK));
  const byK = Math.max(1, Math.floor(steps / MIN_SPLIT_K_STEPS));
  const byMemory = d.maxPartialFloats === undefined ? Infinity : Math.max(1, Math.floor(d.maxPartialFloats / (p.m * p.n * (p.batch ?? 1))));
  const most = Math.min(byK, byMemory);
  let best = gemmGridOf(p, tile, 1, d.computeUnits);
  // normalising can give fewer slices than asked, so walk up until a wave is reached
  for (let s = Math.min(most, ceilDiv(d.computeUnits, tiles)); s <= most; s++) {
    best = gemmGridOf(p, tile, s, d.computeUnits);
    if (best.workgroups >= d.computeUnits) break;
  }
  return best;
}

/**
 * The tile and split-K of a GEMM launch on a device (the rules are in this
 * file's header). `tile` fixes the tile (a forced or autotuned one): then
 * only the split is planned. `allowed` are the tiles the caller can run
 * (a strategy's own list, ConvStrategy.tiles).
 *
 * @example
 * planGemmGrid({ m: 49, n: 512, k: 4608 }, { computeUnits: 132 });
 * // { tile: '64x64', splitK: 17, kSlice: 272, workgroups: 136, waves: 1.03 }
 */
export function planGemmGrid(p: GemmProblem, d: GemmDevice, tile?: GemmTileName, allowed: readonly GemmTileName[] = GEMM_TILE_NAMES): GemmGrid {
  for (const [name, v] of Object.entries({ m: p.m, n: p.n, k: p.k, batch: p.batch ?? 1, computeUnits: d.computeUnits })) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be an integer ≥ 1, got ${v}`);
  }
  const heuristic = gemmTileFor(p.m, p.n);
  const preferred = tile ?? (allowed.includes(heuristic) ? heuristic : fourByFourTile(heuristic));
  const unsplit = gemmGridOf(p, preferred, 1, d.computeUnits);
  if (unsplit.workgroups >= d.computeUnits || (p.batch ?? 1) > 1) return unsplit;
  // split-K runs on the 4×4 core only: a register-blocked tile is planned as its fallback
  const base = fourByFourTile(preferred);
  const limit = paddedArea(p, base);
  const maxLoads = MAX_LOAD_RATIO * loads(p, base);
  const others = allowed
    .filter((t) => t !== base && !(GEMM_TILES[t] as GemmTile).core && paddedArea(p, t) <= limit && loads(p, t) <= maxLoads)
    .sort((x, y) => loads(p, x) - loads(p, y));
  const tiles = tile ? [base] : [base, ...others];
  let best: GemmGrid | undefined;
  for (const t of tiles) {
    const plan = splitFor(p, t, d);
    if (plan.workgroups >= d.computeUnits) return plan;
    if (!best || plan.workgroups > best.workgroups) best = plan;
  }
  return best!;
}
