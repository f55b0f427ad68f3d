/**
 * Gives every conv a strategy and, for the GEMM strategies, a tile: `auto`
 * picks by shape; a strategy can be forced for all convs or per layer (by
 * the conv's name), a tile per layer. A forced strategy that cannot serve a
 * layer falls back to auto for that layer, with a notice; a tile for a layer
 * whose strategy runs no GEMM is ignored.
 */
import { CONV_STRATEGIES, chooseConvStrategy } from '../../kernels/conv2d.js';
import type { Conv2dShape } from '../../kernels/conv2d_shape.js';
import type { GemmTileName } from '../../kernels/gemm.js';
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
   * Which heuristic `auto` uses: 'gpu' (default) or 'cpu' for adapters that
   * emulate a GPU on the CPU (see chooseConvStrategy). compile() fills it
   * from the context's deviceClass unless given.
   */
  deviceClass?: DeviceClass;
}

export function convShapeOf(g: ExecGraph, n: ConvNode): Conv2dShape {
  return shapeOfConv(g.shapes.get(n.inputs[0]!)!, n.attrs);
}

/** The node with its strategy, and the layer's tile where that strategy runs a GEMM. */
function withChoice(n: ConvNode, strategy: ConvStrategyName, tile: GemmTileName | undefined): ConvNode {
  return tile && CONV_STRATEGIES[strategy].defaultTile ? { ...n, strategy, tile } : { ...n, strategy };
}

export function chooseStrategies(g: ExecGraph, options: StrategyOptions, notices: string[]): ExecGraph {
  const deviceClass = options.deviceClass ?? 'gpu';
  const nodes = g.nodes.map((n) => {
    if (n.kind !== 'conv') return n;
    const shape = convShapeOf(g, n);
    const wanted = options.layerStrategies?.[n.name] ?? options.strategy ?? 'auto';
    const tile = options.layerTiles?.[n.name];
    if (wanted === 'auto') return withChoice(n, chooseConvStrategy(shape, deviceClass), tile);
    const reason = CONV_STRATEGIES[wanted]?.unsupportedReason(shape) ?? `unknown strategy "${wanted}"`;
    if (!CONV_STRATEGIES[wanted] || CONV_STRATEGIES[wanted].unsupportedReason(shape)) {
      const fallback = chooseConvStrategy(shape, deviceClass);
      notices.push(`${n.name}: ${reason}; using ${fallback} (auto) instead of ${wanted}`);
      return withChoice(n, fallback, tile);
    }
    return withChoice(n, wanted, tile);
  });
  return { ...g, nodes };
}
