/**
 * Timing GPU work: timestamp queries around compute passes where the device
 * has `timestamp-query`, otherwise wall time from submit to queue completion
 * (which includes submission overhead — the result says which it is). Also
 * the median and quantiles every timing report uses (autotune, benches).
 */
import type { GpuContext } from './device.js';

export type TimingSource = 'gpu-timestamps' | 'queue-completion';

export interface PassTiming {
  milliseconds: number;
  source: TimingSource;
}

/**
 * `pairs` begin/end timestamp pairs with their resolve and read buffers, the
 * plumbing every timed pass shares. Needs the `timestamp-query` feature.
 *
 * @example
 * const queries = new TimestampQueries(device, 2, 'profile');
 * const pass = encoder.beginComputePass({ timestampWrites: queries.timestampWrites(0) });
 * // … dispatches, pass.end(), a second pass with timestampWrites(1) …
 * queries.resolve(encoder);
 * device.queue.submit([encoder.finish()]);
 * const [first, second] = await queries.read(); // milliseconds per pair
 * queries.destroy();
 */
export class TimestampQueries {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly readBuffer: GPUBuffer;

  constructor(device: GPUDevice, readonly pairs: number, label: string) {
    const count = 2 * pairs;
    this.querySet = device.createQuerySet({ label, type: 'timestamp', count });
    this.resolveBuffer = device.createBuffer({ label: `${label} resolve`, size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readBuffer = device.createBuffer({ label: `${label} read`, size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** The `timestampWrites` of the compute pass that pair `i` times. */
  timestampWrites(i: number): GPUComputePassTimestampWrites {
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records, after the timed passes, the copy of every timestamp into the read buffer. */
  resolve(encoder: GPUCommandEncoder): void {
    encoder.resolveQuerySet(this.querySet, 0, 2 * this.pairs, this.resolveBuffer, 0);
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, this.readBuffer, 0, this.resolveBuffer.size);
  }

  /** Milliseconds of each pair, once the submit holding resolve() is done (waits for it). */
  async read(): Promise<number[]> {
    await this.readBuffer.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(this.readBuffer.getMappedRange().slice(0));
    this.readBuffer.unmap();
    return Array.from({ length: this.pairs }, (_, i) => Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6);
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
    this.readBuffer.destroy();
  }
}

/** Times passes, reusing one query pair and its buffers across runs. */
export class PassTimer {
  readonly source: TimingSource;
  private readonly queries?: TimestampQueries;

  constructor(private readonly ctx: GpuContext) {
    this.source = ctx.features.timestampQuery ? 'gpu-timestamps' : 'queue-completion';
    if (ctx.features.timestampQuery) this.queries = new TimestampQueries(ctx.device, 1, 'pass timer');
  }

  /** Records `encode` into one compute pass, submits, and returns how long the pass took. */
  async time(encode: (pass: GPUComputePassEncoder) => void): Promise<PassTiming> {
    const { device } = this.ctx;
    const encoder = device.createCommandEncoder({ label: 'timed pass' });
    const pass = encoder.beginComputePass(this.queries ? { timestampWrites: this.queries.timestampWrites(0) } : {});
    encode(pass);
    pass.end();
    this.queries?.resolve(encoder);
    const started = performance.now();
    device.queue.submit([encoder.finish()]);
    if (!this.queries) {
      await device.queue.onSubmittedWorkDone();
      return { milliseconds: performance.now() - started, source: this.source };
    }
    const [milliseconds] = await this.queries.read();
    return { milliseconds: milliseconds!, source: this.source };
  }

  destroy(): void {
    this.queries?.destroy();
  }
}

/** Median of a list (the list is not modified). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0..1) by linear interpolation between the closest ranks (the list is not modified). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
