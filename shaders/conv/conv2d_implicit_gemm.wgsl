// conv2d_implicit_gemm: a conv as the tiled GEMM  patches · weight  whose
// patch (A) tile is gathered from the NHWC input inside the K loop, so no
// im2col matrix is ever written. Output = epilogue(conv), as gemm_tiled_vec4.
//
// The GEMM, per group g (workgroup z):
//   M = batch·outHeight·outWidth output pixels (row m = (n·outHeight + oy)·outWidth + ox),
//   N = output channels per group, K = kernelHeight·kernelWidth·inPerGroup
//   in (ky, kx, c) order: A[m][k] = input[n][oy·strideH + ky·dilationH − padTop]
//   [ox·strideW + kx·dilationW − padLeft][g·inPerGroup + c], 0 in the padding.
// input: NHWC [batch][inHeight][inWidth][inChannels].
// weight (B): [groups][K][N], group g at g·bBatchStride (im2col's layout).
// output[m·ldc + colOffset + g·N + n] (a concat's channel slice), bias[g·N + n],
// residual[m·residualStride + g·N + n], through the shared epilogue.
// This file: inPerGroup, N, ldc, colOffset and residualStride multiples of 4,
// so a run of 4 consecutive k is 4 channels of one tap: one vec4 load.
// conv2d_implicit_gemm_scalar.wgsl takes every other shape.
//
// Mapping: as gemm_tiled_vec4 — WG_X × WG_Y invocations per (4·WG_Y) × (4·WG_X)
// output tile, each a 4 × 4 register block; TILE_K deep steps through
// workgroup memory. The (row tile, column tile) pairs are numbered
// column-tile-fastest and folded into workgroups x and y (one grid dimension
// holds at most 65,535); workgroups past the end return at once.
// Divisions stay out of the inner loops: each tile row's (n, oy, ox) is
// decoded once per workgroup into rowOrigin; each invocation loads the same
// 4 columns of every A tile (WG_X·WG_Y is a multiple of TILE_K/4), so it
// decodes its column's (ky, kx, c) once and advances it by TILE_K per step.
// Split-K: the (row tile, column tile) pairs repeat once per K slice of
// kSlice elements (a multiple of TILE_K; kSlice = K when unsplit), slice s
// running K over [s·kSlice, min(K, (s+1)·kSlice)) and storing at
// output + s·sliceStride; split, the TS side turns the epilogue off and
// points output at the partials, which split_k_reduce.wgsl sums.
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
  inHeight: u32,
  inWidth: u32,
  inChannels: u32,
  inPerGroup: u32,
  outHeight: u32,
  outWidth: u32,
  kernelWidth: u32,
  strideH: u32,
  strideW: u32,
  dilationH: u32,
  dilationW: u32,
  padTop: u32,
  padLeft: u32,
  bBatchStride: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
  kSlice: u32,
  sliceStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> output: array<vec4<f32>>;

var<workgroup> tileA: array<f32, TILE_A_LEN>;
var<workgroup> tileB: array<vec4<f32>, TILE_B_LEN4>;
// per tile row: (oy·strideH − padTop, ox·strideW − padLeft, n·inHeight·inWidth);
// rows past M get an origin no tap can bring inside the input
var<workgroup> rowOrigin: array<vec3<i32>, TILE_M>;

const OUTSIDE: i32 = -0x40000000;

fn activate4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) grid: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let colTiles = (params.n + TILE_N - 1u) / TILE_N;
  let rowTiles = (params.m + TILE_M - 1u) / TILE_M;
  let tilesPerSlice = colTiles * rowTiles;
  let slices = (params.k + params.kSlice - 1u) / params.kSlice;
  let tile = wid.y * grid.x + wid.x;
  if (tile >= tilesPerSlice * slices) { return; }
  let slice = tile / tilesPerSlice;
  let rowBase = ((tile % tilesPerSlice) / colTiles) * TILE_M;
  let colBase = (tile % colTiles) * TILE_N;
  let threads = WG_X * WG_Y;
  let flat = lid.y * WG_X + lid.x;
  let n4 = params.n / 4u;
  let inC4 = params.inChannels / 4u;
  let groupC4 = wid.z * params.inPerGroup / 4u;
  let bBase4 = wid.z * params.bBatchStride / 4u;

  for (var r = flat; r < TILE_M; r += threads) {
    let row = rowBase + r;
    var origin = vec3<i32>(OUTSIDE, OUTSIDE, 0);
    if (row < params.m) {
      let ox = row % params.outWidth;
      let oy = (row / params.outWidth) % params.outHeight;
      let image = row / (params.outWidth * params.outHeight);
      origin = vec3<i32>(i32(oy * params.strideH) - i32(params.padTop), i32(ox * params.strideW) - i32(params.padLeft),
                         i32(image * params.inHeight * params.inWidth));
    }
    rowOrigin[r] = origin;
  }

  let kBegin = slice * params.kSlice;
  let kEnd = min(params.k, kBegin + params.kSlice);
  // this invocation's A column within every tile, and its (ky, kx, c) at the first step
  let c4 = flat % (TILE_K / 4u);
  let k = kBegin + c4 * 4u;
  var c = k % params.inPerGroup;
  var kx = (k / params.inPerGroup) % params.kernelWidth;
  var ky = k / (params.inPerGroup * params.kernelWidth);
  workgroupBarrier();

  var acc: array<vec4<f32>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    let colOk = k0 + c4 * 4u < kEnd;
    let dy = i32(ky * params.dilationH);
    let dx = i32(kx * params.dilationW);
    for (var run = flat; run < TILE_M * TILE_K / 4u; run += threads) {
      let r = run / (TILE_K / 4u);
      let o = rowOrigin[r];
      let iy = o.x + dy;
      let ix = o.y + dx;
      var v = vec4<f32>(0.0);
      if (colOk && iy >= 0 && iy < i32(params.inHeight) && ix >= 0 && ix < i32(params.inWidth)) {
        v = input[u32(o.z + iy * i32(params.inWidth) + ix) * inC4 + groupC4 + c / 4u];
      }
      let at = r * TILE_K + c4 * 4u;
      tileA[at] = v.x;
      tileA[at + 1u] = v.y;
      tileA[at + 2u] = v.z;
      tileA[at + 3u] = v.w;
    }
    for (var run = flat; run < TILE_B_LEN4; run += threads) {
      let r = run / (TILE_N / 4u);
      let col4 = colBase / 4u + run % (TILE_N / 4u);
      let row = k0 + r;
      var v = vec4<f32>(0.0);
      if (row < kEnd && col4 < n4) { v = weight[bBase4 + row * n4 + col4]; }
      tileB[run] = v;
    }
    // the next step's column: TILE_K further along K, carried into kx and ky
    c += TILE_K;
    while (c >= params.inPerGroup) {
      c -= params.inPerGroup;
      kx += 1u;
      if (kx == params.kernelWidth) { kx = 0u; ky += 1u; }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let bv = tileB[kk * (TILE_N / 4u) + lid.x];
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tileA[(lid.y * 4u + i) * TILE_K + kk] * bv;
      }
    }
    workgroupBarrier();
  }

  let col4 = colBase / 4u + lid.x;
  if (col4 >= n4) { return; }
  let channel4 = wid.z * n4 + col4;
  for (var i = 0u; i < 4u; i++) {
    let row = rowBase + lid.y * 4u + i;
    if (row >= params.m) { break; }
    var v = acc[i];
    if (HAS_BIAS) { v += bias[channel4]; }
    if (HAS_RESIDUAL) { v += residual[row * params.residualStride / 4u + channel4]; }
    output[(slice * params.sliceStride + row * params.ldc + params.colOffset) / 4u + channel4] = activate4(v);
  }
}
