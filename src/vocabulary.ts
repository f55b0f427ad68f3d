/**
 * The words every layer shares: activation and binary-op names, conv
 * strategy names, the LRN convention. Only types and constant lists live
 * here, so the kernels (which implement them) and the graph (which speaks
 * them) both import this leaf and neither imports the other for its names.
 */

/** In the order of shaders/common/epilogue.wgsl's ACTIVATION codes. */
export const ACTIVATIONS = [
  'none', 'relu', 'relu6', 'sigmoid', 'silu', 'hardswish', 'tanh', 'leaky_relu', 'hardsigmoid', 'clip',
  'elu', 'selu', 'celu', 'softplus', 'softsign', 'mish', 'thresholded_relu', 'gelu', 'gelu_tanh', 'erf',
  'exp', 'log', 'sqrt', 'neg', 'abs', 'reciprocal', 'floor', 'ceil', 'round', 'sin', 'cos', 'sign', 'pow', 'scale',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/**
 * The numbers the parametric activations take (ONNX's attributes and defaults):
 * leaky_relu: x ≥ 0 ? x : alpha·x (alpha 0.01);
 * hardsigmoid: max(0, min(1, alpha·x + beta)) (alpha 0.2, beta 0.5);
 * clip: min(max(x, min), max) (min −∞, max +∞);
 * elu: x > 0 ? x : alpha·(eˣ − 1) (alpha 1); celu: x > 0 ? x : alpha·(e^(x/alpha) − 1) (alpha 1);
 * selu: gamma·elu_alpha(x) (alpha 1.6732632, gamma 1.0507010); thresholded_relu: x > alpha ? x : 0 (alpha 1);
 * pow: x^exponent (required); scale: alpha·x (required).
 */
export interface ActivationParams {
  alpha?: number;
  beta?: number;
  gamma?: number;
  min?: number;
  max?: number;
  exponent?: number;
}

/** In the order of elementwise_binary.wgsl's OP codes; prelu is a ≥ 0 ? a : a·b (b the slopes); min and max propagate NaN. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'prelu', 'pow', 'min', 'max'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/**
 * Where an even-sized LRN window sits. PyTorch's LocalResponseNorm sums
 * [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]; ONNX's LRN [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉].
 * They agree for odd sizes.
 */
export type LrnConvention = 'pytorch' | 'onnx';

/** The conv strategies (src/kernels/conv2d.ts holds one implementation per name). */
export const CONV_STRATEGY_NAMES = ['direct', 'im2col', 'pointwise', 'depthwise', 'implicit_gemm'] as const;
export type ConvStrategyName = (typeof CONV_STRATEGY_NAMES)[number];
