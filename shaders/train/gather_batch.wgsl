// gather_batch: one mini-batch of a training set that lives on the GPU,
//   x[r][c]   = features[order[start + r]][c]
//   labelsOut[r] = labels[order[start + r]]
// where order is the epoch's permutation of the samples (written once per
// epoch), so a whole epoch of steps can be encoded without the CPU writing
// a batch in between.
//
// Layout: features [samples][width] row-major, labels and order [samples]
// u32, x [rows][width], labelsOut [rows] u32.
// Invocations: one per element of x, index r · width + c, folded into a 2-D
// grid; the invocation with c = 0 also copies the label.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  width: u32,
  start: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> features: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;
@group(0) @binding(5) var<storage, read_write> labelsOut: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.rows * params.width) { return; }
  let r = index / params.width;
  let c = index % params.width;
  let sample = order[params.start + r];
  x[index] = features[sample * params.width + c];
  if (c == 0u) { labelsOut[r] = labels[sample]; }
}
