// Where a GEMM workgroup sits in its launch: prepended to both GEMM files
// (gemm_tiled.wgsl, gemm_tiled_vec4.wgsl) by the TS side, never templated.
// Workgroup x is the column tile; y and z together number the
// (row tile, batch, K slice) triples row-major, y fastest: one grid
// dimension holds at most 65,535 workgroups, so src/kernels/gemm.ts folds a
// larger count of row tiles into z (⌈M/64⌉ > 65535 is VGG at batch 84).
// Workgroups past the last triple get valid = false and return at once.

struct GemmPlace {
  rowTile: u32,
  batch: u32,
  slice: u32,
  valid: bool,
}

// rowTiles = ⌈M / TILE_M⌉; batch products; slices of K (1 when unsplit)
fn gemm_place(wid: vec3<u32>, groups: vec3<u32>, rowTiles: u32, batch: u32, slices: u32) -> GemmPlace {
  let lin = wid.z * groups.y + wid.y;
  let perSlice = rowTiles * batch;
  return GemmPlace(lin % rowTiles, (lin / rowTiles) % batch, lin / perSlice, lin < perSlice * slices);
}
