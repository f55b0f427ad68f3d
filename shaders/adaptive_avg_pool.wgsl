// adaptive_avg_pool: PyTorch's AdaptiveAvgPool2d on NHWC. Output row oy
// averages input rows [floor(oy·inHeight / outHeight), ceil((oy + 1)·inHeight / outHeight)),
// and likewise for columns: windows that tile the input (overlapping by one
// row or column when the sizes do not divide, and repeating rows when the
// output is larger than the input, e.g. VGG's 7×7 head on a small image).
//
// Layout: input contiguous NHWC [batch, inHeight, inWidth, channels]; output
// contiguous NHWC [batch, outHeight, outWidth, channels].
// One invocation per output element, channel fastest (coalesced reads); the
// 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  channels: u32,
  outHeight: u32,
  outWidth: u32,
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
  let ox = (index / params.channels) % params.outWidth;
  let oy = (index / (params.channels * params.outWidth)) % params.outHeight;
  let n = index / (params.channels * params.outWidth * params.outHeight);
  let y0 = oy * params.inHeight / params.outHeight;
  let y1 = ((oy + 1u) * params.inHeight + params.outHeight - 1u) / params.outHeight;
  let x0 = ox * params.inWidth / params.outWidth;
  let x1 = ((ox + 1u) * params.inWidth + params.outWidth - 1u) / params.outWidth;
  var sum = 0.0;
  for (var y = y0; y < y1; y++) {
    for (var x = x0; x < x1; x++) {
      sum += input[((n * params.inHeight + y) * params.inWidth + x) * params.channels + c];
    }
  }
  output[index] = sum / f32((y1 - y0) * (x1 - x0));
}
