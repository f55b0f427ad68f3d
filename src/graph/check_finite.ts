/**
 * The finite check of a run: counts NaN, +∞ and −∞ in a set of tensors on
 * the GPU, by their bits. The kernels propagate NaN and ∞ as PyTorch does,
 * but WGSL lets a driver assume floats are finite, so only a bit-level scan
 * is guaranteed to notice them; this is it.
 *
 * Built for the executor's run path: created once per set of tensors (the
 * pipelines and bind groups are made up front), encoded into the run's own
 * compute pass after the model's dispatches, its counts copied into the same
 * readback buffer as the outputs — no extra submit, no extra round trip.
 *
 * @example
 * const check = await createFiniteCheck(ctx, [{ name: 'logits', binding: logits, elements: 10 }]);
 * const pass = encoder.beginComputePass();
 * // … the model's dispatches …
 * check.encode(pass);
 * pass.end();
 * check.copyTo(encoder, readback, offset);          // beside the outputs
 * device.queue.submit([encoder.finish()]);
 * await readback.mapAsync(GPUMapMode.READ);
 * const report = check.decode(readback.getMappedRange(), offset);
 * if (hasNonFinite(report)) console.warn(describeNonFinite(report));
 */
import { InvalidParameterError } from '../errors.js';
import { paddedByteSize, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type BufferBinding, type PreparedDispatch } from '../kernels/dispatch.js';
import { clearCounts, countNonFinite, FINITE_COUNTS_PER_TENSOR } from '../kernels/finite_count.js';

/** One tensor to scan: `elements` f32 values at `binding`. */
export interface FiniteCheckTensor {
  /** Reported back as FiniteCount.tensor (an input or output name). */
  readonly name: string;
  /** A storage-bindable range (a whole buffer, or an arena offset with its size). */
  readonly binding: BufferBinding;
  readonly elements: number;
}

/** What the scan found in one tensor. */
export interface FiniteCount {
  readonly tensor: string;
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
}

/** One entry per scanned tensor, in the order they were given. */
export type FiniteReport = FiniteCount[];

export interface FiniteCheck {
  /** The scanned tensors' names, in report order. */
  readonly tensors: readonly string[];
  /** 3 u32 per tensor (NaN, +∞, −∞), written by encode(); STORAGE | COPY_SRC. */
  readonly counts: GPUBuffer;
  /** Bytes copyTo() copies: 12 per tensor, padded to 16 (a readback slot). */
  readonly byteLength: number;
  /**
   * Records the scan into a compute pass: first a dispatch zeroing the
   * counts, then one count per tensor. Put it after the dispatches that
   * write the tensors; dispatches of one pass see each other's writes.
   */
  encode(pass: GPUComputePassEncoder): void;
  /** Copies the counts into `target` at `targetOffset` (a multiple of 4), outside any pass. */
  copyTo(encoder: GPUCommandEncoder, target: GPUBuffer, targetOffset?: number): void;
  /** The report from the copied bytes (a mapped readback range and the offset they were copied to). */
  decode(bytes: ArrayBuffer | ArrayBufferView, byteOffset?: number): FiniteReport;
  /** Encodes, submits and reads back on its own: for tests and tools, not the run path. */
  run(): Promise<FiniteReport>;
  /** Destroys the counts buffer and the uniform buffers; the check is unusable after. */
  release(): void;
}

/**
 * Prepares a finite check of `tensors` (pipelines, bind groups, the counts
 * buffer). Throws InvalidParameterError for an empty list, a repeated name or
 * a tensor without elements.
 */
export async function createFiniteCheck(ctx: GpuContext, tensors: readonly FiniteCheckTensor[], label = 'finite check'): Promise<FiniteCheck> {
  if (tensors.length === 0) throw new InvalidParameterError('tensors', 'a finite check needs at least one tensor');
  const names = tensors.map((t) => t.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new InvalidParameterError('tensors', `"${repeated}" is listed twice`);
  const { device } = ctx;
  const words = FINITE_COUNTS_PER_TENSOR * tensors.length;
  const byteLength = paddedByteSize(words * 4);
  const counts = device.createBuffer({ label: `${label} counts`, size: byteLength, usage: TENSOR_USAGE });
  let prepared: PreparedDispatch[];
  try {
    prepared = await Promise.all([
      prepareDispatch(device, clearCounts(words, counts, `${label} clear`)),
      ...tensors.map((t, slot) => prepareDispatch(device, countNonFinite(t.elements, slot, t.binding, counts, `${label} ${t.name}`))),
    ]);
  } catch (error) {
    counts.destroy();
    throw error;
  }
  let released = false;

  const check: FiniteCheck = {
    tensors: names,
    counts,
    byteLength,
    encode(pass) {
      for (const d of prepared) encodeDispatch(pass, d);
    },
    copyTo(encoder, target, targetOffset = 0) {
      encoder.copyBufferToBuffer(counts, 0, target, targetOffset, byteLength);
    },
    decode(bytes, byteOffset = 0) {
      const [buffer, base] = ArrayBuffer.isView(bytes) ? [bytes.buffer, bytes.byteOffset] : [bytes, 0];
      const u32 = new Uint32Array(buffer, base + byteOffset, words);
      return names.map((tensor, i) => ({ tensor, nan: u32[3 * i]!, posInf: u32[3 * i + 1]!, negInf: u32[3 * i + 2]! }));
    },
    async run() {
      const staging = device.createBuffer({ label: `${label} readback`, size: byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      try {
        const encoder = device.createCommandEncoder({ label });
        const pass = encoder.beginComputePass({ label });
        check.encode(pass);
        pass.end();
        check.copyTo(encoder, staging);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const report = check.decode(staging.getMappedRange().slice(0));
        staging.unmap();
        return report;
      } finally {
        staging.destroy();
      }
    },
    release() {
      if (released) return;
      released = true;
      prepared.forEach(releaseDispatch);
      counts.destroy();
    },
  };
  return check;
}

/** True when any tensor of the report holds a NaN or an infinity. */
export function hasNonFinite(report: FiniteReport): boolean {
  return report.some((c) => c.nan + c.posInf + c.negInf > 0);
}

/**
 * One line per tensor with non-finite values, for a warning; '' when there are none.
 * @example describeNonFinite([{ tensor: 'logits', nan: 10, posInf: 0, negInf: 0 }])   // 'logits: 10 NaN'
 */
export function describeNonFinite(report: FiniteReport): string {
  return report
    .filter((c) => c.nan + c.posInf + c.negInf > 0)
    .map((c) => {
      const parts = [c.nan && `${c.nan} NaN`, c.posInf && `${c.posInf} +Inf`, c.negInf && `${c.negInf} -Inf`].filter(Boolean);
      return `${c.tensor}: ${parts.join(', ')}`;
    })
    .join('\n');
}
