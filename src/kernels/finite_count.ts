/**
 * Counting NaN, +∞ and −∞ on the GPU by their bits (shaders/check/): the
 * kernels behind a run's finite check (src/graph/check_finite.ts). Counts
 * accumulate atomically, 3 u32 per tensor slot, so one counts buffer serves
 * every tensor a check scans; clearCounts zeroes it inside the same pass.
 */
import finiteWgsl from '../../shaders/check/finite.wgsl?raw';
import finiteClearWgsl from '../../shaders/check/finite_clear.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { ceilDiv } from './geometry.js';

export const finiteCountShader = defineShader('finite', finiteWgsl);
export const finiteClearShader = defineShader('finite_clear', finiteClearWgsl);

const COUNT_WORKGROUP_SIZE = 256;
const CLEAR_WORKGROUP_SIZE = 64;
/** Elements each invocation reads at least, before more workgroups are added. */
const ELEMENTS_PER_INVOCATION = 16;
/** Enough workgroups to fill a large GPU; beyond, the grid-stride loop takes over. */
const MAX_COUNT_WORKGROUPS = 1024;

/** The u32 words per tensor slot: NaN, +∞, −∞. */
export const FINITE_COUNTS_PER_TENSOR = 3;

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidParameterError(name, `must be a positive integer, got ${v}`);
}

/**
 * Adds the NaN, +∞ and −∞ counts of the first `elements` floats of `values`
 * to words 3·slot … 3·slot + 2 of `counts`.
 * @example countNonFinite(1000, 0, logits, counts)
 */
export function countNonFinite(elements: number, slot: number, values: BufferBinding, counts: BufferBinding, label = 'finite count'): DispatchSpec {
  positiveInteger('elements', elements);
  if (!Number.isInteger(slot) || slot < 0) throw new InvalidParameterError('slot', `must be a non-negative integer, got ${slot}`);
  const groups = Math.min(MAX_COUNT_WORKGROUPS, ceilDiv(elements, COUNT_WORKGROUP_SIZE * ELEMENTS_PER_INVOCATION));
  return {
    label,
    shader: finiteCountShader,
    constants: { WORKGROUP_SIZE: COUNT_WORKGROUP_SIZE },
    uniforms: { elements, slot },
    bindings: { values, counts },
    workgroups: [groups, 1, 1],
  };
}

/**
 * Zeroes the first `words` u32 of `counts`, as a dispatch (so it can sit in the pass before the counts).
 * @example clearCounts(3 * tensors.length, counts)
 */
export function clearCounts(words: number, counts: BufferBinding, label = 'finite clear'): DispatchSpec {
  positiveInteger('words', words);
  return {
    label,
    shader: finiteClearShader,
    constants: { WORKGROUP_SIZE: CLEAR_WORKGROUP_SIZE },
    uniforms: { words },
    bindings: { counts },
    workgroups: [1, 1, 1],
  };
}
