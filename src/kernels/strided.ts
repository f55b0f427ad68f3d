/**
 * Strided walks: the host side of shaders/common/strided_index.wgsl. A walk
 * is a list of axis extents (outermost first) and, per tensor it touches, a
 * view: one signed element stride per axis and a base offset. The kernels
 * built on it (stridedCopy here, the any-rank binary, reduction and softmax
 * kernels) accept tensors of any rank and layout because the view, not the
 * kernel, knows where each element lives.
 */
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import stridedIndexWgsl from '../../shaders/common/strided_index.wgsl?raw';
import stridedCopyWgsl from '../../shaders/strided_copy.wgsl?raw';
import { InvalidParameterError, UnsupportedConfigurationError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

/** How many axes a walk holds after compaction (two vec4s in the shaders). */
export const MAX_WALK_AXES = 8;

/** Where the elements of a tensor are, along a walk's axes. */
export interface View {
  /** One element stride per walk axis (0: broadcast, negative: walked backwards). */
  readonly strides: readonly number[];
  /** The element offset of the walk's first element. */
  readonly offset: number;
}

export interface Walk {
  readonly dims: readonly number[];
  readonly views: readonly View[];
}

export const stridedCopyShader = defineShader('strided_copy', linearIndexWgsl, stridedIndexWgsl, stridedCopyWgsl);
const WORKGROUP_SIZE = 64;

/** Row-major element strides of `dims`. */
export function rowMajorStrides(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length).fill(1);
  for (let k = dims.length - 2; k >= 0; k--) strides[k] = strides[k + 1]! * dims[k + 1]!;
  return strides;
}

/**
 * The same walk over fewer axes: unit axes dropped, and an axis merged into
 * the next inner one wherever every view steps through both as one run
 * (stride[k] = stride[k+1] · dims[k+1]). Offsets are unchanged.
 * @example compactWalk({ dims: [2, 1, 3, 4], views: [{ strides: [12, 0, 4, 1], offset: 0 }] })   // dims [24]
 */
export function compactWalk(walk: Walk): Walk {
  walk.dims.forEach((d, k) => {
    if (!Number.isInteger(d) || d < 1) throw new InvalidParameterError(`dims[${k}]`, `must be a positive integer, got ${d}`);
  });
  walk.views.forEach((v, i) => {
    if (v.strides.length !== walk.dims.length) throw new InvalidParameterError(`views[${i}]`, `has ${v.strides.length} strides for ${walk.dims.length} axes`);
  });
  const keep = walk.dims.map((_, k) => k).filter((k) => walk.dims[k]! > 1);
  const dims: number[] = [];
  const strides: number[][] = walk.views.map(() => []);
  for (const k of keep) {
    const last = dims.length - 1;
    const mergeable = last >= 0 && walk.views.every((v, i) => strides[i]![last] === v.strides[k]! * walk.dims[k]!);
    if (mergeable) {
      dims[last] = dims[last]! * walk.dims[k]!;
      walk.views.forEach((v, i) => (strides[i]![last] = v.strides[k]!));
    } else {
      dims.push(walk.dims[k]!);
      walk.views.forEach((v, i) => strides[i]!.push(v.strides[k]!));
    }
  }
  return { dims, views: walk.views.map((v, i) => ({ strides: strides[i]!, offset: v.offset })) };
}

/** A compacted walk as the shaders' uniform fields: `${prefix}0/1` per view, `dims0/1`, `total`. */
export function walkUniforms(walk: Walk, viewNames: readonly string[], what: string): Record<string, number | number[]> {
  const c = compactWalk(walk);
  if (c.dims.length > MAX_WALK_AXES) {
    throw new UnsupportedConfigurationError(`${what}: the tensors need ${c.dims.length} independent axes; kernels walk at most ${MAX_WALK_AXES}`);
  }
  const lead = MAX_WALK_AXES - c.dims.length;
  const dims = [...new Array<number>(lead).fill(1), ...c.dims];
  const out: Record<string, number | number[]> = { dims0: dims.slice(0, 4), dims1: dims.slice(4), total: c.dims.reduce((a, b) => a * b, 1) };
  viewNames.forEach((name, i) => {
    const s = [...new Array<number>(lead).fill(0), ...c.views[i]!.strides];
    out[`${name}0`] = s.slice(0, 4);
    out[`${name}1`] = s.slice(4);
  });
  return out;
}

/**
 * output[out view] = input[in view] over every element of the walk.
 * @example
 * // transpose a row-major [2, 3] into [3, 2]
 * stridedCopy([3, 2], { strides: [1, 3], offset: 0 }, { strides: [2, 1], offset: 0 }, x, y)
 */
export function stridedCopy(dims: readonly number[], from: View, to: View, input: BufferBinding, output: BufferBinding, label = 'strided_copy'): DispatchSpec {
  const u = walkUniforms({ dims, views: [from, to] }, ['inStrides', 'outStrides'], label);
  const total = u.total as number;
  return {
    label,
    shader: stridedCopyShader,
    constants: { WORKGROUP_SIZE },
    uniforms: { ...u, inOffset: from.offset, outOffset: to.offset },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}

/**
 * stridedCopy for walks that still need more than MAX_WALK_AXES axes after
 * compaction (a rank-5 or rank-6 tile splits each repeated axis in two):
 * the outermost axis is peeled off on the host, one dispatch per index of it
 * at its offset, until the rest fits.
 */
export function stridedCopies(dims: readonly number[], from: View, to: View, input: BufferBinding, output: BufferBinding, label = 'strided_copy'): DispatchSpec[] {
  if (!dims.length || compactWalk({ dims, views: [from, to] }).dims.length <= MAX_WALK_AXES) return [stridedCopy(dims, from, to, input, output, label)];
  const peel = (v: View, i: number): View => ({ strides: v.strides.slice(1), offset: v.offset + i * v.strides[0]! });
  return Array.from({ length: dims[0]! }, (_, i) => stridedCopies(dims.slice(1), peel(from, i), peel(to, i), input, output, `${label} [${i}]`)).flat();
}
