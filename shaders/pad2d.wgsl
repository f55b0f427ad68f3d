// pad2d: padding of the H and W axes of an NHWC tensor, ONNX Pad's modes
//   out[n, y, x, c] = input[n, source(y − padTop, inHeight), source(x − padLeft, inWidth), c]
// where, for a position i of an axis of length len (i may lie outside [0, len)):
//   constant (MODE 0): i inside → i; outside → the output is `value`
//   reflect  (MODE 1): mirrored about the first/last element, which is not repeated:
//                      −i left of 0, 2·(len − 1) − i right of the end
//   edge     (MODE 2): clamped to [0, len − 1] (the border element repeats)
// Output dims (N, outHeight, outWidth, C) with outHeight = inHeight + padTop +
// padBottom (likewise W); only padTop/padLeft are needed to place the input.
// Pads are signed: a negative pad crops that side (ONNX's negative pads), and
// the rule above still holds since positions stay in input coordinates.
// Reflect needs every positive pad < len, so one mirror always lands inside
// (src/kernels/pad2d.ts checks it).
// One invocation per output element, in output order; the 1-D index is
// folded into a 2-D grid of workgroups (geometry.ts linearWorkgroups) and
// unfolded by linear_index, from the prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE; MODE (0 = constant, 1 = reflect, 2 = edge).

override WORKGROUP_SIZE: u32 = 64u;
override MODE: u32 = 0u;

const MODE_CONSTANT: u32 = 0u;
const MODE_REFLECT: u32 = 1u;

struct Params {
  outHeight: u32,
  outWidth: u32,
  channels: u32,
  inHeight: u32,
  inWidth: u32,
  padTop: i32,
  padLeft: i32,
  value: f32,
  total: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

// the input position that supplies position i of an axis of `len` (reflect or edge)
fn source(i: i32, len: u32) -> u32 {
  let last = i32(len) - 1;
  if (MODE == MODE_REFLECT) {
    return u32(select(select(i, 2 * last - i, i > last), -i, i < 0));
  }
  return u32(clamp(i, 0, last));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let c = index % params.channels;
  let pixel = index / params.channels;
  let x = pixel % params.outWidth;
  let y = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);
  let sx = i32(x) - params.padLeft;
  let sy = i32(y) - params.padTop;
  var ix: u32;
  var iy: u32;
  if (MODE == MODE_CONSTANT) {
    if (sx < 0 || sy < 0 || sx >= i32(params.inWidth) || sy >= i32(params.inHeight)) {
      output[index] = params.value;
      return;
    }
    ix = u32(sx);
    iy = u32(sy);
  } else {
    ix = source(sx, params.inWidth);
    iy = source(sy, params.inHeight);
  }
  output[index] = input[((n * params.inHeight + iy) * params.inWidth + ix) * params.channels + c];
}
