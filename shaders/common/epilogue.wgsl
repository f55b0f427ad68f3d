// Fused epilogue shared by the conv and GEMM kernels: prepended to their
// source by the TS side (src/kernels/epilogue.ts), never templated, after
// the NaN helpers (shaders/common/nan.wgsl) it calls.
//   y = activation(acc + bias[channel] + residual)
// The shortcut is added before the activation, as in ResNet's
// relu(bn(conv(x)) + x); MobileNetV2's linear bottleneck uses ACTIVATION = 0.

// 0 none, 1 relu, 2 relu6, 3 sigmoid, 4 silu (swish), 5 hard-swish, 6 tanh,
// 7 leaky relu (slope ACT_ALPHA), 8 hard sigmoid clamp(ACT_ALPHA·x + ACT_BETA, 0, 1),
// 9 clip to [ACT_ALPHA, ACT_BETA] (an absent bound comes as ±f32 max: WGSL has no ∞).
// NaN and ±∞ come out as PyTorch gives them: every activation keeps NaN
// (relu(NaN) = NaN, not 0), relu(∞) = ∞, sigmoid(−∞) = 0, silu(−∞) and
// hard-swish(−∞) = NaN (−∞·0), tanh(±∞) = ±1, clip with no upper bound keeps ∞.
override ACTIVATION: u32 = 0u;
override ACT_ALPHA: f32 = 0.0;
override ACT_BETA: f32 = 0.0;
override HAS_BIAS: bool = false;
override HAS_RESIDUAL: bool = false;

const F32_MAX: f32 = 0x1.fffffep+127f;

// a bound of ±f32 max stands for an absent one, so ±∞ pass it as in torch.clamp;
// not clamp(), which the compiler rejects when the unused constants give low > high
fn clip(x: f32) -> f32 {
  var y = x;
  if (ACT_ALPHA > -F32_MAX) { y = max(y, ACT_ALPHA); }
  if (ACT_BETA < F32_MAX) { y = min(y, ACT_BETA); }
  return y;
}

fn activate(x: f32) -> f32 {
  // NaN in, NaN out, for every activation: max/clamp of a NaN are undefined in WGSL
  if (isNanBits(x)) { return x; }
  switch ACTIVATION {
    case 1u: { return max(x, 0.0); }
    case 2u: { return clamp(x, 0.0, 6.0); }
    case 3u: { return 1.0 / (1.0 + exp(-x)); }
    case 4u: { return x / (1.0 + exp(-x)); }
    case 5u: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    // tanh(±10) is ±1 in f32; beyond, exp overflows to ∞/∞ = NaN on some drivers (SwiftShader)
    case 6u: { return tanh(clamp(x, -10.0, 10.0)); }
    case 7u: { return select(ACT_ALPHA * x, x, x >= 0.0); }
    // ACT_ALPHA = 0 makes 0·∞ = NaN here
    case 8u: { return clampNan(ACT_ALPHA * x + ACT_BETA, 0.0, 1.0); }
    case 9u: { return clip(x); }
    default: { return x; }
  }
}
