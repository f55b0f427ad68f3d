/**
 * What autotuning and the bench choose between for one conv layer: every
 * strategy that can serve the shape, and for the GEMM-based ones (im2col,
 * pointwise) each GEMM tile — the tile the row count suggests is the plain
 * strategy, the others are variants.
 */
import { applicableStrategies, CONV_STRATEGIES } from '../kernels/conv2d.js';
import { fullSlice, type ChannelSlice, type Conv2dShape } from '../kernels/conv2d_shape.js';
import type { ConvBindings, ConvStrategyName } from '../kernels/conv2d_strategy.js';
import type { Epilogue } from '../kernels/epilogue.js';
import type { DispatchSpec } from '../kernels/dispatch.js';
import { DEFAULT_GEMM_TILE, SHORT_GEMM_TILE, SKINNY_GEMM_TILE, gemmShader, gemmVec4Shader, type GemmTile } from '../kernels/gemm.js';
import { ceilDiv } from '../kernels/geometry.js';

export const GEMM_TILES: Readonly<Record<string, GemmTile>> = {
  '64x64': DEFAULT_GEMM_TILE,
  '16x128': SHORT_GEMM_TILE,
  '4x256': SKINNY_GEMM_TILE,
};
export type GemmTileName = keyof typeof GEMM_TILES & string;

/** One way to compute a conv layer. */
export interface ConvCandidate {
  strategy: ConvStrategyName;
  /** A GEMM tile forced in place of the strategy's own choice (by GEMM_TILES name). */
  tile?: string;
}

export function candidateName(c: ConvCandidate): string {
  return c.tile ? `${c.strategy}/${c.tile}` : c.strategy;
}

/** Im2col on a depthwise layer is `groups` one-column GEMMs: minutes per run on a CPU-emulated GPU and never a winner. */
export function hopeless(s: Conv2dShape, strategy: ConvStrategyName): boolean {
  return strategy === 'im2col' && s.groups > 1 && s.groups === s.inChannels;
}

/** Every strategy that can serve the shape, plus GEMM tile variants when `tiles` is set. */
export function convCandidates(s: Conv2dShape, tiles = true): ConvCandidate[] {
  const out: ConvCandidate[] = [];
  for (const strategy of applicableStrategies(s)) {
    if (hopeless(s, strategy)) continue;
    out.push({ strategy });
    if (tiles && (strategy === 'im2col' || strategy === 'pointwise')) {
      for (const tile of Object.keys(GEMM_TILES)) out.push({ strategy, tile });
    }
  }
  return out;
}

const isGemm = (d: DispatchSpec) => d.shader === gemmShader || d.shader === gemmVec4Shader;

/** The same dispatches with every GEMM run on `tile` (constants and workgroup grid follow the tile). */
export function withGemmTile(specs: readonly DispatchSpec[], tile: GemmTile): DispatchSpec[] {
  return specs.map((d) => {
    if (!isGemm(d)) return d;
    const m = Number(d.uniforms.m);
    const n = Number(d.uniforms.n);
    return {
      ...d,
      constants: { ...d.constants, WG_X: tile.wgX, WG_Y: tile.wgY, TILE_K: tile.tileK },
      workgroups: [ceilDiv(n, tile.wgX * 4), ceilDiv(m, tile.wgY * 4), d.workgroups[2]],
    };
  });
}

/** The dispatches of a layer computed as `c` (weights already in c.strategy's layout). */
export function candidateDispatches(s: Conv2dShape, c: ConvCandidate, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice = fullSlice(s.outChannels)): DispatchSpec[] {
  const specs = CONV_STRATEGIES[c.strategy].dispatches(s, io, epilogue, slice);
  return c.tile ? withGemmTile(specs, GEMM_TILES[c.tile]!) : specs;
}
