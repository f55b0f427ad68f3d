/**
 * How each executable node runs, looked up in the operator table: the
 * weights it uploads (in its kernel's layout), the scratch it needs, and —
 * once memory is placed — its dispatches. Kept in two phases because scratch
 * must be planned before the dispatches can name buffers.
 */
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { concatCopy as copyIntoSlice } from '../ops/concat.js';
import type { NodeKernel } from '../ops/op.js';
import { kernelDef } from '../ops/table.js';
import type { ExecGraph, ExecNode } from './exec_graph.js';

export type { NodeBindings, NodeKernel } from '../ops/op.js';
export { nhwcDims } from '../ops/layout.js';
export { linearColumnChunks } from '../ops/linear.js';

/**
 * `computeUnits`: one wave of the device (gpu/compute_units.ts); the default plans no split-K for GEMMs of 2+ workgroups.
 * `subgroups`: the device has the feature and the compile allows it (default off: the workgroup-memory kernels).
 */
export function nodeKernel(g: ExecGraph, n: ExecNode, maxBindingBytes: number, computeUnits = 1, subgroups = false): NodeKernel {
  return kernelDef(n.kind).kernel(n, { shape: (t) => g.shapes.get(t)!, maxBindingBytes, computeUnits, subgroups, label: n.sources.join('+') });
}

/** The copy that places one concat input into its channel slice (when its producer could not). */
export function concatCopy(g: ExecGraph, input: number, source: BufferBinding, output: BufferBinding, slice: ChannelSlice, label: string): DispatchSpec {
  return copyIntoSlice(g.shapes.get(input)!, source, output, slice, label);
}
