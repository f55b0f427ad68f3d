// Walking a tensor of up to 8 axes through element strides: prepended to a
// kernel's source by the TS side (src/kernels/strided.ts builds the uniform
// values), never templated. The axes are given outermost first as two
// vec4s: (d0.x, d0.y, d0.z, d0.w, d1.x, …, d1.w), d1.w the innermost;
// unused leading axes have extent 1. A view of a tensor is one signed
// element stride per axis plus a base offset, so the same walk reads a
// transposed, sliced (negative steps too), broadcast (stride 0) or tiled
// (an axis split in two, the outer one of stride 0) tensor in any layout.

// the extent of axis k (0 = outermost)
fn axis_extent(d0: vec4<u32>, d1: vec4<u32>, k: u32) -> u32 {
  if (k < 4u) { return d0[k]; }
  return d1[k - 4u];
}

// the coordinates of element `index` of the row-major walk over the axes
fn unravel(index: u32, d0: vec4<u32>, d1: vec4<u32>) -> array<u32, 8> {
  var coords: array<u32, 8>;
  var rest = index;
  for (var k = 7i; k >= 0i; k--) {
    let extent = axis_extent(d0, d1, u32(k));
    coords[k] = rest % extent;
    rest = rest / extent;
  }
  return coords;
}

// the element offset of `coords` in a view: base + Σ coords[k] · stride[k]
fn view_offset(coords: array<u32, 8>, s0: vec4<i32>, s1: vec4<i32>, base: i32) -> u32 {
  var offset = base;
  for (var k = 0u; k < 4u; k++) {
    offset += i32(coords[k]) * s0[k] + i32(coords[k + 4u]) * s1[k];
  }
  return u32(offset);
}
