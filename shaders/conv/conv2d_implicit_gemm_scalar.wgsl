// conv2d_implicit_gemm_scalar: conv2d_implicit_gemm.wgsl (read its header for
// the GEMM, the layouts, the grid, split-K and the uniforms) for every shape the vec4
// file does not take: any inPerGroup (the RGB stem's 3, odd and grouped
// channel counts), N, ldc and colOffset, with scalar loads and stores.
// The cheap path for few channels: an invocation decodes its first A
// column's (ky, kx, c) once, then reaches the run's next 3 columns and the
// next K step by carrying c into kx and kx into ky — no division per
// element. Weight rows from K up to bBatchStride / N (im2col's zero padding
// to a multiple of 4) are never read.
// The input is read through the element strides inStrideN/H/W/C of its
// image, row, column and channel axes, so one pipeline reads NHWC
// activations and an NCHW graph input as given (no permute before the stem).
//
// Mapping: as gemm_tiled — WG_X × WG_Y invocations per (4·WG_Y) × (4·WG_X)
// output tile, each a 4 × 4 register block, loads in runs of 4 consecutive
// elements; K runs over [kBegin, kEnd) of its slice (split-K as in the vec4 file).
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
  inStrideN: u32,
  inStrideH: u32,
  inStrideW: u32,
  inStrideC: u32,
  bBatchStride: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
  kSlice: u32,
  sliceStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

var<workgroup> tileA: array<f32, TILE_A_LEN>;
var<workgroup> tileB: array<f32, TILE_B_LEN>;
// per tile row: (oy·strideH − padTop, ox·strideW − padLeft, n·inStrideN);
// rows past M get an origin no tap can bring inside the input
var<workgroup> rowOrigin: array<vec3<i32>, TILE_M>;

const OUTSIDE: i32 = -0x40000000;

// (c, kx, ky) of the column `step` further along K
fn advance(tap: vec3<u32>, step: u32) -> vec3<u32> {
  var t = tap;
  t.x += step;
  while (t.x >= params.inPerGroup) {
    t.x -= params.inPerGroup;
    t.y += 1u;
    if (t.y == params.kernelWidth) { t.y = 0u; t.z += 1u; }
  }
  return t;
}

fn loadA(o: vec3<i32>, tap: vec3<u32>, groupBase: u32) -> f32 {
  let iy = o.x + i32(tap.z * params.dilationH);
  let ix = o.y + i32(tap.y * params.dilationW);
  if (iy < 0 || iy >= i32(params.inHeight) || ix < 0 || ix >= i32(params.inWidth)) { return 0.0; }
  return input[u32(o.z) + u32(iy) * params.inStrideH + u32(ix) * params.inStrideW + (groupBase + tap.x) * params.inStrideC];
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
  let groupBase = wid.z * params.inPerGroup;
  let bBase = wid.z * params.bBatchStride;

  for (var r = flat; r < TILE_M; r += threads) {
    let row = rowBase + r;
    var origin = vec3<i32>(OUTSIDE, OUTSIDE, 0);
    if (row < params.m) {
      let ox = row % params.outWidth;
      let oy = (row / params.outWidth) % params.outHeight;
      let image = row / (params.outWidth * params.outHeight);
      origin = vec3<i32>(i32(oy * params.strideH) - i32(params.padTop), i32(ox * params.strideW) - i32(params.padLeft),
                         i32(image * params.inStrideN));
    }
    rowOrigin[r] = origin;
  }

  let kBegin = slice * params.kSlice;
  let kEnd = min(params.k, kBegin + params.kSlice);
  // this invocation's first A column within every tile, and its (c, kx, ky) at the first step
  let c4 = flat % (TILE_K / 4u);
  let k = kBegin + c4 * 4u;
  var tap = vec3<u32>(k % params.inPerGroup, (k / params.inPerGroup) % params.kernelWidth, k / (params.inPerGroup * params.kernelWidth));
  workgroupBarrier();

  var acc: array<vec4<f32>, 4>;
  for (var k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
    // the run's 4 columns, with how many of them lie inside K
    let col = k0 + c4 * 4u;
    let inside = min(select(0u, kEnd - col, col < kEnd), 4u);
    let tap1 = advance(tap, 1u);
    let tap2 = advance(tap1, 1u);
    let tap3 = advance(tap2, 1u);
    for (var run = flat; run < TILE_M * TILE_K / 4u; run += threads) {
      let r = run / (TILE_K / 4u);
      let o = rowOrigin[r];
      let at = r * TILE_K + c4 * 4u;
      tileA[at] = select(0.0, loadA(o, tap, groupBase), inside > 0u);
      tileA[at + 1u] = select(0.0, loadA(o, tap1, groupBase), inside > 1u);
      tileA[at + 2u] = select(0.0, loadA(o, tap2, groupBase), inside > 2u);
      tileA[at + 3u] = select(0.0, loadA(o, tap3, groupBase), inside > 3u);
    }
    for (var run = flat; run < TILE_K * TILE_N / 4u; run += threads) {
      let r = run / (TILE_N / 4u);
      let c = (run % (TILE_N / 4u)) * 4u;
      let row = k0 + r;
      for (var j = 0u; j < 4u; j++) {
        var v = 0.0;
        if (row < kEnd && colBase + c + j < params.n) { v = weight[bBase + row * params.n + colBase + c + j]; }
        tileB[r * TILE_N + c + j] = v;
      }
    }
    tap = advance(tap, TILE_K);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let at = kk * TILE_N + lid.x * 4u;
      let bv = vec4<f32>(tileB[at], tileB[at + 1u], tileB[at + 2u], tileB[at + 3u]);
      for (var i = 0u; i < 4u; i++) {
        acc[i] += tileA[(lid.y * 4u + i) * TILE_K + kk] * bv;
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
      let channel = wid.z * params.n + n;
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[channel]; }
      if (HAS_RESIDUAL) { v += residual[row * params.residualStride + channel]; }
      output[slice * params.sliceStride + row * params.ldc + params.colOffset + channel] = activate(v);
    }
  }
}
