// depth_space: DepthToSpace (DCR or CRD) and SpaceToDepth on NHWC, a pure gather
// (b = block; logical NCHW indices):
//   DCR (MODE 0): out[n, c, h·b + i, w·b + j] = in[n, (i·b + j)·outChannels + c, h, w]
//   CRD (MODE 1): out[n, c, h·b + i, w·b + j] = in[n, c·b·b + i·b + j, h, w]   (PyTorch's pixel_shuffle)
//   S2D (MODE 2): out[n, (i·b + j)·inChannels + c, h, w] = in[n, c, h·b + i, w·b + j]   (the inverse of DCR)
//
// Layout: input [batch, inHeight, inWidth, inChannels] and output
// [batch, outHeight, outWidth, outChannels], both contiguous NHWC; the shapes
// are computed on the CPU (src/kernels/depth_space.ts) and passed in, with
// total = batch·outHeight·outWidth·outChannels.
// One invocation per output element, in output order, reading exactly one
// input element; the 1-D index is folded into a 2-D grid of workgroups
// (geometry.ts linearWorkgroups) and unfolded by linear_index, from the
// prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE; MODE (0 = DepthToSpace DCR, 1 = DepthToSpace CRD, 2 = SpaceToDepth).

override WORKGROUP_SIZE: u32 = 64u;
override MODE: u32 = 0u;

const DEPTH_TO_SPACE_DCR: u32 = 0u;
const DEPTH_TO_SPACE_CRD: u32 = 1u;

struct Params {
  inHeight: u32,
  inWidth: u32,
  inChannels: u32,
  outHeight: u32,
  outWidth: u32,
  outChannels: u32,
  block: u32,
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
  let b = params.block;
  let oc = index % params.outChannels;
  let pixel = index / params.outChannels;
  let ox = pixel % params.outWidth;
  let oy = (pixel / params.outWidth) % params.outHeight;
  let n = pixel / (params.outWidth * params.outHeight);

  var iy: u32;
  var ix: u32;
  var ic: u32;
  if (MODE == DEPTH_TO_SPACE_DCR || MODE == DEPTH_TO_SPACE_CRD) {
    iy = oy / b;
    ix = ox / b;
    let offset = (oy % b) * b + ox % b;
    if (MODE == DEPTH_TO_SPACE_DCR) {
      ic = offset * params.outChannels + oc;
    } else {
      ic = oc * b * b + offset;
    }
  } else {
    // oc = (i·b + j)·inChannels + c
    let offset = oc / params.inChannels;
    ic = oc % params.inChannels;
    iy = oy * b + offset / b;
    ix = ox * b + offset % b;
  }
  output[index] = input[((n * params.inHeight + iy) * params.inWidth + ix) * params.inChannels + ic];
}
