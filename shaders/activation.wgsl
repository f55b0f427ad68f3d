// activation: out[i] = activate(x[i])
//
// A standalone activation for producers that cannot fuse one into their
// epilogue (after a concat, an elementwise op of another kind, a graph
// input). Any layout: the tensor is treated as a flat array of `total`
// floats. One invocation per element, the 1-D index folded into a 2-D grid
// of workgroups (geometry.ts linearWorkgroups) and unfolded by linear_index
// (shaders/common/linear_index.wgsl, prepended). activate() comes from the
// epilogue chunk prepended to this file (shaders/common/epilogue.wgsl).
// Overrides: WORKGROUP_SIZE; ACTIVATION.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
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
  output[index] = activate(input[index]);
}
