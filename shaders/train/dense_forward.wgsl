// dense_forward: y[r][n] = act(Σ_k x[r][k] · W[n][k] + b[n]) — a fully
// connected layer of a head being trained, in PyTorch's nn.Linear layout so
// the optimizer updates the weights where they lie (the inference GEMM/GEMV
// want a re-laid-out copy made once at load, which training cannot afford
// every step).
//
// Layout: x [rows][inFeatures] row-major; the layer's parameters at
// params[paramOffset…]: W [outFeatures][inFeatures] then b [outFeatures]
// (every layer of a head shares one parameter buffer, so one optimizer
// dispatch steps them all); y [rows][outFeatures].
// Invocations: one per output element, index r · outFeatures + n, the 1-D
// index folded into a 2-D grid (linear_index.wgsl).
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
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.rows * params.outFeatures) { return; }
  let r = index / params.outFeatures;
  let n = index % params.outFeatures;
  let k = params.inFeatures;
  let w = params.paramOffset + n * k;
  var acc = weights[params.paramOffset + params.outFeatures * k + n];
  for (var i = 0u; i < k; i++) {
    acc = fma(x[r * k + i], weights[w + i], acc);
  }
  y[index] = denseActivate(acc);
}
