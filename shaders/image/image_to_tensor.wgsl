// image_to_tensor: RGBA8 pixels → one image of a float32 NCHW tensor.
//
// Source: packed RGBA8 (one u32 per pixel, R in the low byte, as
// copyTextureToBuffer writes an rgba8unorm texture), srcSize.x × srcSize.y
// pixels, srcRowPixels u32 per row (WebGPU pads rows to 256 bytes).
// Output: channels × outSize.y × outSize.x floats starting at element
// outOffset (channel-major, row-major: NCHW for one batch index).
//
// Geometry: the destination rectangle dstRect (x, y, w, h, in output pixels,
// may be fractional or overhang) shows the source rectangle cropRect (x, y,
// w, h, in source pixels). Output pixels outside dstRect get `fill`. Pixel
// centres sit at +0.5 (align_corners = false); bilinear sampling clamps to
// the source's edge. Each output pixel averages samples × samples bilinear
// taps spread evenly over its footprint (samples = 1: plain bilinear; more
// approximates an area filter when shrinking a lot). samples is a uniform, not
// an override, so one pipeline serves every zoom factor.
//
// Per tap, in this order: optional grayscale (Rec. 601 luma into all three
// channels), optional invert (1 − v), levels v = clamp((v − lo) / (hi − lo), 0, 1)
// (lo = 0, hi = 1 leaves [0, 1] unchanged). Taps outside dstRect are `fill`.
// After averaging: out = (v − mean[c]) / stddev[c]. A single output channel
// is always the luma.
//
// One invocation per output pixel (all channels), in row-major order; the
// 1-D index is folded into a 2-D grid of workgroups (geometry.ts
// linearWorkgroups) and unfolded by linear_index, from the prepended
// shaders/common/linear_index.wgsl.
// Overrides: WORKGROUP_SIZE.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  srcSize: vec2<u32>,
  srcRowPixels: u32,
  channels: u32,
  outSize: vec2<u32>,
  outOffset: u32,
  grayscale: u32,
  cropRect: vec4<f32>,
  dstRect: vec4<f32>,
  mean: vec4<f32>,
  stddev: vec4<f32>,
  fill: vec4<f32>,
  invert: u32,
  lo: f32,
  hi: f32,
  samples: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pixels: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

fn texel(x: i32, y: i32) -> vec3<f32> {
  let size = vec2<i32>(params.srcSize);
  let cx = clamp(x, 0, size.x - 1);
  let cy = clamp(y, 0, size.y - 1);
  return unpack4x8unorm(pixels[u32(cy) * params.srcRowPixels + u32(cx)]).rgb;
}

fn bilinear(sx: f32, sy: f32) -> vec3<f32> {
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let ix = i32(x0);
  let iy = i32(y0);
  let top = mix(texel(ix, iy), texel(ix + 1, iy), fx);
  let bottom = mix(texel(ix, iy + 1), texel(ix + 1, iy + 1), fx);
  return mix(top, bottom, fy);
}

// one tap at output-space point (px, py), after the colour steps
fn tap(px: f32, py: f32) -> vec3<f32> {
  let d = params.dstRect;
  let u = (px - d.x) / d.z;
  let v = (py - d.y) / d.w;
  if (u < 0.0 || u >= 1.0 || v < 0.0 || v >= 1.0) { return params.fill.rgb; }
  let c = params.cropRect;
  var rgb = bilinear(c.x + u * c.z - 0.5, c.y + v * c.w - 0.5);
  if (params.grayscale != 0u || params.channels == 1u) {
    rgb = vec3<f32>(dot(rgb, vec3<f32>(0.299, 0.587, 0.114)));
  }
  if (params.invert != 0u) { rgb = vec3<f32>(1.0) - rgb; }
  return clamp((rgb - vec3<f32>(params.lo)) / (params.hi - params.lo), vec3<f32>(0.0), vec3<f32>(1.0));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let index = linear_index(wid, groups, lid, WORKGROUP_SIZE);
  let plane = params.outSize.x * params.outSize.y;
  if (index >= plane) { return; }
  let ox = f32(index % params.outSize.x);
  let oy = f32(index / params.outSize.x);
  var sum = vec3<f32>(0.0);
  let n = f32(params.samples);
  for (var j = 0u; j < params.samples; j++) {
    for (var i = 0u; i < params.samples; i++) {
      sum += tap(ox + (f32(i) + 0.5) / n, oy + (f32(j) + 0.5) / n);
    }
  }
  let value = sum / (n * n);
  for (var c = 0u; c < params.channels; c++) {
    output[params.outOffset + c * plane + index] = (value[c] - params.mean[c]) / params.stddev[c];
  }
}
