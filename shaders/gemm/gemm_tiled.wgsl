// gemm_tiled: output = epilogue(A · B), batched, optionally split along K.
//
// A: [batch][M][K] row-major, batch g starts at g·aBatchStride.
// B: [batch][K][N] row-major, batch g starts at g·bBatchStride.
// Result (m, n) of batch g is channel c = g·N + n of row m, written to
// output[m·ldc + colOffset + c] (plus s·sliceStride, below): ldc and
// colOffset let a conv write its groups side by side and a concat producer
// write its channel slice. bias[c] and residual[m·residualStride + c] feed
// the shared epilogue.
// Split-K: K is cut into slices of kSlice elements (kSlice = K: one slice);
// slice s sums only its K range and writes at output + s·sliceStride. The
// TS side runs a split GEMM with no epilogue into partials and sums them
// with split_k_reduce.wgsl, which applies the epilogue.
//
// Mapping: a workgroup of WG_X × WG_Y invocations computes a
// (4·WG_Y) × (4·WG_X) tile of the output for one batch and K slice; each
// invocation a 4 × 4 register block (rows ty·4.., columns tx·4..). x is the
// column tile; y and z number (row tile, batch, slice), see gemm_grid.wgsl.
// K advances TILE_K at a time through workgroup memory; each invocation
// loads runs of 4 consecutive elements.
// This file takes any M, N, K (scalar loads with bounds checks);
// gemm_tiled_vec4.wgsl is the same algorithm with vec4 loads and stores for
// K, N, ldc, colOffset all multiples of 4.
// Overrides: WG_X, WG_Y, TILE_K (a multiple of 4), and the epilogue's.

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override TILE_M: u32 = WG_Y * 4u;
override TILE_N: u32 = WG_X * 4u;
override TILE_A_LEN: u32 = TILE_M * TILE_K;
override TILE_B_LEN: u32 = TILE_K * TILE_N;

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
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

var<workgroup> tileA: array<f32, TILE_A_LEN>;
var<workgroup> tileB: array<f32, TILE_B_LEN>;

// kEnd: the end of this slice's K range
fn loadA(batchBase: u32, row: u32, col: u32, kEnd: u32) -> f32 {
  if (row < params.m && col < kEnd) { return a[batchBase + row * params.k + col]; }
  return 0.0;
}

fn loadB(batchBase: u32, row: u32, col: u32, kEnd: u32) -> f32 {
  if (row < kEnd && col < params.n) { return b[batchBase + row * params.n + col]; }
  return 0.0;
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
  let aBase = place.batch * params.aBatchStride;
  let bBase = place.batch * params.bBatchStride;
  let kBegin = place.slice * params.kSlice;
  let kEnd = min(params.k, kBegin + params.kSlice);

  var acc: array<vec4<f32>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    // A tile: TILE_M rows × TILE_K columns, in runs of 4 along K
    for (var run = flat; run < TILE_M * TILE_K / 4u; run += threads) {
      let r = run / (TILE_K / 4u);
      let c = (run % (TILE_K / 4u)) * 4u;
      for (var j = 0u; j < 4u; j++) {
        tileA[r * TILE_K + c + j] = loadA(aBase, rowBase + r, k0 + c + j, kEnd);
      }
    }
    // B tile: TILE_K rows × TILE_N columns, in runs of 4 along N
    for (var run = flat; run < TILE_K * TILE_N / 4u; run += threads) {
      let r = run / (TILE_N / 4u);
      let c = (run % (TILE_N / 4u)) * 4u;
      for (var j = 0u; j < 4u; j++) {
        tileB[r * TILE_N + c + j] = loadB(bBase, k0 + r, colBase + c + j, kEnd);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let col = k * TILE_N + lid.x * 4u;
      let bv = vec4<f32>(tileB[col], tileB[col + 1u], tileB[col + 2u], tileB[col + 3u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tileA[(lid.y * 4u + i) * TILE_K + k] * bv;
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = rowBase + lid.y * 4u + i;
    if (row >= params.m) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = colBase + lid.x * 4u + j;
      if (n >= params.n) { break; }
      let channel = place.batch * params.n + n;
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[channel]; }
      if (HAS_RESIDUAL) { v += residual[row * params.residualStride + channel]; }
      output[row * params.ldc + params.colOffset + place.slice * params.sliceStride + channel] = activate(v);
    }
  }
}
