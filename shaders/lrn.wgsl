// lrn: local response normalization across channels (AlexNet)
//   out[p, c] = x[p, c] / (k + alphaOverSize · Σ_{c' in window(c)} x[p, c']²)^beta
//   window(c) = [c + windowStart, c + windowStart + size) ∩ [0, channels)
//
// Input and output are contiguous NHWC, seen as [pixels, channels]. The
// window's start relative to c is a uniform because PyTorch and ONNX place
// an even-sized window differently (src/kernels/lrn.ts computes it);
// alphaOverSize is alpha / size in both. k > 0 keeps pow's base positive.
// A NaN in the window makes the output NaN, as in PyTorch (tested on the bits
// with isNanBits from the prepended shaders/common/nan.wgsl: pow of a NaN is
// not NaN everywhere); an ∞ gives ∞/∞ = NaN at itself and 0 beside it.
// One invocation per output element, in output order, summing its window
// from global memory (windows are a handful of channels); the 1-D index is
// folded into a 2-D grid of workgroups (geometry.ts linearWorkgroups) and
// unfolded by linear_index, from the prepended shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  channels: u32,
  total: u32,
  windowStart: i32,
  size: u32,
  alphaOverSize: f32,
  k: f32,
  beta: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  if (index >= params.total) { return; }
  let c = i32(index % params.channels);
  let pixelBase = index - u32(c);
  let first = max(c + params.windowStart, 0);
  let end = min(c + params.windowStart + i32(params.size), i32(params.channels));
  var squares = 0.0;
  for (var j = first; j < end; j++) {
    let v = input[pixelBase + u32(j)];
    squares += v * v;
  }
  let normalized = input[index] / pow(params.k + params.alphaOverSize * squares, params.beta);
  output[index] = select(normalized, squares, isNanBits(squares));
}
