/**
 * The whole-network comparison the Node benches print: ours under the auto
 * heuristic, ours autotuned, and the peers, each with its latency, the ratio
 * it ÷ ours (src/bench/ratio.ts: above 1, ours is faster) and its output's
 * relative L2 distance from ours.
 */
import type { AutotuneReport } from '../autotune/autotune.js';
import { defaultAutotuneStore, type AutotuneStore } from '../autotune/store.js';
import type { GpuContext } from '../gpu/device.js';
import { compile } from '../graph/executor.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import type { PeerResult } from './peers.js';
import { speedup } from './ratio.js';
import { relL2, timeWall, type LatencyStats } from './stats.js';
import { shortShape, winnerRows, type WinnerRow } from './winners.js';

export interface TunedRun {
  wallMs: LatencyStats;
  /** compile() (including any autotune measurement) plus the first run. */
  coldMs: number;
  /** Its first output against the auto-compiled model's. */
  relL2: number;
  report: AutotuneReport;
  winners: WinnerRow[];
  notices: readonly string[];
}

export interface TunedJob {
  graph: Graph;
  weights: WeightMap;
  inputs: Readonly<Record<string, Float32Array>>;
  /** The auto-compiled model's outputs for `inputs`. */
  ours: Readonly<Record<string, Float32Array>>;
  runs: number;
  warmup: number;
  /** Where choices are kept (default: the registered default store — a JSON file in Node). */
  store?: AutotuneStore;
  /** Timed runs per autotune candidate (default 3). */
  candidateRuns?: number;
  /** The model's name in the winners table. */
  label?: string;
  /** Cancels the tuned compile (a bench's time cap): runTuned then rejects with AbortError. */
  signal?: AbortSignal;
}

/**
 * Compiles with autotune (measuring shapes the store does not know yet),
 * times the tuned model and lists the winner per layer shape.
 *
 * @example
 * const tuned = await runTuned(ctx, { graph, weights, inputs, ours: outputs, runs: 10, warmup: 2 });
 */
export async function runTuned(ctx: GpuContext, job: TunedJob, log: (line: string) => void = () => undefined): Promise<TunedRun> {
  const store = job.store ?? defaultAutotuneStore();
  const coldStart = performance.now();
  const model = await compile(ctx, job.graph, job.weights, {
    label: job.label,
    signal: job.signal,
    autotune: { store, runs: job.candidateRuns ?? 3, warmup: 1, onMeasure: (shape, i, n) => log(`autotune: shape ${i}/${n} ${shortShape(shape)}`) },
  });
  try {
    const first = job.graph.outputs[0]!.name;
    const out = (await model.run(job.inputs)).float(first);
    const coldMs = performance.now() - coldStart;
    const wallMs = await timeWall(() => model.run(job.inputs), job.runs, job.warmup);
    const report = model.info.autotune!;
    return { wallMs, coldMs, relL2: relL2(out, job.ours[first]!), report, winners: winnerRows(report, await store.load(), job.label), notices: model.info.notices };
  } finally {
    model.dispose();
  }
}

export interface ComparisonRow {
  name: string;
  wallMs?: LatencyStats;
  /** Cold start: model creation / compile plus the first run. */
  coldMs?: number;
  relL2?: number;
  /** Why there is no figure. */
  reason?: string;
}

/** Ours (auto unless `oursName` says another strategy) first, then ours tuned (when run), then the peers as they came back. */
export function comparisonRows(
  auto: LatencyStats,
  tuned: TunedRun | undefined,
  peers: readonly PeerResult[],
  oursName = 'ours auto',
  oursColdMs?: number,
): ComparisonRow[] {
  return [
    { name: oursName, wallMs: auto, relL2: 0, coldMs: oursColdMs },
    ...(tuned ? [{ name: 'ours tuned', wallMs: tuned.wallMs, relL2: tuned.relL2, coldMs: tuned.coldMs }] : []),
    ...peers.map((p) =>
      p.available ? { name: p.name, wallMs: p.wallMs, relL2: p.relL2, coldMs: p.coldMs } : { name: p.name, reason: p.reason ?? 'unavailable' },
    ),
  ];
}

const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
const ratio = (other: number | undefined, ours: number | undefined) => speedup(other, ours)?.toFixed(2) ?? '–';

/**
 * A markdown table: latency, this ÷ ours (src/bench/ratio.ts's convention:
 * above 1, ours is faster by that factor) against ours (the first row) and
 * against ours tuned, cold start (creation + first run), and the relative L2
 * distance of each output from the first row's.
 *
 * @example
 * console.log(comparisonTable(comparisonRows(auto, tuned, peers)).join('\n'));
 */
export function comparisonTable(rows: readonly ComparisonRow[]): string[] {
  const base = rows[0]?.name ?? 'ours';
  const auto = rows[0]?.wallMs?.median;
  const tuned = rows.find((r) => r.name === 'ours tuned')?.wallMs?.median;
  return [
    `| runtime | median ms | p10–p90 ms | this ÷ ${base} (> 1: ${base} faster) | this ÷ ours tuned (> 1: tuned faster) | cold start ms | rel. L2 vs ${base} |`,
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      r.wallMs
        ? `| ${r.name} | ${ms(r.wallMs.median)} | ${ms(r.wallMs.p10)}–${ms(r.wallMs.p90)} | ${ratio(r.wallMs.median, auto)} | ${ratio(r.wallMs.median, tuned)} | ${r.coldMs === undefined ? '–' : ms(r.coldMs)} | ${r.relL2 === undefined ? '–' : r.relL2.toExponential(1)} |`
        : `| ${r.name} | n/a: ${r.reason} | | | | | |`,
    ),
  ];
}
