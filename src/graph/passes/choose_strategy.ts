/**
 * Gives every conv a strategy: `auto` picks by shape; a strategy can be
 * forced for all convs or per layer (by the conv's name). A forced strategy
 * that cannot serve a layer falls back to auto for that layer, with a notice.
 */
import { CONV_STRATEGIES, chooseConvStrategy } from '../../kernels/conv2d.js';
import type { ConvStrategyName } from '../../kernels/conv2d_strategy.js';
import { conv2dShape, type Conv2dShape } from '../../kernels/conv2d_shape.js';
import type { DeviceClass } from '../../gpu/device.js';
import type { ConvNode, ExecGraph } from '../exec_graph.js';

export type StrategyChoice = ConvStrategyName | 'auto';

export interface StrategyOptions {
  /** For every conv (default auto). */
  strategy?: StrategyChoice;
  /** Per conv layer, by name; wins over `strategy`. */
  layerStrategies?: Readonly<Record<string, StrategyChoice>>;
  /**
   * Which heuristic `auto` uses: 'gpu' (default) or 'cpu' for adapters that
   * emulate a GPU on the CPU (see chooseConvStrategy). compile() fills it
   * from the context's deviceClass unless given.
   */
  deviceClass?: DeviceClass;
}

export function convShapeOf(g: ExecGraph, n: ConvNode): Conv2dShape {
  const [batch, inChannels, inHeight, inWidth] = g.shapes.get(n.inputs[0]!)! as [number, number, number, number];
  return conv2dShape({ batch, inChannels, inHeight, inWidth, ...n.attrs });
}

export function chooseStrategies(g: ExecGraph, options: StrategyOptions, notices: string[]): ExecGraph {
  const deviceClass = options.deviceClass ?? 'gpu';
  const nodes = g.nodes.map((n) => {
    if (n.kind !== 'conv') return n;
    const shape = convShapeOf(g, n);
    const wanted = options.layerStrategies?.[n.name] ?? options.strategy ?? 'auto';
    if (wanted === 'auto') return { ...n, strategy: chooseConvStrategy(shape, deviceClass) };
    const reason = CONV_STRATEGIES[wanted]?.unsupportedReason(shape) ?? `unknown strategy "${wanted}"`;
    if (!CONV_STRATEGIES[wanted] || CONV_STRATEGIES[wanted].unsupportedReason(shape)) {
      const fallback = chooseConvStrategy(shape, deviceClass);
      notices.push(`${n.name}: ${reason}; using ${fallback} (auto) instead of ${wanted}`);
      return { ...n, strategy: fallback };
    }
    return { ...n, strategy: wanted };
  });
  return { ...g, nodes };
}
