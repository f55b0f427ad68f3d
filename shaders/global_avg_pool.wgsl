// global_avg_pool: out[n, 0, 0, c] = (1 / (height·width)) · sum over (h, w) of input[n, h, w, c]
//
// Layout: input is a contiguous NHWC tensor [batch, height, width, channels];
// pixels = height·width and total = batch·channels are passed in.
// The output is [batch, 1, 1, ·] with channelStride channels per image, of
// which this kernel writes [channelOffset, channelOffset + channels): a
// concat's channel slice, or the whole tensor when the two are equal.
//
// One invocation per (n, c), channel fastest: each loops over the height·width
// pixels of its image, and at every step neighbouring invocations read
// neighbouring floats. The sum is in f32 (fine up to the 7×7…56×56 maps of
// the zoo). Workgroups are folded into a 2-D grid (geometry.ts
// linearWorkgroups); linear_index, from the prepended
// shaders/common/linear_index.wgsl, unfolds it:
// index = (workgroup_id.y · num_workgroups.x + workgroup_id.x) · WORKGROUP_SIZE + local index.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  pixels: u32,
  channels: u32,
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
  let n = index / params.channels;
  var at = n * params.pixels * params.channels + c;
  var sum = 0.0;
  for (var p = 0u; p < params.pixels; p++) {
    sum += input[at];
    at += params.channels;
  }
  output[n * params.channelStride + params.channelOffset + c] = sum / f32(params.pixels);
}
