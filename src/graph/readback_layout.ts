/**
 * Where a run's outputs and finite counts sit in its readback buffer, and
 * the copies that put them there: shared by runs encoded on the spot and
 * runs encoded ahead (run_slots.ts), which must agree byte for byte.
 */
import { paddedByteSize } from '../gpu/buffers.js';
import type { BufferBinding } from '../kernels/dispatch.js';
import type { FiniteCheck } from './check_finite.js';
import type { IoTensor } from './run_inputs.js';

/** Where a run's outputs and finite counts sit in its readback buffer. */
export interface ReadbackLayout {
  offsets: number[];
  finiteOffset: number;
  bytes: number;
}

export function readbackLayout(outputs: readonly IoTensor[], finite: FiniteCheck | undefined): ReadbackLayout {
  const offsets: number[] = [];
  let bytes = 0;
  for (const o of outputs) {
    offsets.push(bytes);
    bytes += paddedByteSize(o.elements * 4);
  }
  const finiteOffset = bytes;
  if (finite) bytes += finite.byteLength;
  return { offsets, finiteOffset, bytes };
}

/** Copies `outputs` and the finite counts into `readback` as `layout` places them. */
export function copyResults(encoder: GPUCommandEncoder, readback: GPUBuffer, outputs: readonly (IoTensor & { source: BufferBinding })[], finite: FiniteCheck | undefined, layout: ReadbackLayout): void {
  outputs.forEach((o, i) => copyBinding(encoder, o.source, readback, layout.offsets[i]!, o.elements * 4));
  finite?.copyTo(encoder, readback, layout.finiteOffset);
}

export function copyBinding(encoder: GPUCommandEncoder, source: BufferBinding, target: GPUBuffer, targetOffset: number, bytes: number): void {
  const [buffer, offset] = 'buffer' in source ? [source.buffer, source.offset ?? 0] : [source, 0];
  encoder.copyBufferToBuffer(buffer, offset, target, targetOffset, bytes);
}
