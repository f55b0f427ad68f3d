// conv2d_depthwise_tiled: output = epilogue(depthwise conv2d(input, weight))
// for groups == inChannels == outChannels (multiplier 1), inChannels a
// multiple of 4, dilation 1 — the register-tiled variant of
// conv2d_depthwise.wgsl for the common MobileNet/EfficientNet shapes, with
// the kernel size and stride fixed as overrides so every loop unrolls.
//
// Layouts: input NHWC [batch][inHeight][inWidth][blockCount] of vec4 (4
// channels each); output NHWC pixels of channelStride channels, this conv
// writing channels [channelOffset, channelOffset + 4·blockCount) (both
// multiples of 4, in scalar elements); residual NHWC contiguous [pixels]
// [blockCount] of vec4; bias [blockCount] of vec4.
// weight: the generic kernel's layout, [KH][KW][blockCount] of vec4 (its
// padding terms after them go unused: an out-of-image tap here multiplies a
// zero input by its weight, which gives PyTorch's 0·w, NaN for a non-finite
// weight, as the padding term does there).
//
// Mapping: one invocation per (batch, output row, block of COLS adjacent
// output columns, channelBlock of 4 channels), channel blocks fastest so neighbouring
// invocations read neighbouring 16 bytes. For each kernel row it loads the
// WINDOW = (COLS − 1)·STRIDE_W + KW input columns its COLS outputs read into
// registers, one vec4 each (zero outside the image), then adds KW weight
// vec4s times the window's columns to its COLS accumulators — each input
// vec4 is read once per row instead of once per tap. A last column block
// past the output's width computes and drops its extra columns.
// The 1-D index is folded into a 2-D grid (geometry.ts linearWorkgroups) and
// unfolded by linear_index, from the prepended shaders/common/linear_index.wgsl.
// (wgsl_reflect cannot parse `block` as a variable name in an expression, hence channelBlock.)
// Overrides: KH, KW, STRIDE_H, STRIDE_W (src/kernels/conv2d_depthwise.ts picks
// this file for 3×3 and 5×5 at strides 1 and 2: WINDOW ≤ WINDOW_MAX),
// WORKGROUP_SIZE, and the epilogue's.

override KH: u32 = 3u;
override KW: u32 = 3u;
override STRIDE_H: u32 = 1u;
override STRIDE_W: u32 = 1u;
override WORKGROUP_SIZE: u32 = 64u;

// output columns per invocation (function-scope arrays need a constant size, hence not an override)
const COLS: u32 = 4u;
// the widest window: 5 taps at stride 2
const WINDOW_MAX: u32 = 11u;
override WINDOW: u32 = (COLS - 1u) * STRIDE_W + KW;

struct Params {
  inHeight: u32,
  inWidth: u32,
  outHeight: u32,
  outWidth: u32,
  padTop: u32,
  padLeft: u32,
  blockCount: u32,
  columnBlocks: u32,
  channelStride: u32,
  channelOffset: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> output: array<vec4<f32>>;

fn activate4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let blockCount = params.blockCount;
  let channelBlock = index % blockCount;
  let rest = index / blockCount;
  let ox0 = (rest % params.columnBlocks) * COLS;
  let row = rest / params.columnBlocks;
  let oy = row % params.outHeight;
  let n = row / params.outHeight;
  let ix0 = i32(ox0 * STRIDE_W) - i32(params.padLeft);
  let inWidth = i32(params.inWidth);

  var acc: array<vec4<f32>, COLS>;
  for (var ky = 0u; ky < KH; ky++) {
    let iy = i32(oy * STRIDE_H + ky) - i32(params.padTop);
    let rowInside = iy >= 0 && iy < i32(params.inHeight);
    let rowBase = (n * params.inHeight + u32(max(iy, 0))) * params.inWidth;
    var win: array<vec4<f32>, WINDOW_MAX>;
    for (var i = 0u; i < WINDOW; i++) {
      let ix = ix0 + i32(i);
      var v = vec4<f32>(0.0);
      if (rowInside && ix >= 0 && inWidth > ix) { v = input[(rowBase + u32(ix)) * blockCount + channelBlock]; }
      win[i] = v;
    }
    for (var kx = 0u; kx < KW; kx++) {
      let w = weight[(ky * KW + kx) * blockCount + channelBlock];
      for (var c = 0u; c < COLS; c++) {
        acc[c] += win[c * STRIDE_W + kx] * w;
      }
    }
  }

  let pixel0 = (n * params.outHeight + oy) * params.outWidth + ox0;
  for (var c = 0u; c < COLS; c++) {
    if (ox0 + c >= params.outWidth) { break; }
    let pixel = pixel0 + c;
    var v = acc[c];
    if (HAS_BIAS) { v += bias[channelBlock]; }
    if (HAS_RESIDUAL) { v += residual[pixel * blockCount + channelBlock]; }
    output[(pixel * params.channelStride + params.channelOffset) / 4u + channelBlock] = activate4(v);
  }
}
