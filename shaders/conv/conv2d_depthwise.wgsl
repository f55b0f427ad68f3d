// conv2d_depthwise: output = epilogue(depthwise conv2d(input, weight)) for
// groups == inChannels; each input channel c feeds `multiplier` output
// channels c·multiplier .. c·multiplier + multiplier − 1 (MobileNet uses 1).
//
// Layouts: input NHWC [batch][inHeight][inWidth][inChannels]; output NHWC
// pixels with channelStride channels, this conv writing channels
// [channelOffset, channelOffset + outChannels); residual NHWC contiguous
// [pixels][outChannels]; bias [outChannels].
// weight: [kernelHeight][kernelWidth][blocks] of vec4 — output channels in
// blocks of 4, the last channelBlock zero-padded — then as many padding terms
// 0 · weight (0, or NaN for a NaN or ±∞ weight): an out-of-image tap adds its
// term instead of multiplying zeros, because PyTorch multiplies the zero
// padding too and a non-finite weight makes the output NaN there as well.
//
// Mapping: one invocation per (output pixel, channelBlock of 4 output channels),
// vectorized over the 4 channels: a vec4 of weights times the 4 inputs they
// read, blocks fastest so neighbouring invocations read neighbouring channels.
// The 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE, and the epilogue's.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  inChannels: u32,
  outHeight: u32,
  outWidth: u32,
  outChannels: u32,
  multiplier: u32,
  kernelHeight: u32,
  kernelWidth: u32,
  strideH: u32,
  strideW: u32,
  dilationH: u32,
  dilationW: u32,
  padTop: u32,
  padLeft: u32,
  blockCount: u32,
  channelStride: u32,
  channelOffset: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let channelBlock = index % params.blockCount;
  let pixel = index / params.blockCount;
  let ox = pixel % params.outWidth;
  let oy = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);
  let firstChannel = channelBlock * 4u;
  let lanes = min(4u, params.outChannels - firstChannel);
  // input channel of each lane; lanes past the end re-read the last channel (their weights are 0)
  let last = params.outChannels - 1u;
  let sourceChannel = vec4<u32>(firstChannel, min(firstChannel + 1u, last), min(firstChannel + 2u, last),
                                min(firstChannel + 3u, last)) / params.multiplier;

  let paddingBase = params.kernelHeight * params.kernelWidth * params.blockCount;
  var acc = vec4<f32>(0.0);
  for (var ky = 0u; ky < params.kernelHeight; ky++) {
    let iy = i32(oy * params.strideH + ky * params.dilationH) - i32(params.padTop);
    let rowInside = iy >= 0 && iy < i32(params.inHeight);
    for (var kx = 0u; kx < params.kernelWidth; kx++) {
      let ix = i32(ox * params.strideW + kx * params.dilationW) - i32(params.padLeft);
      if (!rowInside || ix < 0 || ix >= i32(params.inWidth)) {
        acc += weight[paddingBase + (ky * params.kernelWidth + kx) * params.blockCount + channelBlock];
        continue;
      }
      let base = ((n * params.inHeight + u32(iy)) * params.inWidth + u32(ix)) * params.inChannels;
      let x = vec4<f32>(input[base + sourceChannel.x], input[base + sourceChannel.y],
                        input[base + sourceChannel.z], input[base + sourceChannel.w]);
      acc += x * weight[(ky * params.kernelWidth + kx) * params.blockCount + channelBlock];
    }
  }

  for (var j = 0u; j < lanes; j++) {
    let channel = firstChannel + j;
    var v = acc[j];
    if (HAS_BIAS) { v += bias[channel]; }
    if (HAS_RESIDUAL) { v += residual[pixel * params.outChannels + channel]; }
    output[pixel * params.channelStride + params.channelOffset + channel] = activate(v);
  }
}
