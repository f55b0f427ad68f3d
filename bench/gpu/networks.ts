/**
 * Sections (a) and (b) of bench_gpu.ts: a zoo network at batch 1 — ours
 * under `auto`, ours autotuned (with a time cap), ONNX Runtime Web's WebGPU
 * EP — and VGG-16 at a larger batch with its achieved TFLOP/s. Wall times
 * include upload and readback (src/bench/stats.ts timeWall); GPU times are
 * the sum of the per-node timestamp pairs of profiled runs.
 */
import type { AutotuneStore } from '../../src/autotune/store.js';
import { runTuned } from '../../src/bench/compare.js';
import { runNodeOrt } from '../../src/bench/peers_node.js';
import { timeWall, type LatencyStats } from '../../src/bench/stats.js';
import type { DeviceClass, GpuContext } from '../../src/gpu/device.js';
import { median } from '../../src/gpu/timer.js';
import { compile, type CompiledModel } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { vgg16 } from '../../src/models/vgg.js';
import { zooModel } from '../../src/models/zoo.js';
import { convShare, tflops } from './plan.js';

/** A figure, or why there is none (its typed error's name and first line). */
export type Outcome<T> = ({ ok: true } & T) | { ok: false; error: string };

export const errorText = (e: unknown): string => {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.split('\n')[0]!.slice(0, 300);
};

export interface NetworkRow {
  id: string;
  size: number;
  macs: number;
  auto: Outcome<{ wallMs: LatencyStats; gpuMs?: number; coldMs: number; dispatches: number; strategies: string }>;
  tuned?: Outcome<{ wallMs: LatencyStats; relL2: number; coldMs: number; measured: number; cached: number; chosen: string }>;
  ort?: Outcome<{ wallMs: LatencyStats; relL2: number; coldMs?: number }>;
  /** Seconds spent tuning (counted against the run's autotune budget). */
  tuneS?: number;
}

export interface NetworkJob {
  id: string;
  size: number;
  runs: number;
  warmup: number;
  profileRuns: number;
  deviceClass?: DeviceClass;
  /** Autotune: shared across models (a shape two models share is measured once), its runs per candidate and its cap in seconds; absent skips tuning. */
  tune?: { store: AutotuneStore; candidateRuns: number; capS: number };
  ort: boolean;
  log: (line: string) => void;
}

/** Deterministic, non-constant input (the peers see the same). */
export function benchInput(length: number): Float32Array {
  return new Float32Array(length).map((_, i) => Math.sin(i * 0.37) + 0.25 * Math.cos(i * 0.011));
}

/** "im2col 12, direct 1": how `auto` (or autotune) spread the convs over the strategies. */
export function strategyMix(model: CompiledModel): string {
  const counts = new Map<string, number>();
  for (const n of model.info.nodes) if (n.strategy) counts.set(n.strategy, (counts.get(n.strategy) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${s} ${c}`).join(', ');
}

/** Median over `runs` profiled runs of the GPU-timestamp total, or undefined where the device has no timestamps. */
async function gpuMilliseconds(model: CompiledModel, inputs: Record<string, Float32Array>, runs: number): Promise<number | undefined> {
  const totals: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { profile } = await model.run(inputs, { profile: true });
    if (!profile?.available) return undefined;
    totals.push(profile.totalMilliseconds);
  }
  return totals.length ? median(totals) : undefined;
}

/** Section (a): one network at batch 1. */
export async function benchNetwork(ctx: GpuContext, job: NetworkJob): Promise<NetworkRow> {
  const entry = zooModel(job.id);
  const graph = entry.build({ inputSize: job.size });
  const weights = randomWeights(graph, 7);
  const inputs = { [graph.inputs[0]!.name]: benchInput(entry.inputChannels * job.size * job.size) };
  const row: NetworkRow = { id: job.id, size: job.size, macs: summary(graph).totalMacs, auto: { ok: false, error: 'not run' } };
  let ours: Record<string, Float32Array>;
  try {
    job.log('compiling (auto)');
    const cold = performance.now();
    const model = await compile(ctx, graph, weights, { label: job.id, deviceClass: job.deviceClass });
    try {
      ours = (await model.run(inputs)).floats();
      const coldMs = performance.now() - cold;
      const wallMs = await timeWall(() => model.run(inputs), job.runs, job.warmup);
      const gpuMs = await gpuMilliseconds(model, inputs, job.profileRuns);
      row.auto = { ok: true, wallMs, gpuMs, coldMs, dispatches: model.info.dispatches, strategies: strategyMix(model) };
      job.log(`ours auto ${wallMs.median.toFixed(2)} ms wall${gpuMs === undefined ? '' : `, ${gpuMs.toFixed(2)} ms GPU`}`);
    } finally {
      model.dispose();
    }
  } catch (e) {
    row.auto = { ok: false, error: errorText(e) };
    return row;
  }
  if (job.tune) {
    const t = performance.now();
    row.tuned = await tunedOutcome(ctx, graph, weights, inputs, ours, job);
    row.tuneS = (performance.now() - t) / 1000;
  }
  if (job.ort) {
    const ort = await runNodeOrt(ctx, { graph, weights, inputs, ours, runs: job.runs, warmup: job.warmup }, job.log);
    row.ort = ort.available ? { ok: true, wallMs: ort.wallMs!, relL2: ort.relL2!, coldMs: ort.coldMs } : { ok: false, error: ort.reason ?? 'unavailable' };
  }
  return row;
}

async function tunedOutcome(
  ctx: GpuContext,
  graph: Graph,
  weights: WeightMap,
  inputs: Record<string, Float32Array>,
  ours: Record<string, Float32Array>,
  job: NetworkJob,
): Promise<NonNullable<NetworkRow['tuned']>> {
  const { store, candidateRuns, capS } = job.tune!;
  let progress = '';
  try {
    const tuned = await runTuned(
      ctx,
      { graph, weights, inputs, ours, runs: job.runs, warmup: job.warmup, store, candidateRuns, label: job.id, signal: AbortSignal.timeout(capS * 1000) },
      (line) => {
        progress = line;
        job.log(line);
      },
    );
    const chosen = new Map<string, number>();
    for (const l of Object.values(tuned.report.layers)) chosen.set(l.chosen, (chosen.get(l.chosen) ?? 0) + 1);
    job.log(`ours tuned ${tuned.wallMs.median.toFixed(2)} ms wall`);
    return {
      ok: true,
      wallMs: tuned.wallMs,
      relL2: tuned.relL2,
      coldMs: tuned.coldMs,
      measured: tuned.report.measured.length,
      cached: tuned.report.cached.length,
      chosen: [...chosen].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', '),
    };
  } catch (e) {
    const capped = e instanceof Error && e.name === 'AbortError';
    return { ok: false, error: capped ? `time cap ${capS} s reached (at ${progress || 'the start'})` : errorText(e) };
  }
}

export interface VggRow {
  batch: number;
  size: number;
  macs: number;
  result: Outcome<{ wallMs: LatencyStats; tflops: number; gpuMs?: number; gpuTflops?: number; conv?: { macs: number; milliseconds: number; tflops: number; nodes: number }; strategies: string }>;
}

/** Section (b): VGG-16 at `batch` under `auto` (weights shared across batches: their shapes do not depend on it). */
export async function benchVggBatch(
  ctx: GpuContext,
  job: { batch: number; size: number; runs: number; warmup: number; weights: WeightMap; deviceClass?: DeviceClass; log: (line: string) => void },
): Promise<VggRow> {
  const graph = vgg16({ batch: job.batch, inputSize: job.size });
  const layers = summary(graph).layers;
  const row: VggRow = { batch: job.batch, size: job.size, macs: layers.reduce((s, l) => s + l.macs, 0), result: { ok: false, error: 'not run' } };
  const inputs = { [graph.inputs[0]!.name]: benchInput(job.batch * 3 * job.size * job.size) };
  let model: CompiledModel | undefined;
  try {
    job.log(`batch ${job.batch}: compiling (auto)`);
    model = await compile(ctx, graph, job.weights, { label: `vgg16 batch ${job.batch}`, deviceClass: job.deviceClass });
    const m = model;
    const wallMs = await timeWall(() => m.run(inputs), job.runs, job.warmup);
    const { profile } = await m.run(inputs, { profile: true });
    const share = profile?.available ? convShare(layers, profile.nodes) : undefined;
    row.result = {
      ok: true,
      wallMs,
      tflops: tflops(row.macs, wallMs.median),
      gpuMs: profile?.available ? profile.totalMilliseconds : undefined,
      gpuTflops: profile?.available ? tflops(row.macs, profile.totalMilliseconds) : undefined,
      conv: share && share.milliseconds > 0 ? { ...share, tflops: tflops(share.macs, share.milliseconds) } : undefined,
      strategies: strategyMix(m),
    };
    job.log(`batch ${job.batch}: ${wallMs.median.toFixed(1)} ms wall, ${row.result.tflops.toFixed(2)} TFLOP/s`);
  } catch (e) {
    row.result = { ok: false, error: errorText(e) };
  } finally {
    model?.dispose();
  }
  return row;
}
