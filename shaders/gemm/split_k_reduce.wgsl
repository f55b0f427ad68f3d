// split_k_reduce: the second half of a split-K GEMM. Sums the K slices'
// partial products and applies the epilogue the unsplit GEMM would have:
//   output[m·ldc + colOffset + c] = activate(Σ_s partials[s·sliceStride + m·channels + c]
//                                            + bias[c] + residual[m·residualStride + c])
// partials: [slices][M][channels] row-major, channels = batch·N (the split
// GEMM's own layout, see gemm_tiled.wgsl); the output and residual layouts
// are the GEMM's (ldc and colOffset place a channel slice).
//
// Mapping: one invocation per output element (row, channel), row-major,
// over a grid folded into x and y (linear_index.wgsl); extra invocations
// return at once.
// Overrides: WORKGROUP_SIZE, and the epilogue's.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  channels: u32,
  slices: u32,
  sliceStride: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let i = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (i >= params.total) { return; }
  let row = i / params.channels;
  let channel = i % params.channels;
  var v = 0.0;
  for (var s = 0u; s < params.slices; s++) {
    v += partials[s * params.sliceStride + i];
  }
  if (HAS_BIAS) { v += bias[channel]; }
  if (HAS_RESIDUAL) { v += residual[row * params.residualStride + channel]; }
  output[row * params.ldc + params.colOffset + channel] = activate(v);
}
