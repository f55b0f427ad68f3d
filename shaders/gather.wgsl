// gather: out[i] = input[the element of i, its coordinate on one axis looked up in `indices`]
//
// ONNX Gather on one axis with constant indices. The walk (shaders/common/
// strided_index.wgsl, prepended) is over the output in its storage order,
// uncompacted, so walk axis GATHER_AXIS (a uniform) is the gathered one:
// its coordinate j reads input index indices[j] (uploaded with the node,
// non-negative integers held as f32, exact below 2^24). Every other axis
// reads the input through its stride. The output is written contiguously.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  inStrides0: vec4<i32>,
  inStrides1: vec4<i32>,
  gatherAxis: u32,
  gatherStride: i32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> indices: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  var coords = unravel(index, params.dims0, params.dims1);
  // the gathered axis has stride 0 in the view: its input index comes from the table
  let picked = i32(indices[coords[params.gatherAxis]]);
  output[index] = input[view_offset(coords, params.inStrides0, params.inStrides1, picked * params.gatherStride)];
}
