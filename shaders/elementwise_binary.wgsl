// elementwise_binary: out[n, h, w, c] = activate(a[n, h, w, c] OP b[n, h, w, c])
//
// Both operands broadcast against a contiguous 4-D output of dims
// (d0, d1, d2, d3), NHWC for activations. Each operand is read through its
// own four element strides, 0 on an axis it broadcasts along: N×H×W×C op
// N×1×1×C (squeeze-and-excitation) gives b the strides (C, 0, 0, 1);
// a per-channel 1×1×1×C operand (0, 0, 0, 1); a scalar (0, 0, 0, 0).
// One invocation per output element, in output order; the 1-D index is
// folded into a 2-D grid of workgroups (geometry.ts linearWorkgroups) and
// unfolded by linear_index, from the prepended shaders/common/linear_index.wgsl.
// activate() comes from the epilogue chunk prepended to this file
// (shaders/common/epilogue.wgsl); its HAS_BIAS/HAS_RESIDUAL are unused here.
// Overrides: WORKGROUP_SIZE; OP 0 add, 1 sub, 2 mul, 3 div, 4 prelu (x ≥ 0 ? x : x·y,
// y the per-channel slopes), 5 pow (powOnnx, shaders/common/float_math.wgsl),
// 6 min, 7 max (NaN when either is NaN); ACTIVATION, ACT_ALPHA, ACT_BETA.

override WORKGROUP_SIZE: u32 = 64u;
override OP: u32 = 0u;

struct Params {
  dims: vec4<u32>,
  aStrides: vec4<u32>,
  bStrides: vec4<u32>,
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
  let d = params.dims;
  let i = vec4<u32>(index / (d.w * d.z * d.y), (index / (d.w * d.z)) % d.y, (index / d.w) % d.z, index % d.w);
  let x = a[dot(i, params.aStrides)];
  let y = b[dot(i, params.bStrides)];
  output[index] = activate(combine(x, y));
}
