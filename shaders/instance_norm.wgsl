// instance_norm: per (n, c) normalization over the H·W pixels of one image's channel
//   mean[n, c]     = (1 / pixels) · Σ_p x[n, p, c]
//   variance[n, c] = (1 / pixels) · Σ_p (x[n, p, c] − mean)²     (biased, as ONNX and PyTorch)
//   out[n, p, c]   = (x[n, p, c] − mean) · scale[c] / sqrt(variance + epsilon) + bias[c]
//
// Layout: input and output are contiguous NHWC [batch, height, width, channels],
// seen as [batch, pixels, channels]; scale and bias hold one value per channel.
// groups = batch·channels.
//
// One workgroup per (n, c) (channel fastest), its WORKGROUP_SIZE invocations
// striding over the pixels. Numerics: every value is first shifted by the
// plane's first value (a pilot close to the mean), so the sums stay small
// when the mean is large against the spread and x − pilot is exact for
// nearby values; the variance is taken in two passes (the shifted mean
// first, then the squared deviations from it), never as E[x²] − E[x]², which
// cancels catastrophically; each pass sums per invocation then pairwise
// across the workgroup (a tree in workgroup memory). The workgroup
// number comes from workgroup_index, from the prepended
// shaders/common/linear_index.wgsl (a large batch·channels folds into a 2-D grid).
// Overrides: WORKGROUP_SIZE (a power of two: the tree halves it).

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  channels: u32,
  pixels: u32,
  groups: u32,
  epsilon: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

// the sum of every invocation's `value`, returned to all of them
fn workgroup_sum(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  // nobody may overwrite partial (the next sum) before everyone has read it
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = workgroup_index(wid, groups);
  // uniform across the workgroup, so the barriers below stay in uniform control flow
  if (group >= params.groups) { return; }
  let c = group % params.channels;
  let n = group / params.channels;
  let base = n * params.pixels * params.channels + c;
  let count = f32(params.pixels);
  let pilot = input[base];

  var sum = 0.0;
  for (var p = lid; p < params.pixels; p += WORKGROUP_SIZE) {
    sum += input[base + p * params.channels] - pilot;
  }
  // the mean of x − pilot
  let mean = workgroup_sum(lid, sum) / count;

  var squares = 0.0;
  for (var p = lid; p < params.pixels; p += WORKGROUP_SIZE) {
    let d = (input[base + p * params.channels] - pilot) - mean;
    squares += d * d;
  }
  let variance = workgroup_sum(lid, squares) / count;

  let factor = scale[c] / sqrt(variance + params.epsilon);
  let shift = bias[c];
  for (var p = lid; p < params.pixels; p += WORKGROUP_SIZE) {
    let at = base + p * params.channels;
    output[at] = ((input[at] - pilot) - mean) * factor + shift;
  }
}
