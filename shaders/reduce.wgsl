// reduce: out[i] = R over the reduced elements of one output element
//
// Each invocation makes one output element, written contiguously in the
// output's storage order. Two strided walks (shaders/common/
// strided_index.wgsl, prepended) find its inputs: the kept walk (dims,
// inStrides) gives the first input element of output element i, the
// reduced walk (rdims, rStrides; `count` elements) steps through the
// elements it reduces, so any set of axes of any layout reduces in one pass.
// NaN propagates through every op (max/min included, via maxNan/minNan from
// the prepended shaders/common/nan.wgsl).
// Overrides: WORKGROUP_SIZE; OP 0 sum, 1 mean, 2 max, 3 min, 4 prod, 5 L1
// (Σ|x|), 6 L2 (√Σx²), 7 log-sum (log Σx), 8 log-sum-exp (max-shifted, so
// it never overflows), 9 sum of squares.

override WORKGROUP_SIZE: u32 = 64u;
override OP: u32 = 0u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  inStrides0: vec4<i32>,
  inStrides1: vec4<i32>,
  rdims0: vec4<u32>,
  rdims1: vec4<u32>,
  rStrides0: vec4<i32>,
  rStrides1: vec4<i32>,
  count: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

fn element(base: u32, r: u32) -> f32 {
  let coords = unravel(r, params.rdims0, params.rdims1);
  return input[view_offset(coords, params.rStrides0, params.rStrides1, i32(base))];
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let base = view_offset(unravel(index, params.dims0, params.dims1), params.inStrides0, params.inStrides1, 0i);
  let n = params.count;
  // every reduction has an element 0: it seeds max, min and prod without infinity literals
  let first = element(base, 0u);
  var acc: f32;
  switch OP {
    case 2u: {
      acc = first;
      for (var r = 1u; r < n; r++) { acc = maxNan(acc, element(base, r)); }
    }
    case 3u: {
      acc = first;
      for (var r = 1u; r < n; r++) { acc = minNan(acc, element(base, r)); }
    }
    case 4u: {
      acc = first;
      for (var r = 1u; r < n; r++) { acc *= element(base, r); }
    }
    case 5u: {
      acc = 0.0;
      for (var r = 0u; r < n; r++) { acc += abs(element(base, r)); }
    }
    case 6u, 9u: {
      acc = 0.0;
      for (var r = 0u; r < n; r++) { let x = element(base, r); acc += x * x; }
      if (OP == 6u) { acc = sqrt(acc); }
    }
    case 8u: {
      var top = first;
      for (var r = 1u; r < n; r++) { top = maxNan(top, element(base, r)); }
      var sum = 0.0;
      for (var r = 0u; r < n; r++) { sum += exp(element(base, r) - top); }
      // a row whose max is ±∞ or NaN: log Σ exp is that max itself (or NaN)
      acc = select(top + log(sum), top, !isFiniteBits(top));
    }
    default: {
      acc = 0.0;
      for (var r = 0u; r < n; r++) { acc += element(base, r); }
      if (OP == 1u) { acc = acc / f32(n); }
      if (OP == 7u) { acc = log(acc); }
    }
  }
  output[index] = acc;
}
