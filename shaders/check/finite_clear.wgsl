// finite_clear: counts[i] = 0 for i < words
//
// Zeroes the counters of a finite check (finite.wgsl) inside the run's
// compute pass, so the check needs no clearBuffer outside it. One workgroup;
// invocation t clears words t, t + WORKGROUP_SIZE, … (a check holds 3 words
// per tensor, a handful of tensors).
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  words: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> counts: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32) {
  for (var i = lid; i < params.words; i += WORKGROUP_SIZE) {
    counts[i] = 0u;
  }
}
