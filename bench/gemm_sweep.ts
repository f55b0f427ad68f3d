/**
 * The GEMM core sweep: GPU time of every registry tile (4×4 core and
 * register-blocked core alike) on a list of GEMM shapes, as rows. Shared by
 * the CLI (bench/gemm_cores.ts) and any GPU script that wants the same
 * table; it prints nothing itself.
 *
 * @example
 * const rows = await gemmCoreSweep(ctx, { shapes: GEMM_SWEEP_SHAPES.filter((s) => s.m * s.n * s.k < 1e8), runs: 10 });
 */
import { createTensorBuffer, placeholderBuffer } from '../src/gpu/buffers.js';
import type { GpuContext } from '../src/gpu/device.js';
import { PassTimer, type TimingSource } from '../src/gpu/timer.js';
import { latencyStats } from '../src/bench/stats.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../src/kernels/dispatch.js';
import { GEMM_TILE_NAMES, GEMM_TILES, gemm, gemmTileThatRuns, type GemmTile, type GemmTileName } from '../src/kernels/gemm.js';
import { randomData } from './args.js';

export interface GemmSweepShape {
  /** Where the shape comes from (a layer's im2col or pointwise GEMM, or a square). */
  name: string;
  m: number;
  n: number;
  k: number;
}

/** im2col GEMM of a 3×3 stride-1 conv: pixels·batch × cout × 9·cin. */
const conv3x3 = (model: string, hw: number, cin: number, cout: number, batch: number): GemmSweepShape =>
  ({ name: `${model} ${hw}² 3×3 ${cin}→${cout} b${batch}`, m: hw * hw * batch, n: cout, k: 9 * cin });
const conv1x1 = (model: string, hw: number, cin: number, cout: number, batch: number): GemmSweepShape =>
  ({ name: `${model} ${hw}² 1×1 ${cin}→${cout} b${batch}`, m: hw * hw * batch, n: cout, k: cin });

/** VGG-16 and ResNet-50 layer GEMMs at batch 1 and 8, and squares 256..1024, smallest work first. */
export const GEMM_SWEEP_SHAPES: readonly GemmSweepShape[] = [
  ...[256, 512, 1024].map((s) => ({ name: `square ${s}`, m: s, n: s, k: s })),
  ...[1, 8].flatMap((b) => [
    conv3x3('vgg16 conv1_2', 224, 64, 64, b),
    conv3x3('vgg16 conv2_2', 112, 128, 128, b),
    conv3x3('vgg16 conv3_2', 56, 256, 256, b),
    conv3x3('vgg16 conv4_2', 28, 512, 512, b),
    conv3x3('vgg16 conv5_2', 14, 512, 512, b),
    conv1x1('resnet50 layer1', 56, 64, 64, b),
    conv1x1('resnet50 layer1', 56, 64, 256, b),
    conv3x3('resnet50 layer2', 28, 128, 128, b),
    conv1x1('resnet50 layer3', 14, 256, 1024, b),
    conv3x3('resnet50 layer4', 7, 512, 512, b),
  ]),
].sort((x, y) => x.m * x.n * x.k - y.m * y.n * y.k);

export interface GemmSweepRow {
  shape: string;
  m: number;
  n: number;
  k: number;
  /** The tile asked for, and the one that ran (a register-blocked tile falls back on unaligned shapes). */
  tile: GemmTileName;
  ran: GemmTileName;
  core: 'tiled_4x4' | 'register_blocked_8x8';
  /** The check-free variant ran (register-blocked core only). */
  fits: boolean;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  gflops: number;
}

export interface GemmSweepOptions {
  shapes?: readonly GemmSweepShape[];
  /** Registry tiles to time; default all. */
  tiles?: readonly GemmTileName[];
  runs?: number;
  warmup?: number;
  /** Called with each row as it is measured (for printing progress). */
  onRow?: (row: GemmSweepRow) => void;
}

/** Times every tile on every shape (relu + bias epilogue, as a conv runs it): median of `runs` after `warmup`. */
export async function gemmCoreSweep(ctx: GpuContext, options: GemmSweepOptions = {}): Promise<{ timing: TimingSource; rows: GemmSweepRow[] }> {
  const { device } = ctx;
  const { shapes = GEMM_SWEEP_SHAPES, tiles = GEMM_TILE_NAMES, runs = 20, warmup = 3 } = options;
  const timer = new PassTimer(ctx);
  const rows: GemmSweepRow[] = [];
  try {
    for (const s of shapes) {
      const a = createTensorBuffer(device, randomData(s.m * s.k), 'a');
      const b = createTensorBuffer(device, randomData(s.k * s.n), 'b');
      const bias = createTensorBuffer(device, randomData(s.n), 'bias');
      const output = createTensorBuffer(device, s.m * s.n * 4, 'output');
      try {
        for (const tile of tiles) {
          const spec = gemm({ m: s.m, n: s.n, k: s.k }, { a, b, bias, output, unused: placeholderBuffer(device) }, { activation: 'relu' }, tile, `gemm ${tile}`);
          const prepared = await prepareDispatch(device, spec);
          const times: number[] = [];
          for (let i = 0; i < warmup + runs; i++) {
            const t = await timer.time((pass) => encodeDispatch(pass, prepared));
            if (i >= warmup) times.push(t.milliseconds);
          }
          releaseDispatch(prepared);
          const { median, p10, p90 } = latencyStats(times);
          const ran = gemmTileThatRuns(tile, s);
          const row: GemmSweepRow = {
            shape: s.name, m: s.m, n: s.n, k: s.k, tile, ran,
            core: (GEMM_TILES[ran] as GemmTile).core ? 'register_blocked_8x8' : 'tiled_4x4',
            fits: spec.constants.FITS === 1,
            medianMs: median, p10Ms: p10, p90Ms: p90, gflops: (2 * s.m * s.n * s.k) / (median * 1e6),
          };
          rows.push(row);
          options.onRow?.(row);
        }
      } finally {
        [a, b, bias, output].forEach((buf) => buf.destroy());
      }
    }
    return { timing: timer.source, rows };
  } finally {
    timer.destroy();
  }
}

/** Per shape: the fastest tile of each core and the new core's speed-up over the old (the summary table). */
export function bestPerCore(rows: readonly GemmSweepRow[]): { shape: string; old?: GemmSweepRow; blocked?: GemmSweepRow; speedup?: number }[] {
  const shapes = [...new Set(rows.map((r) => r.shape))];
  return shapes.map((shape) => {
    const mine = rows.filter((r) => r.shape === shape);
    const best = (core: GemmSweepRow['core']) => mine.filter((r) => r.core === core).sort((x, y) => x.medianMs - y.medianMs)[0];
    const old = best('tiled_4x4');
    const blocked = best('register_blocked_8x8');
    return { shape, old, blocked, speedup: old && blocked ? old.medianMs / blocked.medianMs : undefined };
  });
}
