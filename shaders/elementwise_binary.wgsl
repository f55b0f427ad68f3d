// elementwise_binary: out[i] = activate(a[view_a(i)] OP b[view_b(i)])
//
// The output is written contiguously, in its storage order; the walk over
// its axes (up to 8, shaders/common/strided_index.wgsl, prepended) gives
// each operand's element through that operand's own strides: 0 on an axis
// it broadcasts along, NHWC or row-major as it is stored. N×H×W×C op
// N×1×1×C (squeeze-and-excitation) gives b the strides (C, 0, 0, 1); a
// scalar all zeros; a row-major [3, 4, 5] plus [5] the strides (0, 0, 1).
// The 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index (shaders/common/
// linear_index.wgsl). activate() comes from the epilogue chunk prepended
// to this file (shaders/common/epilogue.wgsl); its HAS_BIAS/HAS_RESIDUAL
// are unused here.
// Overrides: WORKGROUP_SIZE; OP 0 add, 1 sub, 2 mul, 3 div, 4 prelu (x ≥ 0 ? x : x·y,
// y the per-channel slopes), 5 pow (powOnnx, shaders/common/float_math.wgsl),
// 6 min, 7 max (NaN when either is NaN); ACTIVATION, ACT_ALPHA, ACT_BETA.

override WORKGROUP_SIZE: u32 = 64u;
override OP: u32 = 0u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  aStrides0: vec4<i32>,
  aStrides1: vec4<i32>,
  bStrides0: vec4<i32>,
  bStrides1: vec4<i32>,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

fn combine(x: f32, y: f32) -> f32 {
  switch OP {
    case 1u: { return x - y; }
    case 2u: { return x * y; }
    case 3u: { return x / y; }
    case 4u: { return select(x * y, x, x >= 0.0); }
    case 5u: { return powOnnx(x, y); }
    case 6u: { return minNan(x, y); }
    case 7u: { return maxNan(x, y); }
    default: { return x + y; }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let coords = unravel(index, params.dims0, params.dims1);
  let x = a[view_offset(coords, params.aStrides0, params.aStrides1, 0i)];
  let y = b[view_offset(coords, params.bStrides0, params.bStrides1, 0i)];
  output[index] = activate(combine(x, y));
}
