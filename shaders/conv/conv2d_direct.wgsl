// conv2d_direct: output = epilogue(conv2d(input, weight)), computed straight
// from the input window — no im2col matrix, no workgroup memory.
//
// Layouts: input NHWC [batch][inHeight][inWidth][inChannels], or NCHW (a
// graph input read as given): it is read through the element strides
// inStrideN/H/W/C of its image, row, column and channel axes; output NHWC
// pixels with channelStride channels each, this conv writing channels
// [channelOffset, channelOffset + outChannels); residual NHWC contiguous
// [pixels][outChannels]; bias [outChannels].
// weight: [kernelHeight][kernelWidth][inPerGroup][blocks] of vec4, where each
// group's outPerGroup channels are split into blocksPerGroup blocks of 4
// (the last zero-padded) and blocks = groups · blocksPerGroup. A channelBlock never
// spans two groups, so its 4 channels share one input window. After them,
// [kernelHeight][kernelWidth][blocks] of vec4 padding terms: 0 · Σ_ci weight,
// i.e. 0, or NaN where a weight of that tap is NaN or ±∞.
//
// Mapping: one invocation per (output pixel, channelBlock of 4 output channels),
// blocks fastest so neighbouring invocations read the same input pixels.
// The 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Padding, stride and dilation are uniforms. An out-of-image tap adds its
// padding term instead of multiplying zeros: PyTorch multiplies the zero
// padding too, so a NaN or ∞ weight makes the output NaN there as well.
// Overrides: WORKGROUP_SIZE, and the epilogue's.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  inChannels: u32,
  outHeight: u32,
  outWidth: u32,
  outChannels: u32,
  kernelHeight: u32,
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
  inPerGroup: u32,
  outPerGroup: u32,
  blocksPerGroup: u32,
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
  let blockCount = params.blockCount;
  let channelBlock = index % blockCount;
  let pixel = index / blockCount;
  let ox = pixel % params.outWidth;
  let oy = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);
  let groupIndex = channelBlock / params.blocksPerGroup;
  let firstChannel = groupIndex * params.outPerGroup + (channelBlock % params.blocksPerGroup) * 4u;
  let lanes = min(4u, (groupIndex + 1u) * params.outPerGroup - firstChannel);
  let inChannelBase = groupIndex * params.inPerGroup;

  let paddingBase = params.kernelHeight * params.kernelWidth * params.inPerGroup * blockCount;
  var acc = vec4<f32>(0.0);
  for (var ky = 0u; ky < params.kernelHeight; ky++) {
    let iy = i32(oy * params.strideH + ky * params.dilationH) - i32(params.padTop);
    let rowInside = iy >= 0 && iy < i32(params.inHeight);
    for (var kx = 0u; kx < params.kernelWidth; kx++) {
      let ix = i32(ox * params.strideW + kx * params.dilationW) - i32(params.padLeft);
      if (!rowInside || ix < 0 || ix >= i32(params.inWidth)) {
        acc += weight[paddingBase + (ky * params.kernelWidth + kx) * blockCount + channelBlock];
        continue;
      }
      let inBase = n * params.inStrideN + u32(iy) * params.inStrideH + u32(ix) * params.inStrideW + inChannelBase * params.inStrideC;
      let wBase = (ky * params.kernelWidth + kx) * params.inPerGroup * blockCount + channelBlock;
      for (var ci = 0u; ci < params.inPerGroup; ci++) {
        acc += input[inBase + ci * params.inStrideC] * weight[wBase + ci * blockCount];
      }
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
