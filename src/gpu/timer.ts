/**
 * Timing GPU work: timestamp queries around a compute pass where the device
 * has `timestamp-query`, otherwise wall time from submit to queue completion
 * (which includes submission overhead — the result says which it is).
 */
import type { GpuContext } from './device.js';

export type TimingSource = 'gpu-timestamps' | 'queue-completion';

export interface PassTiming {
  milliseconds: number;
  source: TimingSource;
}

/** Times passes, reusing one query set and its buffers across runs. */
export class PassTimer {
  readonly source: TimingSource;
  private readonly querySet?: GPUQuerySet;
  private readonly resolveBuffer?: GPUBuffer;
  private readonly readBuffer?: GPUBuffer;

  constructor(private readonly ctx: GpuContext) {
    this.source = ctx.features.timestampQuery ? 'gpu-timestamps' : 'queue-completion';
    if (ctx.features.timestampQuery) {
      const { device } = ctx;
      this.querySet = device.createQuerySet({ label: 'pass timer', type: 'timestamp', count: 2 });
      this.resolveBuffer = device.createBuffer({ label: 'pass timer resolve', size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      this.readBuffer = device.createBuffer({ label: 'pass timer read', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    }
  }

  /** Records `encode` into one compute pass, submits, and returns how long the pass took. */
  async time(encode: (pass: GPUComputePassEncoder) => void): Promise<PassTiming> {
    const { device } = this.ctx;
    const encoder = device.createCommandEncoder({ label: 'timed pass' });
    const pass = encoder.beginComputePass(
      this.querySet ? { timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
    );
    encode(pass);
    pass.end();
    if (this.querySet) {
      encoder.resolveQuerySet(this.querySet, 0, 2, this.resolveBuffer!, 0);
      encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16);
    }
    const started = performance.now();
    device.queue.submit([encoder.finish()]);
    if (!this.querySet) {
      await device.queue.onSubmittedWorkDone();
      return { milliseconds: performance.now() - started, source: this.source };
    }
    await this.readBuffer!.mapAsync(GPUMapMode.READ);
    const [begin, end] = new BigUint64Array(this.readBuffer!.getMappedRange().slice(0));
    this.readBuffer!.unmap();
    return { milliseconds: Number(end! - begin!) / 1e6, source: this.source };
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
    this.readBuffer?.destroy();
  }
}

/** Median of a list (the list is not modified). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
