// adam_step: one step of torch.optim.Adam (amsgrad off) over every
// parameter of a head, with t the step number (1 on the first step):
//   g = grad + weightDecay · p            (L2 added to the gradient, as torch's Adam)
//   m = β1 · m + (1 − β1) · g
//   v = β2 · v + (1 − β2) · g²
//   p = p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
// in torch's order of operations. t is read from stats[2], which the loss
// kernel (softmax_cross_entropy.wgsl) advances each step, so many steps can
// be encoded in one command buffer with no uniform rewritten in between.
// 1 − βᵗ is −expm1(t · ln β) with ln β from the host in float64 (torch takes
// it in double): 1 − pow(β, t) in f32 cancels, 1 − 0.999 keeping only 4
// digits, and β = 0.999 rounded to f32 is off by 1e-8, 1e-5 of 1 − β.
// For the same reason 1 − β comes from the host too (torch's alpha = 1 − β,
// in double). expm1 comes from float_math.wgsl, prepended.
//
// Layout: params, grads, m, v [count] f32 in the parameter buffer's layout
// (dense_forward.wgsl); stats [3] f32.
// Invocations: one per parameter, folded into a 2-D grid.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  count: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  logBeta1: f32,
  logBeta2: f32,
  eps: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (i >= params.count) { return; }
  let t = stats[2];
  let p = weights[i];
  let g = grads[i] + params.weightDecay * p;
  let mi = params.beta1 * m[i] + params.oneMinusBeta1 * g;
  let vi = params.beta2 * v[i] + params.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  let correction1 = -expm1(t * params.logBeta1);
  let correction2 = -expm1(t * params.logBeta2);
  let denom = sqrt(vi) / sqrt(correction2) + params.eps;
  weights[i] = p - (params.lr / correction1) * mi / denom;
}
