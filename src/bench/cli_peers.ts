/**
 * What `webgpu-cnn bench <model> --peers` adds to the CLI's report: ours
 * autotuned (choices remembered in the Node autotune file), ONNX Runtime Web
 * and TF.js on the same GPU, a comparison table with ratios and each
 * output's rel. L2 from ours, and the winner per conv layer shape.
 */
import { fileAutotuneStore } from '../autotune/store_node.js';
import type { AutotuneStore } from '../autotune/store.js';
import type { GpuContext } from '../gpu/device.js';
import { comparisonRows, comparisonTable, runTuned, type TunedRun } from './compare.js';
import { runNodePeers, type PeerJob, type PeerResult } from './peers_node.js';
import type { LatencyStats } from './stats.js';
import { winnerCounts, winnersTable } from './winners.js';

export interface CliPeerJob extends PeerJob {
  /** Our wall time under the CLI's strategy, and that strategy's name. */
  oursWall: LatencyStats;
  /** Our cold start: compile() plus the first run. */
  oursColdMs?: number;
  strategy: string;
  label: string;
  /** Default: the Node autotune file (~/.cache/webgpu-cnn/autotune.json). */
  store?: AutotuneStore;
}

export interface CliPeerReport {
  peers: PeerResult[];
  tuned?: Omit<TunedRun, 'report'> & { layers: TunedRun['report']['layers']; measured: number; cached: number };
  tunedError?: string;
  /** The tables as text lines, ready to print. */
  lines: string[];
}

/**
 * @example
 * const { lines } = await runCliPeers(ctx, { graph, weights, inputs, ours, runs, warmup, oursWall, strategy: 'auto', label: 'mobilenet_v2' });
 */
export async function runCliPeers(ctx: GpuContext, job: CliPeerJob, log: (line: string) => void = () => undefined): Promise<CliPeerReport> {
  let tuned: TunedRun | undefined;
  let tunedError: string | undefined;
  try {
    tuned = await runTuned(ctx, { ...job, store: job.store ?? fileAutotuneStore() }, log);
  } catch (e) {
    tunedError = e instanceof Error ? e.message : String(e);
  }
  const peers = await runNodePeers(ctx, job, log);
  const rows = comparisonRows(job.oursWall, tuned, peers, `ours ${job.strategy}`, job.oursColdMs);
  const lines = ['', ...comparisonTable(rows)];
  if (tunedError) lines.push('', `ours tuned: n/a (${tunedError})`);
  if (tuned) {
    lines.push('', `winner per conv layer shape (${tuned.winners.length} shapes: ${winnerCounts(tuned.winners)}; ${tuned.report.measured.length} measured now, ${tuned.report.cached.length} from the autotune cache):`, '', ...winnersTable(tuned.winners));
  }
  const { report, ...rest } = tuned ?? ({} as TunedRun);
  return {
    peers,
    ...(tuned ? { tuned: { ...rest, layers: report.layers, measured: report.measured.length, cached: report.cached.length } } : {}),
    ...(tunedError ? { tunedError } : {}),
    lines,
  };
}
