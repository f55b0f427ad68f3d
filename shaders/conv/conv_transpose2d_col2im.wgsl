// conv_transpose2d_col2im: the second half of the GEMM strategy of a
// transposed convolution. The GEMM has already computed, for every input
// pixel, what each kernel tap contributes to each output channel:
//   columns[inPixel][tap][outChannel] = Σ_ci input[inPixel][ci] · weight[ci][tap][outChannel].
// Here each output element gathers the columns of the (input pixel, tap)
// pairs that land on it (ONNX's col2im, without a scatter: no atomics, no
// zero fill) and applies bias and activation.
//
// A tap (ky, kx) of input pixel (iy, ix) lands on output
//   (iy·strideH + ky·dilationH − padTop, ix·strideW + kx·dilationW − padLeft);
// pads are i32 because ONNX's output_shape can make them negative.
//
// Layouts: columns [batch·inHeight·inWidth][kernelHeight·kernelWidth][outChannels];
// output NHWC pixels with channelStride channels each, this node writing
// channels [channelOffset, channelOffset + outChannels); bias [outChannels].
// Mapping: one invocation per output element, channels fastest (neighbours
// read neighbouring columns); the 1-D index is folded into a 2-D grid and
// unfolded by linear_index (shaders/common/linear_index.wgsl). Bias and
// activation come from the prepended shaders/common/epilogue.wgsl.
// Overrides: WORKGROUP_SIZE, and the epilogue's.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inHeight: u32,
  inWidth: u32,
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
  channelStride: u32,
  channelOffset: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> columns: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

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
  let channel = index % params.outChannels;
  let pixel = index / params.outChannels;
  let ox = pixel % params.outWidth;
  let oy = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);
  let taps = params.kernelHeight * params.kernelWidth;

  var acc = 0.0;
  for (var ky = 0u; ky < params.kernelHeight; ky++) {
    let iy = source(oy, params.padTop, ky, params.dilationH, params.strideH, params.inHeight);
    if (iy < 0) { continue; }
    for (var kx = 0u; kx < params.kernelWidth; kx++) {
      let ix = source(ox, params.padLeft, kx, params.dilationW, params.strideW, params.inWidth);
      if (ix < 0) { continue; }
      let inPixel = (n * params.inHeight + u32(iy)) * params.inWidth + u32(ix);
      acc += columns[(inPixel * taps + ky * params.kernelWidth + kx) * params.outChannels + channel];
    }
  }

  var v = acc;
  if (HAS_BIAS) { v += bias[channel]; }
  output[pixel * params.channelStride + params.channelOffset + channel] = activate(v);
}
