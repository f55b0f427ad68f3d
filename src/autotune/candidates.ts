/**
 * What autotuning and the bench choose between for one conv layer: every
 * strategy that can serve the shape, and for the GEMM-based ones (those with
 * a defaultTile: im2col, implicit GEMM, pointwise) every tile of the GEMM
 * tile registry (or the strategy's own list) — the plain strategy runs the
 * tile the heuristic picks for the shape, unsplit, and each other tile is a
 * variant — plus, where the grid planner (kernels/gemm_grid.ts) would split
 * K on the device, its plan as one more variant (so the planner's choice is
 * measured against the rest).
 */
import { UnsupportedConfigurationError } from '../errors.js';
import { applicableStrategies, CONV_STRATEGIES } from '../kernels/conv2d.js';
import { fullSlice, type ChannelSlice, type Conv2dShape } from '../kernels/conv2d_shape.js';
import type { ConvBindings, ConvStrategyName } from '../kernels/conv2d_strategy.js';
import type { Epilogue } from '../kernels/epilogue.js';
import type { DispatchSpec } from '../kernels/dispatch.js';
import { GEMM_TILE_NAMES, type GemmTileName } from '../kernels/gemm.js';
import { planGemmGrid } from '../kernels/gemm_grid.js';

/** One way to compute a conv layer. */
export interface ConvCandidate {
  strategy: ConvStrategyName;
  /** A GEMM tile in place of the strategy's defaultTile for the shape (GEMM strategies only). */
  tile?: GemmTileName;
  /** K slices of the GEMM (split-K, GEMM strategies only); absent: unsplit. */
  splitK?: number;
}

/** `im2col`, `im2col/32x32`, `im2col/64x64/split17`. */
export function candidateName(c: ConvCandidate): string {
  return [c.strategy, ...(c.tile ? [c.tile] : []), ...(c.splitK && c.splitK > 1 ? [`split${c.splitK}`] : [])].join('/');
}

/** A GEMM conv (im2col, implicit GEMM) on a depthwise layer is `groups` one-column GEMMs: minutes per run on a CPU-emulated GPU and never a winner. */
export function hopeless(s: Conv2dShape, strategy: ConvStrategyName): boolean {
  return (strategy === 'im2col' || strategy === 'implicit_gemm') && s.groups > 1 && s.groups === s.inChannels;
}

/**
 * Every strategy that can serve the shape; with `tiles`, a GEMM strategy also
 * comes once per other registry tile, so each of its tiles is measured once,
 * and with `computeUnits` too, a GEMM strategy the planner would split for
 * that device also comes as the planner's tile and split (a GEMM variant
 * like the tiles: none without `tiles`).
 */
export function convCandidates(s: Conv2dShape, tiles = true, computeUnits?: number): ConvCandidate[] {
  const out: ConvCandidate[] = [];
  for (const strategy of applicableStrategies(s)) {
    if (hopeless(s, strategy)) continue;
    out.push({ strategy });
    const def = CONV_STRATEGIES[strategy];
    const own = def.defaultTile?.(s);
    if (tiles && own) for (const tile of def.tiles ?? GEMM_TILE_NAMES) if (tile !== own) out.push({ strategy, tile });
    if (tiles && computeUnits && own && def.gemmProblem) {
      const plan = planGemmGrid(def.gemmProblem(s), { computeUnits }, undefined, def.tiles);
      if (plan.splitK > 1) out.push({ strategy, ...(plan.tile !== own ? { tile: plan.tile } : {}), splitK: plan.splitK });
    }
  }
  return out;
}

/** The dispatches of a layer computed as `c` (weights already in c.strategy's layout): the tile goes to the strategy's own dispatch builder. */
export function candidateDispatches(s: Conv2dShape, c: ConvCandidate, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice = fullSlice(s.outChannels)): DispatchSpec[] {
  const strategy = CONV_STRATEGIES[c.strategy];
  if (c.tile !== undefined && !strategy.defaultTile) throw new UnsupportedConfigurationError(`the ${c.strategy} strategy runs no GEMM, so it takes no GEMM tile (got "${c.tile}")`);
  if (c.splitK !== undefined && !strategy.defaultTile) throw new UnsupportedConfigurationError(`the ${c.strategy} strategy runs no GEMM, so it takes no split-K (got ${c.splitK})`);
  return strategy.dispatches(s, io, epilogue, slice, c.tile, c.splitK);
}
