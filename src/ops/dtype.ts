/**
 * Where integer tensors may go. The GPU kernels all compute in float32, so
 * an int64 tensor (ArgMax/ArgMin, TopK's indices, held as float32-exact
 * integers) may only reach a graph output, through ops that move no numbers
 * or only relabel the shape. Anything else reading one would silently treat
 * indices as floats: the builder refuses it instead.
 */
import type { ElementType } from './types.js';

export type { ElementType } from './types.js';

/** The IR ops that pass an int64 input on unchanged (their output is int64 too). */
export const INT64_PASSTHROUGH_OPS: ReadonlySet<string> = new Set(['reshape', 'flatten', 'identity', 'dropout']);

/** The element type of a node's output: `declared` if given, int64 when a passthrough op reads int64, else float32. */
export function outputDtype(op: string, inputDtypes: readonly (ElementType | undefined)[], declared: ElementType | undefined): ElementType | undefined {
  if (declared) return declared === 'float32' ? undefined : declared;
  return INT64_PASSTHROUGH_OPS.has(op) && inputDtypes.includes('int64') ? 'int64' : undefined;
}
