// Display only (demo/map_canvas.ts): colours feature maps that a model left
// on the GPU (run(x, { keepOnGpu: true })) for a canvas. No arithmetic here is
// a model's: the maps come from the library's kernels; this file only picks a
// colour per value.
//
// values: one image's maps, NCHW with N = 1: map m, row y, column x at
// m·H·W + y·W + x. The canvas is a grid of `columns` tiles of H×W canvas
// pixels, `gap` pixels apart; one fragment = one value.
//
// Entry points:
//  - ranges (compute): one workgroup per map (workgroup_id.x), WORKGROUP_SIZE
//    invocations stride over its H·W values and reduce min and max in
//    workgroup memory into ranges_out[map].
//  - vertex_main / fragment_main: a full-canvas triangle into a WebGPU
//    canvas; each fragment is coloured by colour_at.
//  - paint (compute): the same colours as packed RGBA8 (R in the low byte,
//    ImageData's order) into `pixels`, one invocation per canvas pixel, for
//    adapters whose canvases cannot present WebGPU textures.
// colour_at finds a canvas pixel's tile and value: mode 0 = signed (blue < 0 <
// orange, scaled by `scale`, or by the map's own max |value| when scale is 0),
// mode 1 = gray (0 black … 1 white, clamped).

struct View {
  map_width: u32,
  map_height: u32,
  maps: u32,
  columns: u32,
  gap: u32,
  mode: u32,
  scale: f32,
  _pad: u32,
}

override WORKGROUP_SIZE: u32 = 64u;

@group(0) @binding(0) var<storage, read> values: array<f32>;
@group(0) @binding(1) var<uniform> view: View;
@group(0) @binding(2) var<storage, read_write> ranges_out: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> ranges_in: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> pixels: array<u32>;

var<workgroup> lows: array<f32, WORKGROUP_SIZE>;
var<workgroup> highs: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn ranges(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let size = view.map_width * view.map_height;
  let base = wid.x * size;
  var lo = 3.4e38;
  var hi = -3.4e38;
  for (var i = lid; i < size; i += WORKGROUP_SIZE) {
    let v = values[base + i];
    lo = min(lo, v);
    hi = max(hi, v);
  }
  lows[lid] = lo;
  highs[lid] = hi;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      lows[lid] = min(lows[lid], lows[lid + stride]);
      highs[lid] = max(highs[lid], highs[lid + stride]);
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ranges_out[wid.x] = vec2<f32>(lows[0], highs[0]);
  }
}

@vertex
fn vertex_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
  // one triangle that covers the canvas: (-1,-1), (3,-1), (-1,3)
  let xy = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u)) * 2.0 - 1.0;
  return vec4<f32>(xy, 0.0, 1.0);
}

const BACKGROUND = vec4<f32>(0.086, 0.106, 0.133, 1.0);
const NEGATIVE = vec3<f32>(0.35, 0.69, 1.0);
const POSITIVE = vec3<f32>(1.0, 0.62, 0.2);

fn colour_at(px: u32, py: u32) -> vec4<f32> {
  let pitch_x = view.map_width + view.gap;
  let pitch_y = view.map_height + view.gap;
  let x = px % pitch_x;
  let y = py % pitch_y;
  let map = (py / pitch_y) * view.columns + px / pitch_x;
  if (x >= view.map_width || y >= view.map_height || px / pitch_x >= view.columns || map >= view.maps) {
    return BACKGROUND;
  }
  let v = values[map * view.map_width * view.map_height + y * view.map_width + x];
  if (view.mode == 1u) {
    let g = clamp(v, 0.0, 1.0);
    return vec4<f32>(g, g, g, 1.0);
  }
  var scale = view.scale;
  if (scale <= 0.0) {
    let r = ranges_in[map];
    scale = max(max(abs(r.x), abs(r.y)), 1e-6);
  }
  let t = clamp(v / scale, -1.0, 1.0);
  // sqrt lifts faint responses out of the dark, as a display gamma would
  let colour = select(NEGATIVE, POSITIVE, t >= 0.0) * sqrt(abs(t));
  return vec4<f32>(colour, 1.0);
}

@fragment
fn fragment_main(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
  return colour_at(u32(position.x), u32(position.y));
}

// pixel i = row-major over the canvas (a 1-D grid of workgroups); invocations past the last pixel do nothing
@compute @workgroup_size(WORKGROUP_SIZE)
fn paint(@builtin(global_invocation_id) gid: vec3<u32>) {
  let canvas_width = view.columns * (view.map_width + view.gap) - view.gap;
  let rows = (view.maps + view.columns - 1u) / view.columns;
  let canvas_height = rows * (view.map_height + view.gap) - view.gap;
  let i = gid.x;
  if (i >= canvas_width * canvas_height) {
    return;
  }
  pixels[i] = pack4x8unorm(colour_at(i % canvas_width, i / canvas_width));
}
