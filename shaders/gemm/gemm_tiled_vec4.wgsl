// gemm_tiled_vec4: output = epilogue(A · B), batched, optionally split along
// K, with vec4 loads and stores. The algorithm, layouts, split-K and
// uniforms are those of gemm_tiled.wgsl (read its header); here K, N, ldc,
// colOffset, the batch strides, residualStride, kSlice and sliceStride must
// all be multiples of 4, and every uniform stays in scalar elements (the
// shader divides by 4 where it indexes vec4s).
//
// Mapping: WG_X × WG_Y invocations per (4·WG_Y) × (4·WG_X) output tile of one
// batch and K slice (x: column tile; y, z: see gemm_grid.wgsl); each
// invocation keeps a 4 × 4 register block as four vec4 rows.
// Overrides: WG_X, WG_Y, TILE_K (a multiple of 4), and the epilogue's.

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override TILE_M: u32 = WG_Y * 4u;
override TILE_N: u32 = WG_X * 4u;
override TILE_A_LEN: u32 = TILE_M * TILE_K;
override TILE_B_LEN4: u32 = TILE_K * TILE_N / 4u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  aBatchStride: u32,
  bBatchStride: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
  batch: u32,
  kSlice: u32,
  sliceStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> output: array<vec4<f32>>;

var<workgroup> tileA: array<f32, TILE_A_LEN>;
var<workgroup> tileB: array<vec4<f32>, TILE_B_LEN4>;

fn activate4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let slices = (params.k + params.kSlice - 1u) / params.kSlice;
  let place = gemm_place(wid, groups, (params.m + TILE_M - 1u) / TILE_M, params.batch, slices);
  if (!place.valid) { return; }
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  let rowBase = place.rowTile * TILE_M;
  let colBase = wid.x * TILE_N;
  let aBase4 = place.batch * params.aBatchStride / 4u;
  let bBase4 = place.batch * params.bBatchStride / 4u;
  let k4 = params.k / 4u;
  let n4 = params.n / 4u;
  let kBegin = place.slice * params.kSlice;
  let kEnd = min(params.k, kBegin + params.kSlice);
  let kEnd4 = kEnd / 4u;

  var acc: array<vec4<f32>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    for (var run = flat; run < TILE_M * TILE_K / 4u; run += threads) {
      let r = run / (TILE_K / 4u);
      let c4 = run % (TILE_K / 4u);
      let row = rowBase + r;
      let col4 = k0 / 4u + c4;
      var v = vec4<f32>(0.0);
      if (row < params.m && col4 < kEnd4) { v = a[aBase4 + row * k4 + col4]; }
      let at = r * TILE_K + c4 * 4u;
      tileA[at] = v.x;
      tileA[at + 1u] = v.y;
      tileA[at + 2u] = v.z;
      tileA[at + 3u] = v.w;
    }
    for (var run = flat; run < TILE_B_LEN4; run += threads) {
      let r = run / (TILE_N / 4u);
      let c4 = run % (TILE_N / 4u);
      let row = k0 + r;
      let col4 = colBase / 4u + c4;
      var v = vec4<f32>(0.0);
      if (row < kEnd && col4 < n4) { v = b[bBase4 + row * n4 + col4]; }
      tileB[run] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let bv = tileB[k * (TILE_N / 4u) + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tileA[(lid.y * 4u + i) * TILE_K + k] * bv;
      }
    }
    workgroupBarrier();
  }

  let col4 = colBase / 4u + lid.x;
  if (col4 >= n4) { return; }
  let channel4 = place.batch * n4 + col4;
  for (var i = 0u; i < 4u; i++) {
    let row = rowBase + lid.y * 4u + i;
    if (row >= params.m) { break; }
    var v = acc[i];
    if (HAS_BIAS) { v += bias[channel4]; }
    if (HAS_RESIDUAL) { v += residual[row * params.residualStride / 4u + channel4]; }
    output[(row * params.ldc + params.colOffset + place.slice * params.sliceStride) / 4u + channel4] = activate4(v);
  }
}
