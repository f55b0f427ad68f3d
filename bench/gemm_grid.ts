/**
 * npx vite-node bench/gemm_grid.ts [-- --runs 5 --warmup 1 --units 132 --only layer4]
 *
 * Split-K against the unsplit GEMM on the late-layer GEMMs of ResNet-50 and
 * MobileNetV2 at batch 1, where the grid is a few workgroups: for each
 * shape, the unsplit GEMM on its heuristic tile, the grid planner's plan for
 * a device of `--units` compute units (default 132, an H100/H200), and the
 * plan for this adapter's own count (gpu/compute_units.ts). Median, p10 and
 * p90 GPU milliseconds of `--runs` runs after `--warmup`; GPU timestamps
 * where the adapter has them, queue completion otherwise.
 * On SwiftShader the figures are CPU emulation with a handful of threads:
 * a split fills no idle SMs there, it only adds the partial traffic and the
 * reduce, so it says what split-K costs, not what it gains on a GPU.
 */
import { createTensorBuffer, placeholderBuffer } from '../src/gpu/buffers.js';
import { computeUnitsOf } from '../src/gpu/compute_units.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { PassTimer } from '../src/gpu/timer.js';
import { latencyStats } from '../src/bench/stats.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../src/kernels/dispatch.js';
import { gemmTileFor, type GemmParams } from '../src/kernels/gemm.js';
import { planGemmGrid } from '../src/kernels/gemm_grid.js';
import { gemmDispatches, splitKScratchFloats, type GemmLaunch } from '../src/kernels/split_k.js';
import { option } from './args.js';

const SHAPES: { name: string; p: GemmParams }[] = [
  { name: 'resnet50 layer4 3×3 512→512', p: { m: 49, n: 512, k: 4608 } },
  { name: 'resnet50 layer4 1×1 2048→512', p: { m: 49, n: 512, k: 2048 } },
  { name: 'resnet50 layer4 1×1 512→2048', p: { m: 49, n: 2048, k: 512 } },
  { name: 'resnet50 layer3 3×3 256→256', p: { m: 196, n: 256, k: 2304 } },
  { name: 'resnet50 fc 2048→1000', p: { m: 1, n: 1000, k: 2048 } },
  { name: 'mobilenet_v2 block16 1×1 960→160', p: { m: 49, n: 160, k: 960 } },
  // linear layers a CPU-emulated adapter splits too (one workgroup of a 4-thread "device")
  { name: 'lenet5 fc 400→120', p: { m: 1, n: 120, k: 400 } },
  { name: 'mlp fc batch 8 1024→256', p: { m: 8, n: 256, k: 1024 } },
];

function random(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

const runs = Number(option('runs', '5'));
const warmup = Number(option('warmup', '1'));
const units = Number(option('units', '132'));
const only = option('only', '');

const ctx = await createNodeGpuContext();
const own = computeUnitsOf(ctx.adapter, ctx.deviceClass);
const timer = new PassTimer(ctx);
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture} ${ctx.adapter.description} (class ${ctx.deviceClass}, ${own} compute units by the table); timing: ${timer.source}; ${runs} runs after ${warmup} warm-up`);

const label = (l: GemmLaunch) => `${l.tile}${l.splitK && l.splitK > 1 ? ` ×${l.splitK}` : ''}`;
const rows: string[][] = [];
for (const { name, p } of SHAPES.filter((s) => s.name.includes(only))) {
  const variants: { what: string; launch: GemmLaunch }[] = [{ what: 'unsplit', launch: { tile: gemmTileFor(p.m, p.n), splitK: 1 } }];
  for (const [what, cu] of [[`plan @${units}`, units], [`plan @${own} (this adapter)`, own]] as const) {
    const plan = planGemmGrid(p, { computeUnits: cu });
    const launch = { tile: plan.tile, splitK: plan.splitK };
    if (!variants.some((v) => label(v.launch) === label(launch))) variants.push({ what, launch });
  }
  const a = createTensorBuffer(ctx.device, random(p.m * p.k, 1), 'a');
  const b = createTensorBuffer(ctx.device, random(p.k * p.n, 2), 'b');
  const bias = createTensorBuffer(ctx.device, random(p.n, 3), 'bias');
  const output = createTensorBuffer(ctx.device, p.m * p.n * 4, 'output');
  let baseline: number | undefined;
  for (const { what, launch } of variants) {
    const partialFloats = splitKScratchFloats(p, launch);
    const partials = partialFloats ? createTensorBuffer(ctx.device, partialFloats * 4, 'partials') : undefined;
    const specs = gemmDispatches(p, { a, b, bias, output, partials, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }, launch, name);
    const prepared = await Promise.all(specs.map((s) => prepareDispatch(ctx.device, s)));
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
      if (i >= warmup) times.push(t.milliseconds);
    }
    prepared.forEach(releaseDispatch);
    partials?.destroy();
    const st = latencyStats(times);
    baseline ??= st.median;
    const workgroups = specs[0]!.workgroups.reduce((x, y) => x * y, 1);
    const gflops = (2 * p.m * p.n * p.k) / (st.median * 1e6);
    rows.push([name, `${p.m}×${p.n}×${p.k}`, what, label(launch), String(workgroups), st.median.toFixed(2), st.p10.toFixed(2), st.p90.toFixed(2), gflops.toFixed(2), (baseline / st.median).toFixed(2)]);
  }
  for (const x of [a, b, bias, output]) x.destroy();
}
const header = ['GEMM', 'M×N×K', 'launch', 'tile ×split', 'workgroups', 'median ms', 'p10', 'p90', 'GFLOP/s', 'speed-up'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
timer.destroy();
ctx.device.destroy();
