// gemm_register_blocked_8x8: output = epilogue(A · B), batched over
// workgroup z; the GPU-class core beside gemm_tiled_vec4.wgsl, with the same
// contract (read gemm_tiled.wgsl's header for the layouts and uniforms):
// A [batch][M][K], B [batch][K][N] row-major; result (m, n) of batch z is
// channel c = z·N + n of row m, written to output[m·ldc + colOffset + c];
// bias[c] and residual[m·residualStride + c] feed the shared epilogue.
// K, N, ldc, colOffset, the batch strides and residualStride must all be
// multiples of 4 (every uniform stays in scalar elements).
//
// Mapping: a workgroup of WG_X × WG_Y invocations computes a TILE_M × TILE_N
// = (8·WG_Y) × (8·WG_X) output tile; each invocation an 8 × 8 register block
// split in four 4 × 4 quarters, rows {4·ty.., TILE_M/2 + 4·ty..} × columns
// {4·tx.., TILE_N/2 + 4·tx..}, so neighbouring invocations read neighbouring
// vec4s of workgroup memory (no bank conflicts) and store neighbouring vec4s.
//
// Per K step (TILE_K deep), in workgroup memory:
//   tileA: A's TILE_M × TILE_K block transposed, [TILE_K][TILE_M / 4] vec4:
//          one k's 4 consecutive rows per vec4, so an invocation reads its
//          8 rows for one k as two vec4 (broadcast across the x invocations);
//   tileB: B's TILE_K × TILE_N block, [TILE_K][TILE_N / 4] vec4.
// Per k that is 4 vec4 reads for 64 multiply-adds (gemm_tiled_vec4: 4 scalar
// + 1 vec4 reads for 16). Each invocation loads LOADS_A and LOADS_B vec4s of
// the next K tile into registers while the current tile is multiplied
// (register prefetch), so one barrier pair per K step hides the global loads.
//
// FITS: M % TILE_M, N % TILE_N and K % TILE_K are all 0, so every bounds
// check is compiled out (the TS side sets it only then); otherwise loads past
// the matrix read 0 and stores past it are skipped.
//
// Grid: x × y workgroups numbered row-major (workgroup_index from
// shaders/common/linear_index.wgsl) walk the output tiles with the column
// tile fastest; unfolded the grid is ⌈N/TILE_N⌉ × ⌈M/TILE_M⌉, and where the
// rows need more than 65,535 workgroups the TS side folds the count into x
// and y (extra workgroups past the last tile return at once).
//
// Overrides: WG_X, WG_Y, TILE_K (a multiple of 4), FITS, and the epilogue's.
// TILE_M·TILE_K/4 and TILE_K·TILE_N/4 must be multiples of WG_X·WG_Y with at
// most 4 loads each per invocation (the prefetch registers); the TS registry
// test checks every tile.

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
override FITS: bool = false;
override TILE_M: u32 = WG_Y * 8u;
override TILE_N: u32 = WG_X * 8u;
override TILE_M4: u32 = TILE_M / 4u;
override TILE_N4: u32 = TILE_N / 4u;
override TILE_K4: u32 = TILE_K / 4u;
override TILE_A_LEN4: u32 = TILE_K * TILE_M4;
override TILE_B_LEN4: u32 = TILE_K * TILE_N4;
override THREADS: u32 = WG_X * WG_Y;
override LOADS_A: u32 = TILE_M * TILE_K4 / THREADS;
override LOADS_B: u32 = TILE_K * TILE_N4 / THREADS;

// the most vec4 loads per invocation and operand a tile may need
const MAX_LOADS: u32 = 4u;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  aBatchStride: u32,
  bBatchStride: u32,
  ldc: u32,
  colOffset: u32,
  residualStride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> output: array<vec4<f32>>;

var<workgroup> tileA: array<vec4<f32>, TILE_A_LEN4>;
var<workgroup> tileB: array<vec4<f32>, TILE_B_LEN4>;

fn activate4(v: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}

// load q of this invocation's share of A's tile: row q / TILE_K4, k-vec4 q % TILE_K4
// (TILE_K4 neighbouring invocations read one row's contiguous run)
fn loadA(aBase4: u32, rowBase: u32, k04: u32, q: u32) -> vec4<f32> {
  let row = rowBase + q / TILE_K4;
  let col4 = k04 + q % TILE_K4;
  if (FITS || (row < params.m && col4 < params.k / 4u)) { return a[aBase4 + row * (params.k / 4u) + col4]; }
  return vec4<f32>(0.0);
}

// load q of B's tile: k row q / TILE_N4, column vec4 q % TILE_N4
fn loadB(bBase4: u32, colBase4: u32, k0: u32, q: u32) -> vec4<f32> {
  let row = k0 + q / TILE_N4;
  let col4 = colBase4 + q % TILE_N4;
  if (FITS || (row < params.k && col4 < params.n / 4u)) { return b[bBase4 + row * (params.n / 4u) + col4]; }
  return vec4<f32>(0.0);
}

// the tile row of register row r (0..7): the upper quarters first, then the lower
fn blockRow(ty: u32, r: u32) -> u32 {
  return select(TILE_M / 2u + ty * 4u + r - 4u, ty * 4u + r, r < 4u);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let colTiles = (params.n + TILE_N - 1u) / TILE_N;
  let rowTiles = (params.m + TILE_M - 1u) / TILE_M;
  let tile = workgroup_index(wid, groups);
  let rowTile = tile / colTiles;
  if (rowTile >= rowTiles) { return; }
  let rowBase = rowTile * TILE_M;
  let colBase4 = (tile % colTiles) * TILE_N4;
  let flat = lid.y * WG_X + lid.x;
  let aBase4 = wid.z * params.aBatchStride / 4u;
  let bBase4 = wid.z * params.bBatchStride / 4u;

  var nextA: array<vec4<f32>, MAX_LOADS>;
  var nextB: array<vec4<f32>, MAX_LOADS>;
  for (var i = 0u; i < LOADS_A; i++) { nextA[i] = loadA(aBase4, rowBase, 0u, flat + i * THREADS); }
  for (var i = 0u; i < LOADS_B; i++) { nextB[i] = loadB(bBase4, colBase4, 0u, flat + i * THREADS); }

  // acc[2·r + j]: register row r, column quarter j (columns 4·tx.. or TILE_N/2 + 4·tx..)
  var acc: array<vec4<f32>, 16>;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    for (var i = 0u; i < LOADS_A; i++) {
      let q = flat + i * THREADS;
      let r = q / TILE_K4;
      let at = (q % TILE_K4) * 4u * TILE_M4 + r / 4u;
      let v = nextA[i];
      tileA[at][r % 4u] = v.x;
      tileA[at + TILE_M4][r % 4u] = v.y;
      tileA[at + 2u * TILE_M4][r % 4u] = v.z;
      tileA[at + 3u * TILE_M4][r % 4u] = v.w;
    }
    for (var i = 0u; i < LOADS_B; i++) { tileB[flat + i * THREADS] = nextB[i]; }
    workgroupBarrier();

    // the next tile's global loads are in flight while this one is multiplied
    let k1 = k0 + TILE_K;
    if (k1 < params.k) {
      for (var i = 0u; i < LOADS_A; i++) { nextA[i] = loadA(aBase4, rowBase, k1 / 4u, flat + i * THREADS); }
      for (var i = 0u; i < LOADS_B; i++) { nextB[i] = loadB(bBase4, colBase4, k1, flat + i * THREADS); }
    }

    for (var k = 0u; k < TILE_K; k++) {
      let a0 = tileA[k * TILE_M4 + lid.y];
      let a1 = tileA[k * TILE_M4 + WG_Y + lid.y];
      let b0 = tileB[k * TILE_N4 + lid.x];
      let b1 = tileB[k * TILE_N4 + WG_X + lid.x];
      for (var r = 0u; r < 4u; r++) {
        acc[2u * r] += a0[r] * b0;
        acc[2u * r + 1u] += a0[r] * b1;
        acc[2u * r + 8u] += a1[r] * b0;
        acc[2u * r + 9u] += a1[r] * b1;
      }
    }
    workgroupBarrier();
  }

  let n4 = params.n / 4u;
  for (var j = 0u; j < 2u; j++) {
    let col4 = colBase4 + j * WG_X + lid.x;
    if (!FITS && col4 >= n4) { continue; }
    let channel4 = wid.z * n4 + col4;
    var bias4 = vec4<f32>(0.0);
    if (HAS_BIAS) { bias4 = bias[channel4]; }
    for (var r = 0u; r < 8u; r++) {
      let row = rowBase + blockRow(lid.y, r);
      if (!FITS && row >= params.m) { continue; }
      var v = acc[2u * r + j] + bias4;
      if (HAS_RESIDUAL) { v += residual[row * params.residualStride / 4u + channel4]; }
      output[(row * params.ldc + params.colOffset) / 4u + channel4] = activate4(v);
    }
  }
}
