// Unfolding a 1-D problem dispatched as a 2-D grid: prepended to a kernel's
// source by the TS side (its defineShader), never templated. One grid
// dimension holds at most 65,535 workgroups, so src/kernels/geometry.ts
// (linearWorkgroups) folds a larger count into x and y; the workgroups are
// numbered row-major over that grid, the invocations inside one by
// local_invocation_index. Extra invocations past the problem's end get
// indices ≥ its size: each kernel returns early on them.

// the linear number of this workgroup in the grid: wid.y · groups.x + wid.x
fn workgroup_index(wid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return wid.y * groups.x + wid.x;
}

// the linear number of this invocation: workgroup_index · wg_size + lid
// (wid = workgroup_id, groups = num_workgroups, lid = local_invocation_index,
// wg_size = the kernel's WORKGROUP_SIZE)
fn linear_index(wid: vec3<u32>, groups: vec3<u32>, lid: u32, wg_size: u32) -> u32 {
  return workgroup_index(wid, groups) * wg_size + lid;
}
