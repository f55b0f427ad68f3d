// dense_activation: the activations a trained dense layer may apply after its
// affine map (none, ReLU, tanh) and their derivatives, prepended by the TS
// side (src/kernels/train_dense.ts) to the dense forward and backward kernels
// so both mean one thing by each. Needs nan.wgsl and float_math.wgsl first.
// The derivative is taken from the layer's OUTPUT y, as PyTorch's autograd
// does for both: relu'(z) = [y > 0], tanh'(z) = 1 − y².
// Override: DENSE_ACTIVATION (0 none, 1 relu, 2 tanh).

override DENSE_ACTIVATION: u32 = 0u;

fn denseActivate(z: f32) -> f32 {
  if (DENSE_ACTIVATION == 1u) {
    // relu(NaN) = NaN as in torch; WGSL's max would be free to drop it
    if (isNanBits(z)) { return z; }
    return select(0.0, z, z > 0.0);
  }
  if (DENSE_ACTIVATION == 2u) { return tanhAccurate(z); }
  return z;
}

// d activation / d z, from the output y = activation(z)
fn denseDerivative(y: f32) -> f32 {
  if (DENSE_ACTIVATION == 1u) { return select(0.0, 1.0, y > 0.0); }
  if (DENSE_ACTIVATION == 2u) { return 1.0 - y * y; }
  return 1.0;
}
