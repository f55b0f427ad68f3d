/**
 * Dispatch geometry shared by the kernels. Large 1-D problems are folded
 * into a 2-D grid because one grid dimension holds at most 65,535
 * workgroups; shaders unfold it with `linear_index` (or `workgroup_index`,
 * one workgroup per item) from shaders/common/linear_index.wgsl, which each
 * such kernel's defineShader prepends.
 */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Workgroups covering `invocations` threads, `workgroupSize` per group, folded into x and y. */
export function linearWorkgroups(invocations: number, workgroupSize: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(invocations / workgroupSize));
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(groups / y), y, 1];
}

export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
