// arg_reduce: out[i] = the index of the largest (or smallest) element along
// one axis, as a float32-exact integer
//
// Each invocation makes one output element. The kept walk (dims; inStrides,
// outStrides; shaders/common/strided_index.wgsl, prepended) enumerates the
// output elements and gives, for each, its first input element and its place
// in the output, in any layout. The reduced axis is `count` elements of
// `axisStride` apart. Ties go to the first index, or to the last with
// SELECT_LAST (ONNX's select_last_index). As torch.argmax/argmin, a NaN
// beats every number (the first NaN, or the last with SELECT_LAST), tested
// on the bits (isNanBits, shaders/common/nan.wgsl, prepended).
// The host keeps `count` below 2^24, so the index is exact in float32.
// Overrides: WORKGROUP_SIZE; ARGMIN 0 argmax, 1 argmin; SELECT_LAST 0 first
// index among equals, 1 last.

override WORKGROUP_SIZE: u32 = 64u;
override ARGMIN: u32 = 0u;
override SELECT_LAST: u32 = 0u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  inStrides0: vec4<i32>,
  inStrides1: vec4<i32>,
  outStrides0: vec4<i32>,
  outStrides1: vec4<i32>,
  axisStride: i32,
  count: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

// does x replace the best so far? a NaN over any number; strictly better, or equal when the last index wins
fn wins(x: f32, best: f32) -> bool {
  let xNan = isNanBits(x);
  if (isNanBits(best)) { return xNan && SELECT_LAST == 1u; }
  if (xNan) { return true; }
  let better = select(x > best, x < best, ARGMIN == 1u);
  return better || (SELECT_LAST == 1u && x == best);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let coords = unravel(index, params.dims0, params.dims1);
  let base = i32(view_offset(coords, params.inStrides0, params.inStrides1, 0i));
  var best = input[base];
  var at = 0u;
  for (var r = 1u; r < params.count; r++) {
    let x = input[base + i32(r) * params.axisStride];
    if (wins(x, best)) {
      best = x;
      at = r;
    }
  }
  output[view_offset(coords, params.outStrides0, params.outStrides1, 0i)] = f32(at);
}
