// Fused epilogue shared by the conv and GEMM kernels: prepended to their
// source by the TS side (src/kernels/epilogue.ts), never templated.
//   y = activation(acc + bias[channel] + residual)
// The shortcut is added before the activation, as in ResNet's
// relu(bn(conv(x)) + x); MobileNetV2's linear bottleneck uses ACTIVATION = 0.

// 0 none, 1 relu, 2 relu6, 3 sigmoid, 4 silu (swish), 5 hard-swish, 6 tanh,
// 7 leaky relu (slope ACT_ALPHA), 8 hard sigmoid clamp(ACT_ALPHA·x + ACT_BETA, 0, 1),
// 9 clip min(max(x, ACT_ALPHA), ACT_BETA) (absent bounds come as ±f32 max: WGSL has no ∞;
// not clamp(), which the compiler rejects when the unused constants give low > high)
override ACTIVATION: u32 = 0u;
override ACT_ALPHA: f32 = 0.0;
override ACT_BETA: f32 = 0.0;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;

fn activate(x: f32) -> f32 {
  switch ACTIVATION {
    case 1u: { return max(x, 0.0); }
    case 2u: { return clamp(x, 0.0, 6.0); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return x / (1.0 + exp(-x)); }
    case 5u: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    case 6u: { return tanh(x); }
    case 7u: { return select(ACT_ALPHA * x, x, x >= 0.0); }
    case 8u: { return clamp(ACT_ALPHA * x + ACT_BETA, 0.0, 1.0); }
    case 9u: { return min(max(x, ACT_ALPHA), ACT_BETA); }
    default: { return x; }
  }
}
