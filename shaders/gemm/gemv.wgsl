// gemv: output = epilogue(x · W) for at most 4 rows (a fully connected layer at
// batch ≤ 4), where the tiled GEMM's 4-row tile would idle 3 of 4 rows and run
// too few workgroups to reach the memory bandwidth such a layer is bound by.
//   output[r][colOffset + j] = act(Σ_k x[r][k] · W[k][j] + bias[j] + residual[r][j])
// This is the variant for every adapter; gemv_subgroups.wgsl replaces its
// reduction where the device has the `subgroups` feature.
//
// Layouts and bindings: shaders/common/gemv_sums.wgsl (prepended), with the
// partial sums and the epilogue store both variants share.
//
// Mapping: a workgroup of WG_COLS × WG_SPLIT invocations owns WG_COLS vec4
// columns (4·WG_COLS outputs of each row). Invocation (c, s) sums the rows
// k ≡ s (mod WG_SPLIT) of its vec4 column (gemv_partial_sums); neighbouring c
// read neighbouring 16 bytes of one weight row, so a workgroup reads WG_SPLIT
// runs of 16·WG_COLS bytes per step. The WG_SPLIT partial sums of each
// (row, column) are then added in a tree in workgroup memory (log2 WG_SPLIT
// barriers) and invocation (c, 0) applies the epilogue and writes its 4
// columns of each row. src/kernels/gemv.ts sizes WG_COLS so the grid fills a
// GPU (its gemvColumnsPerWorkgroup).
// Overrides: WG_COLS, WG_SPLIT (powers of two), and the epilogue's.

override WG_COLS: u32 = 4u;
override WG_SPLIT: u32 = 32u;
override PARTIAL_LEN: u32 = 4u * WG_COLS * WG_SPLIT;

// partial sums, [row][split][column] of vec4
var<workgroup> partial: array<vec4<f32>, PARTIAL_LEN>;

@compute @workgroup_size(WG_COLS, WG_SPLIT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let c = lid.x;
  let s = lid.y;
  let col4 = wid.x * WG_COLS + c;
  let inside = col4 < params.ldw / 4u;
  // columns past the end sum nothing but still take part in the barriers below
  let acc = gemv_partial_sums(s, col4, select(0u, params.k, inside));

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

  if (s != 0u || !inside) { return; }
  for (var r = 0u; r < params.m; r++) {
    gemv_write(r, col4, partial[r * WG_SPLIT * WG_COLS + c]);
  }
}
