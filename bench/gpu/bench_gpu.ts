/**
 * The prepared one-call GPU bench (issue #14): (a) the nine classic networks
 * at batch 1 (224², LeNet-5 32²) — ours auto, ours autotuned (time-capped),
 * ONNX Runtime Web's WebGPU EP, with output cross-checks; (b) VGG-16 at
 * batch 8/16/64 with achieved TFLOP/s, overall and of its convs (per-node GPU
 * timestamps); (c) every GEMM tile of the registry over layer-shaped and
 * square (M, N, K). Each row is guarded: a failure is its typed error in the
 * table and the rest go on; past the deadline the remaining rows are listed
 * as skipped (each section has its share of the deadline), so one call
 * always ends with its tables. Results go to $OUT
 * (bench_gpu.json + bench_gpu.md, rewritten after every row, so a call cut
 * short still returns what it had), and the short table is printed last.
 *
 * Without the pack (any machine with Node and the dev dependencies):
 *   npm run bench:gpu -- --small            (SwiftShader: a few minutes)
 * On the lent H200 (no Node there): `npm run bench:gpu:pack` writes .gpu/
 * (Node, Dawn, Vulkan loader, ORT-web, this file as .gpu/bench.mjs), then ONE
 * device call: run with carry [".gpu"] and
 *   bash .gpu/run.sh node .gpu/bench.mjs
 * Flags: --small, --sections networks,vgg,gemm, --models a,b, --runs N,
 * --warmup N, --deadline-s S (full: 480), --tune-cap-s S (per model; full:
 * 45), --peak-tflops T (default 67: H200 fp32), --device-class gpu|cpu|adapter
 * (the `auto` heuristic; default gpu), --no-ort, --out DIR (when $OUT unset).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryAutotuneStore } from '../../src/autotune/store.js';
import { createNodeGpuContext, getNodeGpu } from '../../src/gpu/node_gpu.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { vgg16 } from '../../src/models/vgg.js';
import { sweepGemmSize } from './gemm_sweep.js';
import { benchNetwork, benchVggBatch, errorText } from './networks.js';
import { benchPlan, parseBenchArgs, type SectionName } from './plan.js';
import { markdownReport, shortTable, type AdapterReport, type BenchResults } from './report.js';

const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const log = (line: string) => console.error(`[${elapsedS().toFixed(0).padStart(4)} s] ${line}`);

const args = parseBenchArgs(process.argv.slice(2), process.env);
const plan = benchPlan(args);
const results: BenchResults = {
  mode: args.small ? 'small' : 'full',
  startedAt: new Date().toISOString(),
  peakTflops: args.peakTflops,
  runs: plan.runs,
  warmup: plan.warmup,
  networks: [],
  vgg: [],
  gemm: [],
  skipped: [],
  errors: [],
};
mkdirSync(args.outDir, { recursive: true });
function flush(): void {
  writeFileSync(join(args.outDir, 'bench_gpu.json'), JSON.stringify({ plan, ...results }, null, 1));
  writeFileSync(join(args.outDir, 'bench_gpu.md'), markdownReport(results));
}
/** Whether there is time for another row of `section`; if not, the row is listed as skipped. */
function inTime(section: SectionName, what: string): boolean {
  const end = plan.sectionEndS[section];
  if (elapsedS() < end) return true;
  results.skipped.push(`${what}: the ${section} section's share of the ${plan.deadlineS} s deadline (until ${end.toFixed(0)} s) is spent`);
  return false;
}

/** What the adapter is and offers (its own features and limits, not only those the device asked for). */
async function adapterReport(deviceClass: string, autoClass: string): Promise<AdapterReport> {
  const adapter = await (await getNodeGpu()).requestAdapter();
  const info = adapter?.info;
  const limits: Record<string, number> = {};
  if (adapter) {
    const proto = Object.getPrototypeOf(adapter.limits) as object;
    for (const key of new Set([...Object.keys(adapter.limits), ...Object.getOwnPropertyNames(proto)])) {
      const v = (adapter.limits as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') limits[key] = v;
    }
  }
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    deviceClass,
    autoClass,
    features: adapter ? [...adapter.features].map(String).sort() : [],
    limits,
  };
}

const ctx = await createNodeGpuContext().catch((e: unknown) => {
  // no adapter (a missing Vulkan driver or loader): say so in the results too, then stop
  results.errors.push(`no GPU context: ${errorText(e)}`);
  flush();
  console.error(errorText(e));
  process.exit(1);
});
const deviceClass = args.deviceClass === 'adapter' ? undefined : args.deviceClass;
results.adapter = await adapterReport(ctx.deviceClass, deviceClass ?? ctx.deviceClass);
const a = results.adapter;
console.log(`adapter: ${a.vendor} | ${a.architecture} | ${a.description} (class ${a.deviceClass}; auto heuristic ${a.autoClass})`);
console.log(`features: ${a.features.join(', ')}`);
console.log(`limits: ${Object.entries(a.limits).map(([k, v]) => `${k}=${v}`).join(' ')}`);
console.log(`mode ${results.mode}: ${plan.networks.length} networks, VGG-16 batches ${plan.vgg.batches.join('/')} at ${plan.vgg.size}², ${plan.gemm.sizes.length} GEMM sizes; deadline ${plan.deadlineS} s; results in ${args.outDir}`);
flush();

if (args.sections.includes('networks')) {
  const store = memoryAutotuneStore();
  let tuneSpentS = 0;
  for (const { id, size } of plan.networks) {
    if (!inTime('networks', `network ${id}`)) continue;
    try {
      // the cap never runs past the deadline nor the budget of all tuning
      const capS = Math.min(plan.tuneCapS, plan.tuneBudgetS - tuneSpentS, plan.sectionEndS.networks - elapsedS());
      const tune = capS >= 1 ? { store, candidateRuns: plan.candidateRuns, capS } : undefined;
      const row = await benchNetwork(ctx, {
        id, size, runs: plan.runs, warmup: plan.warmup, profileRuns: plan.profileRuns, deviceClass, tune, ort: !args.noOrt, log: (l) => log(`${id}: ${l}`),
      });
      tuneSpentS += row.tuneS ?? 0;
      if (!tune && row.auto.ok) row.tuned = { ok: false, error: `not tuned: the ${plan.tuneBudgetS} s autotune budget is spent` };
      results.networks.push(row);
    } catch (e) {
      results.networks.push({ id, size, macs: 0, auto: { ok: false, error: errorText(e) } });
    }
    flush();
  }
} else results.skipped.push('section networks: not asked for');

if (args.sections.includes('vgg')) {
  try {
    const weights = randomWeights(vgg16({ inputSize: plan.vgg.size }), 7);
    for (const batch of plan.vgg.batches) {
      if (!inTime('vgg', `vgg16 batch ${batch}`)) continue;
      results.vgg.push(await benchVggBatch(ctx, { batch, size: plan.vgg.size, runs: plan.vgg.runs, warmup: plan.vgg.warmup, weights, deviceClass, log: (l) => log(`vgg16 ${l}`) }));
      flush();
    }
  } catch (e) {
    results.errors.push(`section vgg: ${errorText(e)}`);
  }
} else results.skipped.push('section vgg: not asked for');

if (args.sections.includes('gemm')) {
  for (const size of plan.gemm.sizes) {
    if (!inTime('gemm', `gemm ${size.m}×${size.n}×${size.k}`)) continue;
    log(`gemm ${size.origin} ${size.m}×${size.n}×${size.k}`);
    results.gemm.push(...(await sweepGemmSize(ctx, size, plan.gemm.runs, plan.gemm.warmup)));
    flush();
  }
} else results.skipped.push('section gemm: not asked for');

results.elapsedS = elapsedS();
flush();
console.log(`\n${markdownReport(results, { gemmDetail: false, summary: false })}`);
console.log(`\nwrote ${join(args.outDir, 'bench_gpu.json')} and bench_gpu.md; ${results.elapsedS.toFixed(0)} s in all\n`);
console.log(shortTable(results).join('\n'));
process.exit(0);
