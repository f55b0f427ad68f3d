/**
 * What autotuning and the bench choose between for one conv layer: every
 * strategy that can serve the shape, and for the GEMM-based ones (those with
 * a defaultTile: im2col, implicit GEMM, pointwise) every tile of the GEMM tile registry —
 * the plain strategy runs the tile the heuristic picks for the shape, and
 * each other registry tile is a variant.
 */
import { UnsupportedConfigurationError } from '../errors.js';
import { applicableStrategies, CONV_STRATEGIES } from '../kernels/conv2d.js';
import { fullSlice, type ChannelSlice, type Conv2dShape } from '../kernels/conv2d_shape.js';
import type { ConvBindings, ConvStrategyName } from '../kernels/conv2d_strategy.js';
import type { Epilogue } from '../kernels/epilogue.js';
import type { DispatchSpec } from '../kernels/dispatch.js';
import { GEMM_TILE_NAMES, type GemmTileName } from '../kernels/gemm.js';

/** One way to compute a conv layer. */
export interface ConvCandidate {
  strategy: ConvStrategyName;
  /** A GEMM tile in place of the strategy's defaultTile for the shape (GEMM strategies only). */
  tile?: GemmTileName;
}

export function candidateName(c: ConvCandidate): string {
  return c.tile ? `${c.strategy}/${c.tile}` : c.strategy;
}

/** A GEMM conv (im2col, implicit GEMM) on a depthwise layer is `groups` one-column GEMMs: minutes per run on a CPU-emulated GPU and never a winner. */
export function hopeless(s: Conv2dShape, strategy: ConvStrategyName): boolean {
  return (strategy === 'im2col' || strategy === 'implicit_gemm') && s.groups > 1 && s.groups === s.inChannels;
}

/**
 * Every strategy that can serve the shape; with `tiles`, a GEMM strategy also
 * comes once per other registry tile, so each of its tiles is measured once.
 */
export function convCandidates(s: Conv2dShape, tiles = true): ConvCandidate[] {
  const out: ConvCandidate[] = [];
  for (const strategy of applicableStrategies(s)) {
    if (hopeless(s, strategy)) continue;
    out.push({ strategy });
    const own = CONV_STRATEGIES[strategy].defaultTile?.(s);
    if (tiles && own) for (const tile of CONV_STRATEGIES[strategy].tiles ?? GEMM_TILE_NAMES) if (tile !== own) out.push({ strategy, tile });
  }
  return out;
}

/** The dispatches of a layer computed as `c` (weights already in c.strategy's layout): the tile goes to the strategy's own dispatch builder. */
export function candidateDispatches(s: Conv2dShape, c: ConvCandidate, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice = fullSlice(s.outChannels)): DispatchSpec[] {
  const strategy = CONV_STRATEGIES[c.strategy];
  if (c.tile !== undefined && !strategy.defaultTile) throw new UnsupportedConfigurationError(`the ${c.strategy} strategy runs no GEMM, so it takes no GEMM tile (got "${c.tile}")`);
  return strategy.dispatches(s, io, epilogue, slice, c.tile);
}
