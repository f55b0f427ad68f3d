// copy_channels: out[p, channelOffset + c] = input[p, c]
//
// Concat along channels for a producer that cannot write into its slice
// itself: a contiguous NHWC input seen as [pixels, channels] is copied into
// channels [channelOffset, channelOffset + channels) of an NHWC output with
// channelStride channels per pixel; the output's other channels are left
// as they are. One invocation per input element, in input order, so reads
// are coalesced; the 1-D index is folded into a 2-D grid of workgroups
// (geometry.ts linearWorkgroups) and unfolded by linear_index, from the
// prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
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
  let pixel = index / params.channels;
  let c = index % params.channels;
  output[pixel * params.channelStride + params.channelOffset + c] = input[index];
}
