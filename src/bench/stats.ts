/** Latency statistics shared by the bench page, the peers and the CLI's peer rows. */
import { quantile } from '../gpu/timer.js';

export interface LatencyStats {
  runs: number;
  median: number;
  p10: number;
  p90: number;
  mean: number;
  min: number;
  max: number;
}

/** Median, p10 and p90 interpolated between ranks (gpu/timer's quantile, as autotune reports them). */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => quantile(sorted, q);
  return { runs: sorted.length, median: at(0.5), p10: at(0.1), p90: at(0.9), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Wall time of `run` over `runs` calls after `warmup` untimed ones. */
export async function timeWall(run: () => Promise<unknown>, runs: number, warmup: number): Promise<LatencyStats> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return latencyStats(times);
}

/** ‖a − b‖₂ / ‖b‖₂ (b the reference). */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
}
