// resize: ONNX Resize / Upsample of H and W (nearest, linear, cubic), as a
// separable weighted sum of input pixels read from two per-axis tables.
//
//   out[n, oh, ow, c] = Σ_i Σ_j rowWeight[oh][i] · colWeight[ow][j] · input[n, rowIndex[oh][i], colIndex[ow][j], c]
//
// for i, j < TAPS; or extrapolationValue where either axis marks the output
// coordinate as outside the input (tf_crop_and_resize).
//
// The tables hold all the coordinate math (coordinate transform, nearest
// rounding, cubic coefficients, exclude_outside, edge clamping): the CPU
// computes them in float64 once per layer (src/kernels/resize.ts), so this
// shader only gathers and sums. Each table entry is 8 floats:
//   [index0, index1, index2, index3, weight0, weight1, weight2, weight3]
// with indices already clamped into [0, length) and stored as floats (exact
// below 2^24); a negative index0 marks "outside": the output there is
// extrapolationValue. `rows` has outHeight entries, `cols` outWidth.
//
// Layout: input is a contiguous NHWC tensor [batch, inHeight, inWidth, channels].
// The output is [batch, outHeight, outWidth, ·] with channelStride channels per
// pixel, of which this kernel writes [channelOffset, channelOffset + channels):
// a concat's channel slice, or the whole tensor when the two are equal.
// total = batch·outHeight·outWidth·channels.
//
// One invocation per output element, channel fastest, so neighbouring
// invocations read neighbouring floats; linear_index (the prepended
// shaders/common/linear_index.wgsl) unfolds the 2-D workgroup grid.
// Overrides: WORKGROUP_SIZE; TAPS, the taps per axis that can carry weight
// (1 nearest, 2 linear, 4 cubic) — the tables always hold 4.

override WORKGROUP_SIZE: u32 = 64u;
override TAPS: u32 = 4u;

const ENTRY: u32 = 8u;
const WEIGHTS_AT: u32 = 4u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  channels: u32,
  outHeight: u32,
  outWidth: u32,
  extrapolationValue: f32,
  channelStride: u32,
  channelOffset: u32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> rows: array<f32>;
@group(0) @binding(3) var<storage, read> cols: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

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

  let row = oh * ENTRY;
  let col = ow * ENTRY;
  var result = params.extrapolationValue;
  if (rows[row] >= 0.0 && cols[col] >= 0.0) {
    let rowStride = params.inWidth * params.channels;
    let base = n * params.inHeight * rowStride + c;
    result = 0.0;
    for (var i = 0u; i < TAPS; i++) {
      let ih = u32(rows[row + i]);
      var sum = 0.0;
      for (var j = 0u; j < TAPS; j++) {
        let iw = u32(cols[col + j]);
        sum += cols[col + WEIGHTS_AT + j] * input[base + ih * rowStride + iw * params.channels];
      }
      result += rows[row + WEIGHTS_AT + i] * sum;
    }
  }
  output[pixel * params.channelStride + params.channelOffset + c] = result;
}
