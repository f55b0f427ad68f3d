/**
 * Gives every conv a strategy and, for the GEMM strategies, a tile and a
 * split-K: `auto` picks by shape; a strategy can be forced for all convs or
 * per layer (by the conv's name), a tile and a split per layer. A forced
 * strategy that cannot serve a layer falls back to auto for that layer, with
 * a notice; a tile or split for a layer whose strategy runs no GEMM is
 * ignored. Where no split is given, the GEMM grid planner
 * (kernels/gemm_grid.ts) sizes the launch to `computeUnits`, and may pick
 * another tile for it when none is given. A linear layer's split, when
 * given, is recorded here; otherwise its kernel plans it.
 */
import { CONV_STRATEGIES, chooseConvStrategy } from '../../kernels/conv2d.js';
import type { Conv2dShape } from '../../kernels/conv2d_shape.js';
import type { GemmTileName } from '../../kernels/gemm.js';
import { InvalidParameterError } from '../../errors.js';
import { planGemmGrid } from '../../kernels/gemm_grid.js';
import type { DeviceClass } from '../../gpu/device.js';
import { convShapeOf as shapeOfConv } from '../../ops/conv2d.js';
import type { ConvStrategyName } from '../../vocabulary.js';
import type { ConvNode, ExecGraph } from '../exec_graph.js';

export type StrategyChoice = ConvStrategyName | 'auto';

export interface StrategyOptions {
  /** For every conv (default auto). */
  strategy?: StrategyChoice;
  /** Per conv layer, by name; wins over `strategy`. */
  layerStrategies?: Readonly<Record<string, StrategyChoice>>;
  /** Per conv layer, by name: the GEMM tile of im2col, implicit_gemm or pointwise (autotune fills it from its measurements). */
  layerTiles?: Readonly<Record<string, GemmTileName>>;
  /**
   * Per conv or linear layer, by name: the K slices of its GEMM (1: unsplit);
   * autotune fills it for convs. Absent: the grid planner decides.
   */
  layerSplitK?: Readonly<Record<string, number>>;
  /**
   * Workgroups the device runs at once (its SMs/CUs: one wave), which the
   * GEMM grid planner fills; compile() reads it from the adapter
   * (gpu/compute_units.ts) unless given. Absent here: GEMMs are not split.
   */
  computeUnits?: number;
  /**
   * Which heuristic `auto` uses: 'gpu' (default) or 'cpu' for adapters that
   * emulate a GPU on the CPU (see chooseConvStrategy). compile() fills it
   * from the context's deviceClass unless given.
   */
  deviceClass?: DeviceClass;
}

export function convShapeOf(g: ExecGraph, n: ConvNode): Conv2dShape {
  return shapeOfConv(g.shapes.get(n.inputs[0]!)!, n.attrs);
}

/** The node with its strategy, and the layer's tile and split where that strategy runs a GEMM. */
function withChoice(n: ConvNode, shape: Conv2dShape, strategy: ConvStrategyName, options: StrategyOptions): ConvNode {
  const s = CONV_STRATEGIES[strategy];
  const tile = options.layerTiles?.[n.name];
  if (!s.defaultTile || !s.gemmProblem) return { ...n, strategy };
  const forced = options.layerSplitK?.[n.name];
  if (forced !== undefined || !options.computeUnits) return { ...n, strategy, ...(tile ? { tile } : {}), ...(forced && forced > 1 ? { splitK: forced } : {}) };
  const plan = planGemmGrid(s.gemmProblem(shape), { computeUnits: options.computeUnits }, tile, s.tiles);
  // the tile is recorded only where it differs from the strategy's own, so unsplit layers look as before
  const chosen = tile ?? (plan.tile !== s.defaultTile(shape) ? plan.tile : undefined);
  return { ...n, strategy, ...(chosen ? { tile: chosen } : {}), ...(plan.splitK > 1 ? { splitK: plan.splitK } : {}) };
}

export function chooseStrategies(g: ExecGraph, options: StrategyOptions, notices: string[]): ExecGraph {
  const deviceClass = options.deviceClass ?? 'gpu';
  for (const [layer, k] of Object.entries(options.layerSplitK ?? {})) {
    if (!Number.isInteger(k) || k < 1) throw new InvalidParameterError('layerSplitK', `layer "${layer}": the K slices must be an integer ≥ 1, got ${k}`);
  }
  const nodes = g.nodes.map((n) => {
    if (n.kind === 'linear' && options.layerSplitK?.[n.name] !== undefined) return { ...n, splitK: options.layerSplitK[n.name] };
    if (n.kind !== 'conv') return n;
    const shape = convShapeOf(g, n);
    const wanted = options.layerStrategies?.[n.name] ?? options.strategy ?? 'auto';
    if (wanted === 'auto') return withChoice(n, shape, chooseConvStrategy(shape, deviceClass), options);
    const reason = CONV_STRATEGIES[wanted]?.unsupportedReason(shape) ?? `unknown strategy "${wanted}"`;
    if (!CONV_STRATEGIES[wanted] || CONV_STRATEGIES[wanted].unsupportedReason(shape)) {
      const fallback = chooseConvStrategy(shape, deviceClass);
      notices.push(`${n.name}: ${reason}; using ${fallback} (auto) instead of ${wanted}`);
      return withChoice(n, shape, fallback, options);
    }
    return withChoice(n, shape, wanted, options);
  });
  return { ...g, nodes };
}
