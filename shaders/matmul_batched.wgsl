// matmul_batched: out[..., m, n] = Σ_k a[..., m, k] · b[..., k, n]
//
// Batched matrix products with numpy broadcasting of the batch axes (ONNX
// MatMul of rank > 2). One invocation per output element, written
// contiguously in the output's storage order; the walk (shaders/common/
// strided_index.wgsl, prepended) gives the first element of its row of a
// (stride 0 along n) and of its column of b (stride 0 along m), both in
// their own layouts and 0 on batch axes they broadcast along; the k loop
// then steps by aStrideK and bStrideK. A plain, readable kernel for the
// attention-style products of imported models; the convolutions and
// linear layers keep their tiled GEMM (shaders/gemm/).
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  dims0: vec4<u32>,
  dims1: vec4<u32>,
  aStrides0: vec4<i32>,
  aStrides1: vec4<i32>,
  bStrides0: vec4<i32>,
  bStrides1: vec4<i32>,
  aStrideK: u32,
  bStrideK: u32,
  depth: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let coords = unravel(index, params.dims0, params.dims1);
  let rowA = view_offset(coords, params.aStrides0, params.aStrides1, 0i);
  let columnB = view_offset(coords, params.bStrides0, params.bStrides1, 0i);
  var sum = 0.0;
  for (var k = 0u; k < params.depth; k++) {
    sum += a[rowA + k * params.aStrideK] * b[columnB + k * params.bStrideK];
  }
  output[index] = sum;
}
