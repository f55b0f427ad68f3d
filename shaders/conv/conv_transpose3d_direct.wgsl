// conv_transpose3d_direct: output = epilogue(conv_transpose3d(input, weight)),
// as a gather: each output value sums the input values and kernel taps that
// land on it, so no two invocations write one place (no atomics, no zero fill).
//
// A tap (kd, kh, kw) of input (id, ih, iw) lands on output
//   (id·strideD + kd·dilationD − padFront, ih·strideH + kh·dilationH − padTop,
//    iw·strideW + kw·dilationW − padLeft),
// so for output (od, oh, ow) a tap contributes when td = od + padFront − kd·dilationD
// is a non-negative multiple of strideD with td / strideD < inDepth (same for H, W).
// End pads (and output_padding) only set the output size, computed on the CPU.
//
// Layouts (row-major, as rank-5 tensors are stored): input NCDHW
// [batch][inChannels][inDepth][inHeight][inWidth]; output NCDHW
// [batch][outChannels][outDepth][outHeight][outWidth]; bias [outChannels];
// weight ONNX's / PyTorch's ConvTranspose3d layout
// [inChannels][outPerGroup][kD][kH][kW]: output channel o of group
// g = o / outPerGroup reads input channels [g·inPerGroup, (g + 1)·inPerGroup).
//
// Mapping: one invocation per output value in row-major order (ow fastest);
// the 1-D index is folded into a 2-D grid (geometry.ts linearWorkgroups) and
// unfolded by linear_index from shaders/common/linear_index.wgsl. Bias and
// activation come from the prepended shaders/common/epilogue.wgsl
// (HAS_RESIDUAL stays false: there is no residual binding).
// Overrides: WORKGROUP_SIZE, and the epilogue's.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inChannels: u32,
  inDepth: u32,
  inHeight: u32,
  inWidth: u32,
  outChannels: u32,
  outDepth: u32,
  outHeight: u32,
  outWidth: u32,
  kernelDepth: u32,
  kernelHeight: u32,
  kernelWidth: u32,
  strideD: u32,
  strideH: u32,
  strideW: u32,
  dilationD: u32,
  dilationH: u32,
  dilationW: u32,
  padFront: u32,
  padTop: u32,
  padLeft: u32,
  inPerGroup: u32,
  outPerGroup: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// the input index a tap reads for output coordinate `o` along one axis, or -1 when it reads none
fn source(o: u32, pad: u32, k: u32, dilation: u32, stride: u32, size: u32) -> i32 {
  let t = i32(o + pad) - i32(k * dilation);
  if (t < 0 || u32(t) % stride != 0u) { return -1; }
  let i = u32(t) / stride;
  return select(-1, i32(i), i < size);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let ow = index % params.outWidth;
  let oh = (index / params.outWidth) % params.outHeight;
  let od = (index / (params.outWidth * params.outHeight)) % params.outDepth;
  let o = (index / (params.outWidth * params.outHeight * params.outDepth)) % params.outChannels;
  let n = index / (params.outWidth * params.outHeight * params.outDepth * params.outChannels);
  let g = o / params.outPerGroup;
  let oc = o % params.outPerGroup;

  let inPlane = params.inHeight * params.inWidth;
  let inVolume = params.inDepth * inPlane;
  let taps = params.kernelDepth * params.kernelHeight * params.kernelWidth;
  let firstIn = g * params.inPerGroup;
  let inBase = (n * params.inChannels + firstIn) * inVolume;
  // weight[firstIn + ci][oc][tap] = weight[wBase + ci · outPerGroup · taps + tap]
  let wBase = (firstIn * params.outPerGroup + oc) * taps;

  var acc = 0.0;
  for (var kd = 0u; kd < params.kernelDepth; kd++) {
    let id = source(od, params.padFront, kd, params.dilationD, params.strideD, params.inDepth);
    if (id < 0) { continue; }
    for (var kh = 0u; kh < params.kernelHeight; kh++) {
      let ih = source(oh, params.padTop, kh, params.dilationH, params.strideH, params.inHeight);
      if (ih < 0) { continue; }
      for (var kw = 0u; kw < params.kernelWidth; kw++) {
        let iw = source(ow, params.padLeft, kw, params.dilationW, params.strideW, params.inWidth);
        if (iw < 0) { continue; }
        let at = inBase + u32(id) * inPlane + u32(ih) * params.inWidth + u32(iw);
        let tap = (kd * params.kernelHeight + kh) * params.kernelWidth + kw;
        for (var ci = 0u; ci < params.inPerGroup; ci++) {
          acc += input[at + ci * inVolume] * weight[wBase + ci * params.outPerGroup * taps + tap];
        }
      }
    }
  }

  var v = acc;
  if (HAS_BIAS) { v += bias[o]; }
  output[index] = activate(v);
}
