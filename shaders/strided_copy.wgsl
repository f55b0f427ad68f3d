// strided_copy: output[view_out(i)] = input[view_in(i)] for every element i
// of an up-to-8-axis walk (shaders/common/strided_index.wgsl, prepended).
//
// One kernel for every copy that only moves elements: transpose (permuted
// input strides), slice (strides times the step, negative steps included,
// and a base offset at the start), expand (stride 0 on broadcast axes),
// tile (each tiled axis split into repeat × extent, the repeat of stride 0),
// concat along any axis (each input written at its offset in the output)
// and layout conversions between NHWC and row-major storage. The host side
// (src/kernels/strided.ts) drops unit axes and merges contiguous ones, so
// tensors of rank up to 6 fit in 8 axes (a tile of five or six repeated
// axes that still does not is split into several dispatches, stridedCopies).
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  inStrides0: vec4<i32>,
  inStrides1: vec4<i32>,
  outStrides0: vec4<i32>,
  outStrides1: vec4<i32>,
  inOffset: i32,
  outOffset: i32,
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
  let coords = unravel(index, params.dims0, params.dims1);
  let source = view_offset(coords, params.inStrides0, params.inStrides1, params.inOffset);
  let destination = view_offset(coords, params.outStrides0, params.outStrides1, params.outOffset);
  output[destination] = input[source];
}
