// gemv: output = epilogue(x · W) for at most 4 rows (a fully connected layer at
// batch ≤ 4), where the tiled GEMM's 4-row tile would idle 3 of 4 rows and run
// too few workgroups to reach the memory bandwidth such a layer is bound by.
//   output[r][colOffset + j] = act(Σ_k x[r][k] · W[k][j] + bias[j] + residual[r][j])
//
// Layouts: x row-major [m][k]; weight [k][ldw / 4] of vec4 — the GEMM's B
// layout [K][N] with every row padded by zero columns to ldw = 4·⌈n/4⌉, so
// each row is whole vec4s; bias [n]; residual [m] rows of residualStride;
// output rows of ldc, this product writing columns [colOffset, colOffset + n).
// Every uniform is in scalar elements.
//
// Mapping: a workgroup of WG_COLS × WG_SPLIT invocations owns WG_COLS vec4
// columns (4·WG_COLS outputs of each row). Invocation (c, s) sums the rows
// k = s, s + WG_SPLIT, s + 2·WG_SPLIT, … of its vec4 column for all m rows
// of x at once (each weight vec4 is read once and used m times), four rows of
// W in flight per iteration; neighbouring c read neighbouring 16 bytes of one
// weight row, so a workgroup reads WG_SPLIT runs of 16·WG_COLS bytes per step.
// The WG_SPLIT partial sums of each (row, column) are then added in a tree in
// workgroup memory (log2 WG_SPLIT barriers) and invocation (c, 0) applies the
// epilogue and writes its 4 columns of each row. src/kernels/gemv.ts sizes
// WG_COLS so the grid fills a GPU (its gemvColumnsPerWorkgroup).
// Overrides: WG_COLS, WG_SPLIT (powers of two), and the epilogue's.

override WG_COLS: u32 = 4u;
override WG_SPLIT: u32 = 32u;
override PARTIAL_LEN: u32 = 4u * WG_COLS * WG_SPLIT;

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

// partial sums, [row][split][column] of vec4
var<workgroup> partial: array<vec4<f32>, PARTIAL_LEN>;

@compute @workgroup_size(WG_COLS, WG_SPLIT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = lid.x;
  let s = lid.y;
  let ldw4 = params.ldw / 4u;
  let col4 = wid.x * WG_COLS + c;
  let k = params.k;
  let m = params.m;
  // columns past the end sum nothing but still take part in the barriers below
  let kEnd = select(0u, k, col4 < ldw4);

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

  for (var r = 0u; r < 4u; r++) {
    partial[(r * WG_SPLIT + s) * WG_COLS + c] = acc[r];
  }
  workgroupBarrier();
  for (var half = WG_SPLIT / 2u; half > 0u; half /= 2u) {
    if (s < half) {
      for (var r = 0u; r < 4u; r++) {
        let at = (r * WG_SPLIT + s) * WG_COLS + c;
        partial[at] += partial[at + half * WG_COLS];
      }
    }
    workgroupBarrier();
  }

  if (s != 0u || col4 >= ldw4) { return; }
  for (var r = 0u; r < m; r++) {
    let sum = partial[r * WG_SPLIT * WG_COLS + c];
    for (var j = 0u; j < 4u; j++) {
      let col = col4 * 4u + j;
      if (col >= params.n) { break; }
      var v = sum[j];
      if (HAS_BIAS) { v += bias[col]; }
      if (HAS_RESIDUAL) { v += residual[r * params.residualStride + col]; }
      output[r * params.ldc + params.colOffset + col] = activate(v);
    }
  }
}
