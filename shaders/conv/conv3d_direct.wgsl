// conv3d_direct: output = epilogue(conv3d(input, weight)), each output value
// computed straight from its input window — no im2col matrix, no workgroup memory.
//
//   out[n, o, od, oh, ow] = Σ_{ci < inPerGroup, kd, kh, kw}
//       input[n, g·inPerGroup + ci, od·strideD + kd·dilationD − padFront,
//                                   oh·strideH + kh·dilationH − padTop,
//                                   ow·strideW + kw·dilationW − padLeft]
//       · weight[o, ci, kd, kh, kw]          with g = o / outPerGroup
//
// Layouts (all row-major, as rank-5 tensors are stored): input NCDHW
// [batch][inChannels][inDepth][inHeight][inWidth]; output NCDHW
// [batch][outChannels][outDepth][outHeight][outWidth]; bias [outChannels].
// weight: PyTorch's Conv3d layout [outChannels][inPerGroup][kD][kH][kW], then
// [outChannels][kD·kH·kW] padding terms: 0 · Σ_ci weight of that tap, i.e. 0,
// or NaN where a weight of the tap is NaN or ±∞. An out-of-input tap adds its
// padding term instead of multiplying zeros: PyTorch multiplies the zero
// padding too, so a non-finite weight makes the output NaN there as well.
// Only the end pads' effect on the output size matters here; the CPU side
// computes the output size and passes it in.
//
// Mapping: one invocation per output value, in the output's row-major order
// (ow fastest, so neighbouring invocations read neighbouring input values).
// The 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE, and the epilogue's (ACTIVATION, ACT_ALPHA,
// ACT_BETA, HAS_BIAS; this kernel never has a residual).

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

  let inPlane = params.inHeight * params.inWidth;
  let inVolume = params.inDepth * inPlane;
  let taps = params.kernelDepth * params.kernelHeight * params.kernelWidth;
  let inBase = (n * params.inChannels + g * params.inPerGroup) * inVolume;
  let wBase = o * params.inPerGroup * taps;
  let paddingBase = params.outChannels * params.inPerGroup * taps + o * taps;

  var acc = 0.0;
  for (var kd = 0u; kd < params.kernelDepth; kd++) {
    let id = i32(od * params.strideD + kd * params.dilationD) - i32(params.padFront);
    let depthInside = id >= 0 && id < i32(params.inDepth);
    for (var kh = 0u; kh < params.kernelHeight; kh++) {
      let ih = i32(oh * params.strideH + kh * params.dilationH) - i32(params.padTop);
      let rowInside = depthInside && ih >= 0 && ih < i32(params.inHeight);
      for (var kw = 0u; kw < params.kernelWidth; kw++) {
        let iw = i32(ow * params.strideW + kw * params.dilationW) - i32(params.padLeft);
        let tap = (kd * params.kernelHeight + kh) * params.kernelWidth + kw;
        if (!rowInside || iw < 0 || iw >= i32(params.inWidth)) {
          acc += weight[paddingBase + tap];
          continue;
        }
        let at = inBase + u32(id) * inPlane + u32(ih) * params.inWidth + u32(iw);
        for (var ci = 0u; ci < params.inPerGroup; ci++) {
          acc += input[at + ci * inVolume] * weight[wBase + ci * taps + tap];
        }
      }
    }
  }

  var v = acc;
  if (HAS_BIAS) { v += bias[o]; }
  output[index] = activate(v);
}
