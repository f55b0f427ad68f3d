// finite: counts the NaN, +∞ and −∞ elements of one f32 tensor, by their bits
//   counts[3·slot] += NaNs, counts[3·slot + 1] += +∞s, counts[3·slot + 2] += −∞s
// The scan behind a run's checkFinite option (src/graph/check_finite.ts):
// WGSL lets a driver assume floats are finite, so a kernel's NaN handling
// cannot be guaranteed, but integer tests on the raw words can.
//
// Layout: values is the tensor read as raw 32-bit words, `elements` of them
// (f32 only); counts holds 3 u32 per tensor slot, zeroed beforehand by
// finite_clear.wgsl in the same pass.
// Mapping: a grid-stride loop (invocation i reads elements i, i + stride, …
// with stride = every invocation of the dispatch, so neighbours read
// neighbouring words); each workgroup sums its invocations' counts in
// workgroup atomics, then one invocation adds the non-zero sums to counts.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  elements: u32,
  slot: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> values: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

// workgroup memory starts zeroed: NaN, +∞, −∞
var<workgroup> tally: array<atomic<u32>, 3>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let stride = groups.x * WORKGROUP_SIZE;
  var nans = 0u;
  var positive = 0u;
  var negative = 0u;
  for (var i = gid.x; i < params.elements; i += stride) {
    let bits = values[i];
    let magnitude = bits & 0x7fffffffu;
    // exponent all ones: NaN with a non-zero mantissa, an infinity without; the sign bit tells ±∞
    if (magnitude > 0x7f800000u) {
      nans += 1u;
    } else if (magnitude == 0x7f800000u) {
      if (bits == magnitude) { positive += 1u; } else { negative += 1u; }
    }
  }
  if (nans > 0u) { atomicAdd(&tally[0], nans); }
  if (positive > 0u) { atomicAdd(&tally[1], positive); }
  if (negative > 0u) { atomicAdd(&tally[2], negative); }
  workgroupBarrier();
  if (lid == 0u) {
    for (var k = 0u; k < 3u; k++) {
      let n = atomicLoad(&tally[k]);
      if (n > 0u) { atomicAdd(&counts[3u * params.slot + k], n); }
    }
  }
}
