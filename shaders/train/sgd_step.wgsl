// sgd_step: one step of torch.optim.SGD (dampening 0, not Nesterov) over
// every parameter of a head,
//   g = grad + weightDecay · p            (L2 added to the gradient)
//   v = momentum · v + g                  (v starts at 0, so the first step
//                                          gives v = g, torch's clone)
//   p = p − lr · (momentum > 0 ? v : g)
//
// Layout: params, grads, velocity [count] f32 in the parameter buffer's
// layout (dense_forward.wgsl).
// Invocations: one per parameter, folded into a 2-D grid.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  count: u32,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (i >= params.count) { return; }
  let p = weights[i];
  var g = grads[i] + params.weightDecay * p;
  if (params.momentum != 0.0) {
    let v = params.momentum * velocity[i] + g;
    velocity[i] = v;
    g = v;
  }
  weights[i] = p - params.lr * g;
}
