// top_k: the k largest (or smallest) elements along one axis, in order,
// and their indices
//
// Each invocation takes one input element of one row (a row is the `count`
// elements along the axis, `axisStride` apart) and counts the elements of
// its row that come before it: its rank. Ranks are unique — equal values
// are ordered by index, the lower first, as ONNX's TopK wants — so each of
// the k output slots is written by exactly one invocation, the element of
// rank < k, at `rank` along the output axis (`outAxisStride` apart).
// The kept walk (dims; inStrides, outStrides; shaders/common/
// strided_index.wgsl, prepended) enumerates the rows and gives each its
// first input and output element, in any layout. As torch.topk, a NaN
// ranks above every number (isNanBits from the prepended
// shaders/common/nan.wgsl). The host keeps `count` below 2^24, so the
// index is exact in float32.
// Overrides: WORKGROUP_SIZE; SMALLEST 0 largest first, 1 smallest first;
// INDICES 0 write the values, 1 write the indices.

override WORKGROUP_SIZE: u32 = 64u;
override SMALLEST: u32 = 0u;
override INDICES: u32 = 0u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  inStrides0: vec4<i32>,
  inStrides1: vec4<i32>,
  outStrides0: vec4<i32>,
  outStrides1: vec4<i32>,
  axisStride: i32,
  outAxisStride: i32,
  count: u32,
  k: u32,
  // the number of rows
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

// a > b in the order where NaN is above +∞ (and equal to NaN)
fn above(a: f32, b: f32) -> bool {
  let aNan = isNanBits(a);
  let bNan = isNanBits(b);
  if (aNan || bNan) { return aNan && !bNan; }
  return a > b;
}

// does element (x, j) come before element (y, i) in the output order?
fn before(x: f32, j: u32, y: f32, i: u32) -> bool {
  let first = select(above(x, y), above(y, x), SMALLEST == 1u);
  let tie = !above(x, y) && !above(y, x);
  return first || (tie && j < i);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  let n = params.count;
  if (index >= params.total * n) { return; }
  let row = index / n;
  let i = index % n;
  let coords = unravel(row, params.dims0, params.dims1);
  let base = i32(view_offset(coords, params.inStrides0, params.inStrides1, 0i));
  let y = input[base + i32(i) * params.axisStride];
  var rank = 0u;
  for (var j = 0u; j < n && rank < params.k; j++) {
    if (before(input[base + i32(j) * params.axisStride], j, y, i)) { rank++; }
  }
  if (rank >= params.k) { return; }
  let at = view_offset(coords, params.outStrides0, params.outStrides1, i32(rank) * params.outAxisStride);
  output[at] = select(y, f32(i), INDICES == 1u);
}
