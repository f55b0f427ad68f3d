// dense_backward_input: the gradient a dense layer passes to its input,
//   dX[r][k] = Σ_n dY[r][n] · act'(Y[r][n]) · W[n][k]      (dZ·W)
// — the dY of the layer before (which applies its own activation's
// derivative). The first layer of a head skips it: the features are frozen.
//
// Layout: y and dy [rows][outFeatures], dx [rows][inFeatures] row-major; W at
// weights[paramOffset…] as [outFeatures][inFeatures] (dense_forward.wgsl).
// Invocations: one per element of dx, index r · inFeatures + k, folded into
// a 2-D grid.
// Overrides: WORKGROUP_SIZE; DENSE_ACTIVATION (dense_activation.wgsl).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  inFeatures: u32,
  outFeatures: u32,
  paramOffset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  let k = params.inFeatures;
  let out = params.outFeatures;
  if (index >= params.rows * k) { return; }
  let r = index / k;
  let c = index % k;
  var acc = 0.0;
  for (var n = 0u; n < out; n++) {
    let o = r * out + n;
    acc = fma(dy[o] * denseDerivative(y[o]), weights[params.paramOffset + n * k + c], acc);
  }
  dx[index] = acc;
}
