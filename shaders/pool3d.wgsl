// pool3d: max or average pooling over a dilated (kd, kh, kw) window of a
// row-major NCDHW tensor, with the semantics pool2d.wgsl has for 2-D.
//
//   taps:    id = dstart + a·dilationD, ih = hstart + i·dilationH, iw = wstart + j·dilationW
//            (a < kd, i < kh, j < kw) with dstart = od·strideD − padFront,
//            hstart = oh·strideH − padTop, wstart = ow·strideW − padLeft
//   max:     out[n, c, od, oh, ow] = max over in-bounds taps of input[n, c, id, ih, iw]
//            (padding never wins; a window of padding only stays −inf; a NaN
//            in the window makes the output NaN: maxNan from shaders/common/nan.wgsl)
//   average: the sum over in-bounds taps / divisor, divisor = the number of
//            in-bounds taps, or with countIncludePad the number of taps inside
//            the padded input (id < inDepth + padBack, …: a ceil-mode window
//            hanging past the padded edge counts only its part inside it, as in
//            ONNX's reference). No in-bounds tap without countIncludePad is NaN (0/0).
//
// Layout: input [batch·channels][inDepth][inHeight][inWidth], output
// [batch·channels][outDepth][outHeight][outWidth], both contiguous row-major.
// Output sizes (floor or ceil mode) are computed on the CPU and passed in;
// total = batch·channels·outDepth·outHeight·outWidth.
//
// One invocation per output value in row-major order (ow fastest). Workgroups
// are folded into a 2-D grid (geometry.ts linearWorkgroups); linear_index, from
// the prepended shaders/common/linear_index.wgsl, unfolds it.
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
  inDepth: u32,
  inHeight: u32,
  inWidth: u32,
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
  padBack: u32,
  padBottom: u32,
  padRight: u32,
  countIncludePad: u32,
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
  let ow = index % params.outWidth;
  let oh = (index / params.outWidth) % params.outHeight;
  let od = (index / (params.outWidth * params.outHeight)) % params.outDepth;
  let plane = index / (params.outWidth * params.outHeight * params.outDepth);

  let inD = i32(params.inDepth);
  let inH = i32(params.inHeight);
  let inW = i32(params.inWidth);
  let dstart = i32(od * params.strideD) - i32(params.padFront);
  let hstart = i32(oh * params.strideH) - i32(params.padTop);
  let wstart = i32(ow * params.strideW) - i32(params.padLeft);
  let dd = i32(params.dilationD);
  let dh = i32(params.dilationH);
  let dw = i32(params.dilationW);
  let base = plane * params.inDepth * params.inHeight * params.inWidth;

  // −inf may not be a WGSL constant, so it is built from a let (a run-time value)
  let negativeInfinityBits = 0xff800000u;
  var best = bitcast<f32>(negativeInfinityBits);
  var sum = 0.0;
  var count = 0u;
  for (var a = 0; a < i32(params.kernelDepth); a++) {
    let id = dstart + a * dd;
    if (id < 0 || id >= inD) { continue; }
    for (var i = 0; i < i32(params.kernelHeight); i++) {
      let ih = hstart + i * dh;
      if (ih < 0 || ih >= inH) { continue; }
      for (var j = 0; j < i32(params.kernelWidth); j++) {
        let iw = wstart + j * dw;
        if (iw < 0 || iw >= inW) { continue; }
        let v = input[base + (u32(id) * params.inHeight + u32(ih)) * params.inWidth + u32(iw)];
        if (POOL_OP == POOL_MAX) {
          best = maxNan(best, v);
        } else {
          sum += v;
          count += 1u;
        }
      }
    }
  }

  var result: f32;
  if (POOL_OP == POOL_MAX) {
    result = best;
  } else {
    var divisor = count;
    if (params.countIncludePad != 0u) {
      let depths = tapsBelow(dstart, inD + i32(params.padBack), params.kernelDepth, dd);
      let rows = tapsBelow(hstart, inH + i32(params.padBottom), params.kernelHeight, dh);
      let columns = tapsBelow(wstart, inW + i32(params.padRight), params.kernelWidth, dw);
      divisor = depths * rows * columns;
    }
    if (divisor == 0u) {
      result = quietNan();
    } else {
      result = sum / f32(divisor);
    }
  }
  output[index] = result;
}
