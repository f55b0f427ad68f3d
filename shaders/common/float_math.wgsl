// Float math WGSL lacks or leaves loose, prepended by the TS side after the
// NaN helpers (shaders/common/nan.wgsl) and before the epilogue that calls
// it: erf/erfc (WGSL has none), expm1/log1p (exp(x) − 1 and log(1 + x) lose
// every digit near 0), pow as ONNX and C define it (WGSL's pow is undefined
// for a negative base), and sin/cos with their argument reduced first (WGSL
// promises accuracy only on [−π, π]).

// 2/√π
const TWO_OVER_SQRT_PI: f32 = 1.1283791670955126;

// erfc(z) for z ≥ 0 with relative error below 1.2e-7: the Chebyshev fit of
// Numerical Recipes §6.2 (erfcc), t = 1/(1 + z/2). Past z = 10, erfc is
// below f32's smallest normal: 0 there (so gelu(−∞) is −∞·0 = NaN as in torch).
fn erfcNonNeg(z: f32) -> f32 {
  if (z >= 10.0) { return 0.0; }
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(-z * z + p);
}

// erf(a) for 0 ≤ a < 0.5 from its Taylor series, so a tiny erf keeps its
// relative precision (1 − erfc cancels there); the next term is below 1e-9
fn erfSmall(a: f32) -> f32 {
  let a2 = a * a;
  return TWO_OVER_SQRT_PI * a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (1.0 / 10.0 + a2 * (-1.0 / 42.0 + a2 * (1.0 / 216.0 + a2 * (-1.0 / 1320.0))))));
}

// erf(±∞) = ±1; absolute error below 2e-7 (measured in activation_family.test.ts)
fn erf(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a < 0.5) { r = erfSmall(a); } else { r = 1.0 - erfcNonNeg(a); }
  return select(r, -r, x < 0.0);
}

// erfc(x) = 1 − erf(x), with relative precision kept in the right tail
fn erfc(x: f32) -> f32 {
  if (abs(x) < 0.5) { return 1.0 - erfSmall(x); }
  if (x > 0.0) { return erfcNonNeg(x); }
  return 2.0 - erfcNonNeg(-x);
}

// exp(x) − 1: its Taylor series near 0 (next term below 1e-9 relative),
// where exp(x) − 1 would cancel; Kahan's (u − 1)/log(u) needs a log more
// accurate near 1 than GPUs give (SwiftShader's is off by 2% there)
fn expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (1.0 / 2.0 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0
        + x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0 + x * (1.0 / 362880.0)))))))));
  }
  return exp(x) - 1.0;
}

// log(1 + x) for 0 ≤ x ≤ 1 as 2·atanh(s), s = x/(2 + x) ≤ 1/3, by its series
// (next term below 1e-8 relative): no log of a number near 1
fn log1pUnit(x: f32) -> f32 {
  let s = x / (2.0 + x);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0 + s2 * (1.0 / 13.0 + s2 / 15.0)))))));
}

// tanh, with its series for |x| < 1/8 where the driver's (e²ˣ − 1)/(e²ˣ + 1)
// cancels to 0; ±1 beyond ±10, where some drivers' ∞/∞ gives NaN (SwiftShader)
fn tanhAccurate(x: f32) -> f32 {
  if (abs(x) < 0.125) {
    let x2 = x * x;
    return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0))));
  }
  return tanh(clamp(x, -10.0, 10.0));
}

// log(1 + eˣ) without overflow: max(x, 0) + log(1 + e^−|x|)
fn softplus(x: f32) -> f32 {
  return max(x, 0.0) + log1pUnit(exp(-abs(x)));
}

fn infinity() -> f32 {
  let bits = 0x7f800000u;
  return bitcast<f32>(bits);
}

fn isOddInteger(y: f32) -> bool {
  // every f32 from 2^24 on is even
  return floor(y) == y && abs(y) < 16777216.0 && fract(y * 0.5) != 0.0;
}

// x^y as C's pow and ONNX define it: x^0 = 1 and 1^y = 1 even for NaN, a
// negative base takes an integer exponent (else NaN), a zero or infinite base
// gives 0 or ∞ with the sign of x for an odd exponent, |x|^±∞ is 0, 1 or ∞.
fn powOnnx(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (isNanBits(x)) { return x; }
  if (isNanBits(y)) { return y; }
  let a = abs(x);
  if (!isFiniteBits(y)) {
    if (a == 1.0) { return 1.0; }
    return select(0.0, infinity(), (a > 1.0) == (y > 0.0));
  }
  let negative = (bitcast<u32>(x) & 0x80000000u) != 0u;
  let integer = floor(y) == y;
  if (x < 0.0 && !integer && isFiniteBits(x)) { return quietNan(); }
  var m: f32;
  if (a == 0.0) {
    m = select(infinity(), 0.0, y > 0.0);
  } else if (!isFiniteBits(a)) {
    m = select(0.0, infinity(), y > 0.0);
  } else if (y == 1.0) {
    m = a;
  } else if (y == 2.0) {
    m = a * a;
  } else if (y == 3.0) {
    m = a * a * a;
  } else if (y == -1.0) {
    m = 1.0 / a;
  } else if (y == 0.5) {
    m = sqrt(a);
  } else {
    m = exp2(y * log2(a));
  }
  return select(m, -m, negative && isOddInteger(y));
}

// π/2 split so that k·PIO2_HI is exact for |k| < 2^16 (1.5703125 has 8 significant bits)
const PIO2_HI: f32 = 1.5703125;
const PIO2_MID: f32 = 0.0004838267923332751;
const PIO2_LO: f32 = 2.5632829192545614e-12;
const TWO_OVER_PI: f32 = 0.6366197723675814;

// sin and cos of r in [−π/4, π/4] by their series (next terms below 2e-9)
fn sinReduced(r: f32) -> f32 {
  let r2 = r * r;
  return r * (1.0 + r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0)))));
}

fn cosReduced(r: f32) -> f32 {
  let r2 = r * r;
  return 1.0 + r2 * (-1.0 / 2.0 + r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0)))));
}

// sin(x + quarter·π/2) for x = k·π/2 + r (Cody–Waite reduction): the
// driver's sin is off by 2e-5 even on [−π, π] (SwiftShader). Good to a few
// ulps while |x| < 1e5; beyond, an f32 keeps little of its phase (the ulp of
// 1e30 is 7.6e22) and the driver's sin answers.
fn sinQuarter(x: f32, quarter: i32) -> f32 {
  if (!(abs(x) < 100000.0)) {
    return select(sin(x), cos(x), quarter == 1);
  }
  let k = round(x * TWO_OVER_PI);
  let r = ((x - k * PIO2_HI) - k * PIO2_MID) - k * PIO2_LO;
  let q = (i32(k) + quarter) & 3;
  switch q {
    case 0: { return sinReduced(r); }
    case 1: { return cosReduced(r); }
    case 2: { return -sinReduced(r); }
    default: { return -cosReduced(r); }
  }
}
