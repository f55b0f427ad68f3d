// conv_transpose2d_direct: output = epilogue(conv_transpose2d(input, weight)),
// as a gather: each output element sums the input pixels and kernel taps
// that land on it, so no two invocations write one place (no atomics, no
// zero-fill pass).
//
// A tap (ky, kx) of input pixel (iy, ix) lands on output
//   (iy·strideH + ky·dilationH − padTop, ix·strideW + kx·dilationW − padLeft),
// so for output (oy, ox) a tap contributes when ty = oy + padTop − ky·dilationH
// is a non-negative multiple of strideH with ty / strideH < inHeight (same
// across). Pads are i32: ONNX's output_shape can make them negative.
//
// Layouts: input NHWC [batch][inHeight][inWidth][inChannels]; output NHWC
// pixels with channelStride channels each, this node writing channels
// [channelOffset, channelOffset + outChannels); bias [outChannels].
// weight: [kernelHeight][kernelWidth][inPerGroup][blocks] of vec4, where each
// group's outPerGroup channels are split into blocksPerGroup blocks of 4
// (the last zero-padded) and blocks = groups · blocksPerGroup; a block never
// spans two groups, so its 4 channels read the same input channels.
//
// Mapping: one invocation per (output pixel, block of 4 output channels),
// blocks fastest; the 1-D index is folded into a 2-D grid (geometry.ts
// linearWorkgroups) and unfolded by linear_index from
// shaders/common/linear_index.wgsl. Bias and activation come from the
// prepended shaders/common/epilogue.wgsl (HAS_RESIDUAL stays false: there is
// no residual binding). Overrides: WORKGROUP_SIZE, and the epilogue's.

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
  padTop: i32,
  padLeft: i32,
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
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// the input row (or column) a tap reads for output coordinate `o`, or -1 when it reads none
fn source(o: u32, pad: i32, k: u32, dilation: u32, stride: u32, size: u32) -> i32 {
  let t = i32(o) + pad - i32(k * dilation);
  if (t < 0 || u32(t) % stride != 0u) { return -1; }
  let i = u32(t) / stride;
  return select(-1, i32(i), i < size);
}

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

  var acc = vec4<f32>(0.0);
  for (var ky = 0u; ky < params.kernelHeight; ky++) {
    let iy = source(oy, params.padTop, ky, params.dilationH, params.strideH, params.inHeight);
    if (iy < 0) { continue; }
    for (var kx = 0u; kx < params.kernelWidth; kx++) {
      let ix = source(ox, params.padLeft, kx, params.dilationW, params.strideW, params.inWidth);
      if (ix < 0) { continue; }
      let inBase = ((n * params.inHeight + u32(iy)) * params.inWidth + u32(ix)) * params.inChannels + inChannelBase;
      let wBase = (ky * params.kernelWidth + kx) * params.inPerGroup * blockCount + channelBlock;
      for (var ci = 0u; ci < params.inPerGroup; ci++) {
        acc += input[inBase + ci] * weight[wBase + ci * blockCount];
      }
    }
  }

  for (var j = 0u; j < lanes; j++) {
    let channel = firstChannel + j;
    var v = acc[j];
    if (HAS_BIAS) { v += bias[channel]; }
    output[pixel * params.channelStride + params.channelOffset + channel] = activate(v);
  }
}
