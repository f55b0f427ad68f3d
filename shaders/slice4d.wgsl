// slice4d: out[i0, i1, i2, i3] = input[base + i0·s0 + i1·s1 + i2·s2 + i3·s3]
//
// A strided 4-D gather into a contiguous output of dims (d0, d1, d2, d3):
// with s the input's element strides times the slice steps and base the
// element offset of the slice's start, it takes any start:end:step slice of
// any axis (channel slices of NHWC tensors are the common case). One
// invocation per output element, in output order; the 1-D index is folded
// into a 2-D grid of workgroups (geometry.ts linearWorkgroups) and unfolded
// by linear_index, from the prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  dims: vec4<u32>,
  inStrides: vec4<u32>,
  base: u32,
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
  let i = vec4<u32>(index / (d.w * d.z * d.y), (index / (d.w * d.z)) % d.y, (index / d.w) % d.z, index % d.w);
  output[index] = input[params.base + dot(i, params.inStrides)];
}
