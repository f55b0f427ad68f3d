// gemv_subgroups: the GEMV of gemv.wgsl (output = epilogue(x · W) for at most
// 4 rows) with its workgroup reduction done by subgroup operations, for
// devices with the `subgroups` feature: one subgroupAdd per (row, column)
// and a single barrier, where gemv.wgsl's tree takes log2 WG_SPLIT barriers.
// Needs the prelude shaders/common/enable_subgroups.wgsl listed first.
//
// Layouts and bindings: shaders/common/gemv_sums.wgsl (prepended), with the
// partial sums (same mapping and weight reads as gemv.wgsl: invocation
// (c, s) sums the rows k ≡ s (mod WG_SPLIT) of vec4 column c of the
// workgroup's WG_COLS) and the epilogue store.
//
// Reduction: nothing is assumed about the subgroup size (4 on SwiftShader, 32
// on NVIDIA, up to 128 elsewhere) nor about which invocations share a
// subgroup (WGSL ties subgroup_invocation_id to no local id). So for each
// column cc of the workgroup, every subgroup adds the sums of its invocations
// that hold column cc (the others add zero) and the lowest such lane is its
// leader; each leader takes the next free slot of its column (an atomic
// counter) and stores its subgroup's sums there. After one barrier,
// invocation (c, 0) adds the slots its column filled — as many as subgroups
// held column c, i.e. WG_SPLIT·WG_COLS / subgroup_size when subgroups are
// runs of consecutive local ids — applies the epilogue and writes its 4
// columns of each row. At most WG_SPLIT slots per column (each holds ≥ 1 of
// the column's WG_SPLIT invocations), so the tree's workgroup array suffices.
// Overrides: WG_COLS, WG_SPLIT (powers of two), and the epilogue's.

override WG_COLS: u32 = 4u;
override WG_SPLIT: u32 = 32u;
override PARTIAL_LEN: u32 = 4u * WG_COLS * WG_SPLIT;

// subgroup sums, [row][slot][column] of vec4
var<workgroup> partial: array<vec4<f32>, PARTIAL_LEN>;
// slots of each column filled so far (workgroup memory starts zeroed)
var<workgroup> filled: array<atomic<u32>, WG_COLS>;

@compute @workgroup_size(WG_COLS, WG_SPLIT)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(subgroup_invocation_id) lane: u32) {
  let c = lid.x;
  let s = lid.y;
  let col4 = wid.x * WG_COLS + c;
  let inside = col4 < params.ldw / 4u;
  // columns past the end sum nothing but still take part in the subgroup operations and the barrier
  let acc = gemv_partial_sums(s, col4, select(0u, params.k, inside));
  let m = params.m;

  var sums: array<vec4<f32>, 4>;
  var leader = false;
  for (var cc = 0u; cc < WG_COLS; cc++) {
    let mine = c == cc;
    let first = subgroupMin(select(0xffffffffu, lane, mine));
    for (var r = 0u; r < m; r++) {
      let t = subgroupAdd(select(vec4<f32>(), acc[r], mine));
      if (mine) { sums[r] = t; }
    }
    if (mine) { leader = lane == first; }
  }
  if (leader) {
    let slot = atomicAdd(&filled[c], 1u);
    for (var r = 0u; r < m; r++) {
      partial[(r * WG_SPLIT + slot) * WG_COLS + c] = sums[r];
    }
  }
  workgroupBarrier();

  if (s != 0u || !inside) { return; }
  let slots = atomicLoad(&filled[c]);
  for (var r = 0u; r < m; r++) {
    var sum = vec4<f32>();
    for (var i = 0u; i < slots; i++) {
      sum += partial[(r * WG_SPLIT + i) * WG_COLS + c];
    }
    gemv_write(r, col4, sum);
  }
}
