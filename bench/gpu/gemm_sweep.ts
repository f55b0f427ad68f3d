/**
 * Section (c) of bench_gpu.ts: every tile the GEMM registry holds at run
 * time (GEMM_TILE_NAMES — other branches add tiles) on each (M, N, K), one
 * dispatch per timed compute pass, GFLOP/s from GPU timestamps (queue
 * completion where the device has none). Each tile's output is checked at
 * 64 sampled entries against a float64 dot product on the CPU, so a fast
 * wrong tile shows its error instead of a figure to trust.
 */
import { latencyStats } from '../../src/bench/stats.js';
import { createTensorBuffer, placeholderBuffer, readTensor } from '../../src/gpu/buffers.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { withErrorScopesAsync } from '../../src/gpu/error_capture.js';
import { PassTimer, type TimingSource } from '../../src/gpu/timer.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../../src/kernels/dispatch.js';
import { GEMM_TILE_NAMES, gemm, gemmTileFor } from '../../src/kernels/gemm.js';
import { errorText, type Outcome } from './networks.js';
import { gemmGflops, type GemmSize } from './plan.js';

export interface GemmRow extends GemmSize {
  tile: string;
  /** The tile gemmTileFor picks for this M×N (what `auto` uses). */
  heuristic: boolean;
  result: Outcome<{ medianMs: number; p10Ms: number; p90Ms: number; gflops: number; source: TimingSource; sampledRelErr: number }>;
}

/** Seeded uniform ±1 (mulberry32): the same operands for every tile. */
function randomOperand(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    a[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/** Max |C[i][j] − (A·B)[i][j]| over sampled entries, relative to the largest |reference| among them (float64 reference). */
export function sampledRelError(a: Float32Array, b: Float32Array, c: Float32Array, s: Pick<GemmSize, 'm' | 'n' | 'k'>, samples = 64): number {
  let worst = 0;
  let scale = 0;
  for (let t = 0; t < samples; t++) {
    // a fixed spread over the matrix, corners included
    const i = t === 0 ? 0 : t === 1 ? s.m - 1 : (t * 7919) % s.m;
    const j = t === 0 ? 0 : t === 1 ? s.n - 1 : (t * 104729) % s.n;
    let ref = 0;
    for (let p = 0; p < s.k; p++) ref += a[i * s.k + p]! * b[p * s.n + j]!;
    worst = Math.max(worst, Math.abs(c[i * s.n + j]! - ref));
    scale = Math.max(scale, Math.abs(ref));
  }
  return scale === 0 ? worst : worst / scale;
}

/** Every registry tile on one size; a tile that fails (binding limit, pipeline error) gets its error row. */
export async function sweepGemmSize(ctx: GpuContext, size: GemmSize, runs: number, warmup: number): Promise<GemmRow[]> {
  const { device } = ctx;
  const a = randomOperand(size.m * size.k, 1);
  const b = randomOperand(size.k * size.n, 2);
  const rows: GemmRow[] = [];
  const buffers: GPUBuffer[] = [];
  const timer = new PassTimer(ctx);
  try {
    const aBuffer = createTensorBuffer(device, a, 'sweep A');
    buffers.push(aBuffer);
    const bBuffer = createTensorBuffer(device, b, 'sweep B');
    buffers.push(bBuffer);
    const cBuffer = createTensorBuffer(device, size.m * size.n * 4, 'sweep C');
    buffers.push(cBuffer);
    const heuristic = gemmTileFor(size.m, size.n);
    for (const tile of GEMM_TILE_NAMES) {
      const row: GemmRow = { ...size, tile, heuristic: tile === heuristic, result: { ok: false, error: 'not run' } };
      try {
        // scoped: a pipeline or dispatch the GPU rejects is this tile's error row, not a silent zero
        row.result = await withErrorScopesAsync(device, { operation: `gemm sweep ${tile} ${size.m}×${size.n}×${size.k}` }, async () => {
          const spec = gemm({ m: size.m, n: size.n, k: size.k }, { a: aBuffer, b: bBuffer, output: cBuffer, unused: placeholderBuffer(device) }, {}, tile, `sweep ${tile}`);
          const prepared = await prepareDispatch(device, spec);
          try {
            const times: number[] = [];
            let source: TimingSource = timer.source;
            for (let i = 0; i < warmup + runs; i++) {
              const t = await timer.time((pass) => encodeDispatch(pass, prepared));
              source = t.source;
              if (i >= warmup) times.push(t.milliseconds);
            }
            const c = await readTensor(device, cBuffer, size.m * size.n);
            const stats = latencyStats(times);
            return { ok: true as const, medianMs: stats.median, p10Ms: stats.p10, p90Ms: stats.p90, gflops: gemmGflops(size, stats.median), source, sampledRelErr: sampledRelError(a, b, c, size) };
          } finally {
            releaseDispatch(prepared);
          }
        });
      } catch (e) {
        row.result = { ok: false, error: errorText(e) };
      }
      rows.push(row);
    }
  } catch (e) {
    // the operands themselves did not fit: one row says so
    if (!rows.length) rows.push({ ...size, tile: '(all)', heuristic: false, result: { ok: false, error: errorText(e) } });
  } finally {
    buffers.forEach((x) => x.destroy());
    timer.destroy();
  }
  return rows;
}
