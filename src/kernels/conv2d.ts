/**
 * Conv2d in five strategies behind one face (resolveConvStrategy, then its
 * dispatches). `auto` picks by shape; the bench and autotuning force one per
 * layer. A forced strategy that cannot serve a shape is an
 * UnsupportedConfigurationError saying why.
 */
import { UnsupportedConfigurationError } from '../errors.js';
import type { DeviceClass } from '../gpu/device.js';
import type { Conv2dShape } from './conv2d_shape.js';
import { depthwiseStrategy } from './conv2d_depthwise.js';
import { directStrategy } from './conv2d_direct.js';
import { im2colStrategy } from './conv2d_im2col.js';
import { implicitGemmStrategy } from './conv2d_implicit_gemm.js';
import { pointwiseStrategy } from './conv2d_pointwise.js';
import type { ConvStrategy, ConvStrategyName } from './conv2d_strategy.js';

export const CONV_STRATEGIES: Readonly<Record<ConvStrategyName, ConvStrategy>> = {
  direct: directStrategy,
  im2col: im2colStrategy,
  pointwise: pointwiseStrategy,
  depthwise: depthwiseStrategy,
  implicit_gemm: implicitGemmStrategy,
};

/** The strategies that can compute this layer. */
export function applicableStrategies(s: Conv2dShape): ConvStrategyName[] {
  return (Object.keys(CONV_STRATEGIES) as ConvStrategyName[]).filter((n) => !CONV_STRATEGIES[n].unsupportedReason(s));
}

/**
 * The shape heuristic behind `auto`, per device class; autotuning (measured
 * per device) replaces it where asked.
 *
 * On a GPU: depthwise for depthwise layers, the plain GEMM for 1×1s, direct
 * where each output needs little work (small reduction, e.g. a first layer
 * over RGB) or has too few output channels per group to fill the GEMM's
 * 64-column tile (LeNet's 16), the implicit GEMM for the rest: the GEMM
 * of im2col reading its patches straight from the input, so no patch matrix
 * is written and re-read (VGG-16's at batch 16 outgrew any binding); im2col
 * stays a candidate for autotuning and the bench.
 *
 * On a CPU-emulated adapter (SwiftShader): depthwise for depthwise layers,
 * direct for everything else. Emulators run each invocation of a workgroup
 * that uses barriers as a coroutine and switch between them at every
 * barrier, so the tiled GEMM's workgroup-memory reuse costs more than it
 * saves: measured on SwiftShader, direct beat im2col 1.3–2.6× and pointwise
 * 1.5–25× on every layer of ResNet, VGG and MobileNet tried, and the
 * autotuned MobileNetV2 ran ~4× faster than the GPU heuristic.
 */
export function chooseConvStrategy(s: Conv2dShape, deviceClass: DeviceClass = 'gpu'): ConvStrategyName {
  if (!depthwiseStrategy.unsupportedReason(s)) return 'depthwise';
  if (deviceClass === 'cpu') return 'direct';
  if (!pointwiseStrategy.unsupportedReason(s)) return 'pointwise';
  const reduction = s.kernelHeight * s.kernelWidth * (s.inChannels / s.groups);
  if (reduction <= 64 || s.outChannels / s.groups < 32) return 'direct';
  return 'implicit_gemm';
}

export function resolveConvStrategy(s: Conv2dShape, requested: ConvStrategyName | 'auto', deviceClass: DeviceClass = 'gpu'): ConvStrategy {
  const name = requested === 'auto' ? chooseConvStrategy(s, deviceClass) : requested;
  const strategy = CONV_STRATEGIES[name];
  if (!strategy) throw new UnsupportedConfigurationError(`unknown conv strategy "${String(requested)}"; known: auto, ${Object.keys(CONV_STRATEGIES).join(', ')}`);
  const reason = strategy.unsupportedReason(s);
  if (reason) throw new UnsupportedConfigurationError(reason);
  return strategy;
}

export type { ConvBindings, ConvStrategy, ConvStrategyName } from './conv2d_strategy.js';
