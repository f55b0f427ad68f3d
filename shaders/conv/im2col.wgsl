// im2col: lays every conv input window out as one row of a matrix, so the
// conv becomes the GEMM  columns · weight  (see gemm_tiled.wgsl).
//
// input: NHWC [batch][inHeight][inWidth][inChannels].
// columns: [groups][rows][kPadded] with rows = batch·outHeight·outWidth
// (one per output pixel) and column k = (ky·kernelWidth + kx)·inPerGroup + ci
// for k < kPerGroup; taps that fall in the padding, and the columns from
// kPerGroup up to kPadded (a multiple of 4, for vec4 GEMM loads), are 0.
//
// Mapping: one invocation per element of columns, in memory order, so writes
// are coalesced and neighbouring invocations read neighbouring channels; the
// 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  inChannels: u32,
  outHeight: u32,
  outWidth: u32,
  kernelWidth: u32,
  strideH: u32,
  strideW: u32,
  dilationH: u32,
  dilationW: u32,
  padTop: u32,
  padLeft: u32,
  inPerGroup: u32,
  kPerGroup: u32,
  kPadded: u32,
  rows: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> columns: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let k = index % params.kPadded;
  let row = (index / params.kPadded) % params.rows;
  let groupIndex = index / (params.kPadded * params.rows);
  var value = 0.0;
  if (k < params.kPerGroup) {
    let ci = k % params.inPerGroup;
    let tap = k / params.inPerGroup;
    let kx = tap % params.kernelWidth;
    let ky = tap / params.kernelWidth;
    let ox = row % params.outWidth;
    let oy = (row / params.outWidth) % params.outHeight;
    let n = row / (params.outWidth * params.outHeight);
    let iy = i32(oy * params.strideH + ky * params.dilationH) - i32(params.padTop);
    let ix = i32(ox * params.strideW + kx * params.dilationW) - i32(params.padLeft);
    if (iy >= 0 && iy < i32(params.inHeight) && ix >= 0 && ix < i32(params.inWidth)) {
      value = input[((n * params.inHeight + u32(iy)) * params.inWidth + u32(ix)) * params.inChannels + groupIndex * params.inPerGroup + ci];
    }
  }
  columns[index] = value;
}
