// permute4d: out[i0, i1, i2, i3] = input[i0·s0 + i1·s1 + i2·s2 + i3·s3]
//
// A 4-D gather over a contiguous output of dims (d0, d1, d2, d3); the input
// strides (in elements) pick the permutation. NCHW→NHWC is dims (N, H, W, C)
// with strides (C·H·W, W, 1, H·W); NHWC→NCHW is dims (N, C, H, W) with
// strides (H·W·C, 1, W·C, C). One invocation per output element, in
// output order, so writes are coalesced; the 1-D index is folded into a 2-D
// grid of workgroups (geometry.ts linearWorkgroups) and unfolded by
// linear_index, from the prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  dims: vec4<u32>,
  inStrides: vec4<u32>,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let d = params.dims;
  let i3 = index % d.w;
  let i2 = (index / d.w) % d.z;
  let i1 = (index / (d.w * d.z)) % d.y;
  let i0 = index / (d.w * d.z * d.y);
  let s = params.inStrides;
  output[index] = input[i0 * s.x + i1 * s.y + i2 * s.z + i3 * s.w];
}
