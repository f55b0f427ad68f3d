// Fused epilogue shared by the conv and GEMM kernels: prepended to their
// source by the TS side (src/kernels/epilogue.ts), never templated, after
// the NaN helpers (shaders/common/nan.wgsl) and the float math
// (shaders/common/float_math.wgsl) it calls.
//   y = activation(acc + bias[channel] + residual)
// The shortcut is added before the activation, as in ResNet's
// relu(bn(conv(x)) + x); MobileNetV2's linear bottleneck uses ACTIVATION = 0.

// 0 none, 1 relu, 2 relu6, 3 sigmoid, 4 silu (swish), 5 hard-swish, 6 tanh,
// 7 leaky relu (slope ACT_ALPHA), 8 hard sigmoid clamp(ACT_ALPHA·x + ACT_BETA, 0, 1),
// 9 clip to [ACT_ALPHA, ACT_BETA] (an absent bound comes as ±f32 max: WGSL has no ∞),
// 10 elu (ACT_ALPHA), 11 selu (alpha ACT_ALPHA, gamma ACT_BETA), 12 celu (ACT_ALPHA),
// 13 softplus, 14 softsign, 15 mish, 16 thresholded relu (x > ACT_ALPHA), 17 gelu (erf),
// 18 gelu (tanh approximation), 19 erf, 20 exp, 21 log, 22 sqrt, 23 neg, 24 abs,
// 25 reciprocal, 26 floor, 27 ceil, 28 round (half to even), 29 sin, 30 cos, 31 sign,
// 32 pow with the constant exponent ACT_ALPHA, 33 scale by ACT_ALPHA.
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

// √(2/π), for gelu's tanh form
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;

fn activate(x: f32) -> f32 {
  // NaN^0 = 1 (ONNX, C and numpy): the one activation that drops a NaN
  if (ACTIVATION == 32u) { return powOnnx(x, ACT_ALPHA); }
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
    case 10u: { return select(ACT_ALPHA * expm1(x), x, x > 0.0); }
    case 11u: { return ACT_BETA * select(ACT_ALPHA * expm1(x), x, x > 0.0); }
    case 12u: { return select(ACT_ALPHA * expm1(x / ACT_ALPHA), x, x > 0.0); }
    case 13u: { return softplus(x); }
    // ±∞/∞ = NaN, as torch's x / (1 + |x|) gives
    case 14u: { return x / (1.0 + abs(x)); }
    case 15u: { return x * tanhAccurate(softplus(x)); }
    case 16u: { return select(0.0, x, x > ACT_ALPHA); }  // NaN kept above, as torch.threshold keeps it
    // the left tail through erfc keeps its relative precision; gelu(−∞) = −∞·0 = NaN as in torch
    case 17u: { return 0.5 * x * erfc(-x * 0.7071067811865476); }
    // (1 + tanh(u))/2 = σ(2u): no cancellation in the left tail
    case 18u: { return x / (1.0 + exp(-2.0 * SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))); }
    case 19u: { return erf(x); }
    case 20u: { return exp(x); }
    // WGSL leaves log and sqrt of a negative undefined, and log(0) need not be −∞
    case 21u: {
      if (x < 0.0) { return quietNan(); }
      if (x == 0.0) { return -infinity(); }
      return log(x);
    }
    case 22u: { return select(sqrt(x), quietNan(), x < 0.0); }
    case 23u: { return -x; }
    case 24u: { return abs(x); }
    case 25u: { return 1.0 / x; }
    case 26u: { return floor(x); }
    case 27u: { return ceil(x); }
    case 28u: { return round(x); }
    case 29u: { return sinQuarter(x, 0); }
    case 30u: { return sinQuarter(x, 1); }
    case 31u: { return sign(x); }
    case 33u: { return ACT_ALPHA * x; }
    default: { return x; }
  }
}
