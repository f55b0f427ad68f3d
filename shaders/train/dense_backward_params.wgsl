// dense_backward_params: the gradients of a dense layer's parameters,
//   dZ[r][n] = dY[r][n] · act'(Y[r][n])
//   dW[n][k] = Σ_r dZ[r][n] · x[r][k]      (dYᵀ·X)
//   db[n]    = Σ_r dZ[r][n]
// written (not accumulated) into grads at the layer's paramOffset, in the
// parameter buffer's layout (W [outFeatures][inFeatures] then b).
//
// Layout: x [rows][inFeatures], y and dy [rows][outFeatures] row-major
// (y is the layer's output, for the activation's derivative; with no
// activation it is never read).
// Invocations: one per parameter, index n · (inFeatures + 1) + k, the
// column k = inFeatures giving db[n]; folded into a 2-D grid.
// Overrides: WORKGROUP_SIZE; DENSE_ACTIVATION (dense_activation.wgsl).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  inFeatures: u32,
  outFeatures: u32,
  paramOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  let k = params.inFeatures;
  let out = params.outFeatures;
  if (index >= out * (k + 1u)) { return; }
  let n = index / (k + 1u);
  let c = index % (k + 1u);
  var acc = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let o = r * out + n;
    let dz = dy[o] * denseDerivative(y[o]);
    let xv = select(1.0, x[r * k + min(c, k - 1u)], c < k);
    acc = fma(dz, xv, acc);
  }
  if (c < k) {
    grads[params.paramOffset + n * k + c] = acc;
  } else {
    grads[params.paramOffset + out * k + n] = acc;
  }
}
