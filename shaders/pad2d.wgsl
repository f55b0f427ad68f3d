// pad2d: constant padding of the H and W axes of an NHWC tensor
//   out[n, y, x, c] = input[n, y − padTop, x − padLeft, c] inside the input,
//                     value outside it
// Output dims (N, outHeight, outWidth, C) with outHeight = inHeight + padTop +
// padBottom (likewise W); only padTop/padLeft are needed to place the input.
// One invocation per output element, in output order; the 1-D index is
// folded into a 2-D grid of workgroups (geometry.ts linearWorkgroups) and
// unfolded by linear_index, from the prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  outHeight: u32,
  outWidth: u32,
  channels: u32,
  inHeight: u32,
  inWidth: u32,
  padTop: u32,
  padLeft: u32,
  value: f32,
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
  let x = pixel % params.outWidth;
  let y = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);
  // unsigned wrap-around makes positions left of / above the input huge, so one compare per axis suffices
  let ix = x - params.padLeft;
  let iy = y - params.padTop;
  if (x < params.padLeft || y < params.padTop || ix >= params.inWidth || iy >= params.inHeight) {
    output[index] = params.value;
    return;
  }
  output[index] = input[((n * params.inHeight + iy) * params.inWidth + ix) * params.channels + c];
}
