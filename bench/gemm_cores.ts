/**
 * npm run bench:gemm-cores [-- --runs 20 --warmup 3 --tiles 64x64,128x128 --max-gflop 2 --only vgg16 --json out.json]
 *
 * The 4×4 GEMM core (gemm_tiled_vec4) against the register-blocked core
 * (gemm_register_blocked_8x8) on VGG-16 / ResNet-50 layer GEMMs and squares
 * (bench/gemm_sweep.ts): every registry tile, median GFLOP/s of N runs after
 * warm-up, then the best tile of each core per shape and the speed-up.
 * `--max-gflop` skips shapes with more work (SwiftShader manages ~0.5
 * GFLOP/s: keep it small there, where only the ratio means anything).
 * GPU timestamps when the adapter has them, queue completion otherwise.
 */
import { writeFileSync } from 'node:fs';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { GEMM_TILE_NAMES, isGemmTileName } from '../src/kernels/gemm.js';
import { bestPerCore, gemmCoreSweep, GEMM_SWEEP_SHAPES } from './gemm_sweep.js';
import { option } from './args.js';

const ctx = await createNodeGpuContext();
const runs = Number(option('runs', ctx.deviceClass === 'cpu' ? '5' : '20'));
const warmup = Number(option('warmup', ctx.deviceClass === 'cpu' ? '1' : '3'));
const maxGflop = Number(option('max-gflop', ctx.deviceClass === 'cpu' ? '0.25' : 'Infinity'));
const only = option('only', '');
const jsonPath = option('json', '');
const tiles = option('tiles', '').split(',').filter(Boolean);
for (const t of tiles) if (!isGemmTileName(t)) throw new Error(`unknown GEMM tile "${t}" (known: ${GEMM_TILE_NAMES.join(', ')})`);
const shapes = GEMM_SWEEP_SHAPES.filter((s) => (2 * s.m * s.n * s.k) / 1e9 <= maxGflop && s.name.includes(only));

console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} (${ctx.deviceClass})`);
const header = ['shape', 'M', 'N', 'K', 'tile', 'ran', 'core', 'FITS', 'median ms', 'p10', 'p90', 'GFLOP/s'];
console.log(`\n| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
const { timing, rows } = await gemmCoreSweep(ctx, {
  shapes,
  tiles: tiles.length ? (tiles as typeof GEMM_TILE_NAMES) : GEMM_TILE_NAMES,
  runs,
  warmup,
  onRow: (r) => console.log(`| ${r.shape} | ${r.m} | ${r.n} | ${r.k} | ${r.tile} | ${r.ran} | ${r.core} | ${r.fits ? 'yes' : ''} | ${r.medianMs.toFixed(3)} | ${r.p10Ms.toFixed(3)} | ${r.p90Ms.toFixed(3)} | ${r.gflops.toFixed(2)} |`),
});
console.log(`\ntiming: ${timing}; ${runs} runs after ${warmup} warm-up, f32, relu + bias epilogue`);
console.log('\n| shape | best 4×4-core tile | GFLOP/s | best register-blocked tile | GFLOP/s | speed-up |\n|---|---|---|---|---|---|');
for (const b of bestPerCore(rows)) {
  console.log(`| ${b.shape} | ${b.old?.tile ?? '—'} | ${b.old?.gflops.toFixed(2) ?? '—'} | ${b.blocked?.tile ?? '—'} | ${b.blocked?.gflops.toFixed(2) ?? '—'} | ${b.speedup ? `${b.speedup.toFixed(2)}×` : '—'} |`);
}
if (jsonPath) {
  writeFileSync(jsonPath, JSON.stringify({ adapter: ctx.adapter, timing, runs, warmup, rows }, null, 2));
  console.log(`\nwrote ${jsonPath}`);
}
ctx.device.destroy();
process.exit(0);
