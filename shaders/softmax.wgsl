// softmax: out[r, i] = exp(x[r, i] − max_j x[r, j]) / Σ_j exp(x[r, j] − max_j x[r, j])
//
// Softmax over the last axis of a contiguous [rows, length] tensor; the row
// max is subtracted first so exp never overflows. One workgroup per row:
// its invocations stride over the row (invocation t reads t, t + WG, ...),
// then reduce their partial max, and afterwards their partial sum, as a
// tree in workgroup memory; a third strided pass writes the outputs. Rows
// are folded into a 2-D grid of workgroups (row = wid.y · groups.x + wid.x,
// workgroup_index from the prepended shaders/common/linear_index.wgsl)
// because one grid dimension holds at most 65,535 of them.
// NaN and ±∞ follow PyTorch: a row holding a NaN or a +∞ (exp(∞ − ∞)), or
// only −∞, is all NaN; other −∞ entries give 0. That is exactly the rows
// whose max is not finite, so the max is NaN-propagating and a row with a
// non-finite max is written as NaN (helpers from the prepended
// shaders/common/nan.wgsl; exp of a NaN need not be NaN on every driver).
// With LOG = 1 it writes log-softmax instead, x − max − log Σ exp(x − max),
// which stays finite where the softmax itself underflows to 0.
// Overrides: WORKGROUP_SIZE, a power of two (the tree halves it); LOG 0 or 1.

override WORKGROUP_SIZE: u32 = 64u;
override LOG: u32 = 0u;

struct Params {
  rows: u32,
  length: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

var<workgroup> scratch: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = workgroup_index(wid, groups);
  // the same for the whole workgroup, so the barriers below stay uniform
  if (row >= params.rows) { return; }
  let base = row * params.length;

  // every row has an element 0, so it seeds the max without an infinity literal
  var partialMax = input[base];
  for (var i = lid; i < params.length; i += WORKGROUP_SIZE) {
    partialMax = maxNan(partialMax, input[base + i]);
  }
  scratch[lid] = partialMax;
  workgroupBarrier();
  for (var s = WORKGROUP_SIZE / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = maxNan(scratch[lid], scratch[lid + s]); }
    workgroupBarrier();
  }
  let rowMax = scratch[0];
  // everyone has read the max before scratch is reused for the sum
  workgroupBarrier();

  var partialSum = 0.0;
  for (var i = lid; i < params.length; i += WORKGROUP_SIZE) {
    partialSum += exp(input[base + i] - rowMax);
  }
  scratch[lid] = partialSum;
  workgroupBarrier();
  for (var s = WORKGROUP_SIZE / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = scratch[lid] + scratch[lid + s]; }
    workgroupBarrier();
  }
  let inverseSum = 1.0 / scratch[0];
  let logSum = log(scratch[0]);
  let nanRow = !isFiniteBits(rowMax);

  for (var i = lid; i < params.length; i += WORKGROUP_SIZE) {
    let shifted = input[base + i] - rowMax;
    let value = select(exp(shifted) * inverseSum, shifted - logSum, LOG == 1u);
    output[base + i] = select(value, quietNan(), nanRow);
  }
}
