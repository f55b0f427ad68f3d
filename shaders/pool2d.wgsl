// pool2d: max or average pooling over a dilated (kh, kw) window, PyTorch/ONNX semantics.
//
//   taps:    ih = hstart + i·dilationH (i < kh), iw = wstart + j·dilationW (j < kw)
//            with hstart = oh·strideH − padTop, wstart = ow·strideW − padLeft
//   max:     out[n, oh, ow, c] = max over in-bounds taps of input[n, ih, iw, c]
//            (padding never wins: it is −inf, so only real elements count, and a
//            window of padding only stays −inf; a NaN in the window makes the
//            output NaN, as in PyTorch: maxNan from the prepended shaders/common/nan.wgsl)
//   average: out[n, oh, ow, c] = sum over in-bounds taps of input[n, ih, iw, c] / divisor
//            divisor = the number of in-bounds taps, or with countIncludePad the
//            number of taps inside the padded input (ih < inHeight + padBottom,
//            iw < inWidth + padRight: a ceil-mode window hanging past the padded
//            edge counts only its part inside it, as in ONNX's reference).
//            With no in-bounds tap and countIncludePad 0 the result is NaN (0/0),
//            as ONNX's reference gives (only pads ≥ the kernel, or dilation, leave a
//            window without a real element).
//
// Layout: input is a contiguous NHWC tensor [batch, inHeight, inWidth, channels].
// The output is [batch, outHeight, outWidth, ·] with channelStride channels per
// pixel, of which this kernel writes [channelOffset, channelOffset + channels):
// a concat's channel slice, or the whole tensor when the two are equal.
// Output sizes (floor or ceil mode) are computed on the CPU and passed in;
// total = batch·outHeight·outWidth·channels.
//
// One invocation per output element, channel fastest, so neighbouring
// invocations read neighbouring floats. Workgroups are folded into a 2-D
// grid (geometry.ts linearWorkgroups); linear_index, from the prepended
// shaders/common/linear_index.wgsl, unfolds it:
// index = (workgroup_id.y · num_workgroups.x + workgroup_id.x) · WORKGROUP_SIZE + local index.
// Overrides: WORKGROUP_SIZE; POOL_OP (0 = max, 1 = average).

override WORKGROUP_SIZE: u32 = 64u;
override POOL_OP: u32 = 0u;

const POOL_MAX: u32 = 0u;

// how many of the k taps start, start + d, … lie below limit (start is never below the padded input)
fn tapsBelow(start: i32, limit: i32, k: u32, d: i32) -> u32 {
  if (start >= limit) { return 0u; }
  return min(k, u32((limit - start + d - 1) / d));
}

struct Params {
  inHeight: u32,
  inWidth: u32,
  channels: u32,
  outHeight: u32,
  outWidth: u32,
  kernelHeight: u32,
  kernelWidth: u32,
  strideH: u32,
  strideW: u32,
  dilationH: u32,
  dilationW: u32,
  padTop: u32,
  padLeft: u32,
  padBottom: u32,
  padRight: u32,
  countIncludePad: u32,
  channelStride: u32,
  channelOffset: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let c = index % params.channels;
  let pixel = index / params.channels;
  let ow = pixel % params.outWidth;
  let oh = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);

  let inH = i32(params.inHeight);
  let inW = i32(params.inWidth);
  let hstart = i32(oh * params.strideH) - i32(params.padTop);
  let wstart = i32(ow * params.strideW) - i32(params.padLeft);
  let dh = i32(params.dilationH);
  let dw = i32(params.dilationW);
  let rowStride = params.inWidth * params.channels;
  let base = n * params.inHeight * rowStride + c;

  // −inf may not be a WGSL constant, so it is built from a let (a run-time value)
  let negativeInfinityBits = 0xff800000u;
  var best = bitcast<f32>(negativeInfinityBits);
  var sum = 0.0;
  var count = 0u;
  for (var i = 0; i < i32(params.kernelHeight); i++) {
    let ih = hstart + i * dh;
    if (ih < 0 || ih >= inH) { continue; }
    for (var j = 0; j < i32(params.kernelWidth); j++) {
      let iw = wstart + j * dw;
      if (iw < 0 || iw >= inW) { continue; }
      let v = input[base + u32(ih) * rowStride + u32(iw) * params.channels];
      if (POOL_OP == POOL_MAX) {
        best = maxNan(best, v);
      } else {
        sum += v;
        count += 1u;
      }
    }
  }

  var result: f32;
  if (POOL_OP == POOL_MAX) {
    result = best;
  } else {
    var divisor = count;
    if (params.countIncludePad != 0u) {
      let rows = tapsBelow(hstart, inH + i32(params.padBottom), params.kernelHeight, dh);
      let columns = tapsBelow(wstart, inW + i32(params.padRight), params.kernelWidth, dw);
      divisor = rows * columns;
    }
    if (divisor == 0u) {
      result = quietNan();
    } else {
      result = sum / f32(divisor);
    }
  }
  output[pixel * params.channelStride + params.channelOffset + c] = result;
}
