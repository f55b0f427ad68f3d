// NaN-aware helpers, prepended by the TS side to the kernels that take a
// max, a min or a clamp, or call exp/pow on what may be NaN (the epilogue's
// activations, max pooling, softmax, LRN). PyTorch propagates NaN through
// all of them (relu(NaN) = NaN; a window or row holding a NaN gives NaN),
// but WGSL leaves max/min/clamp of a NaN undefined, exp/pow of a NaN need
// not be NaN (SwiftShader's exp(NaN) is ∞), and a compiler may assume floats
// are finite, so `x != x` may fold to false. NaN is therefore tested on the
// bits: exponent all ones, mantissa not zero.

fn isNanBits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// neither NaN nor ±∞: the exponent is not all ones
fn isFiniteBits(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u;
}

// a quiet NaN, built at run time because a constant NaN is a shader-creation error
fn quietNan() -> f32 {
  let bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// torch.maximum: NaN when either operand is NaN
fn maxNan(a: f32, b: f32) -> f32 {
  if (isNanBits(a)) { return a; }
  if (isNanBits(b)) { return b; }
  return max(a, b);
}

// torch.minimum: NaN when either operand is NaN
fn minNan(a: f32, b: f32) -> f32 {
  if (isNanBits(a)) { return a; }
  if (isNanBits(b)) { return b; }
  return min(a, b);
}

// torch.clamp with finite bounds: NaN stays NaN
fn clampNan(x: f32, low: f32, high: f32) -> f32 {
  if (isNanBits(x)) { return x; }
  return min(max(x, low), high);
}
