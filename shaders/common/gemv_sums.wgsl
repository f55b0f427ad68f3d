// The GEMV's interface and the two halves its variants share (gemv.wgsl,
// gemv_subgroups.wgsl differ only in how a workgroup adds its WG_SPLIT
// partial sums): prepended to their source by src/kernels/gemv.ts, after the
// epilogue it calls; WG_COLS and WG_SPLIT are each kernel's own overrides.
//
// Layouts: x row-major [m][k]; weight [k][ldw / 4] of vec4 — the GEMM's B
// layout [K][N] with every row padded by zero columns to ldw = 4·⌈n/4⌉, so
// each row is whole vec4s; bias [n]; residual [m] rows of residualStride;
// output rows of ldc, this product writing columns [colOffset, colOffset + n).
// Every uniform is in scalar elements.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  ldw: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> weight: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read> residual: array<f32>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

// Invocation s of a vec4 column sums the rows k = s, s + WG_SPLIT,
// s + 2·WG_SPLIT, … < kEnd of column col4, for all m rows of x at once (each
// weight vec4 is read once and used m times), four rows of W in flight per
// iteration. Rows r ≥ m stay zero.
fn gemv_partial_sums(s: u32, col4: u32, kEnd: u32) -> array<vec4<f32>, 4> {
  let ldw4 = params.ldw / 4u;
  let k = params.k;
  let m = params.m;
  var acc: array<vec4<f32>, 4>;
  let step = WG_SPLIT;
  var kk = s;
  for (; kk + 3u * step < kEnd; kk += 4u * step) {
    let w0 = weight[kk * ldw4 + col4];
    let w1 = weight[(kk + step) * ldw4 + col4];
    let w2 = weight[(kk + 2u * step) * ldw4 + col4];
    let w3 = weight[(kk + 3u * step) * ldw4 + col4];
    for (var r = 0u; r < 4u; r++) {
      if (r < m) {
        let xr = r * k + kk;
        acc[r] += x[xr] * w0 + x[xr + step] * w1 + x[xr + 2u * step] * w2 + x[xr + 3u * step] * w3;
      }
    }
  }
  for (; kk < kEnd; kk += step) {
    let w0 = weight[kk * ldw4 + col4];
    for (var r = 0u; r < 4u; r++) {
      if (r < m) { acc[r] += x[r * k + kk] * w0; }
    }
  }
  return acc;
}

// The epilogue and the store of the 4 columns of vec4 column col4, row r
// (the columns past n are padding and are not written).
fn gemv_write(r: u32, col4: u32, sum: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let col = col4 * 4u + j;
    if (col >= params.n) { break; }
    var v = sum[j];
    if (HAS_BIAS) { v += bias[col]; }
    if (HAS_RESIDUAL) { v += residual[r * params.residualStride + col]; }
    output[r * params.ldc + params.colOffset + col] = activate(v);
  }
}
