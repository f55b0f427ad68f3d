/** The bench results as CSV (one row per layer candidate, then the network rows); peer_div_ours is src/bench/ratio.ts's peer ÷ ours. */
import type { BenchResults } from './run_bench.js';

const cell = (v: unknown) => {
  const s = v === undefined ? '' : typeof v === 'number' ? String(Number(v.toPrecision(6))) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function resultsToCsv(r: BenchResults): string {
  const lines = [['section', 'layer', 'shape', 'runtime', 'candidate', 'median_ms', 'p10_ms', 'p90_ms', 'gflops', 'auto', 'winner', 'rel_l2', 'peer_div_ours', 'cold_ms'].join(',')];
  for (const l of r.layers) lines.push(['layer', l.layer, l.shape, l.runtime, l.candidate, l.medianMs, l.p10Ms, l.p90Ms, l.gflops, l.auto, l.winner, l.relL2, l.ratio, ''].map(cell).join(','));
  for (const n of r.network) lines.push(['network', '', '', n.runtime, n.config, n.wallMs?.median, n.wallMs?.p10, n.wallMs?.p90, '', '', '', n.relL2, n.ratioToOurs, n.coldMs].map(cell).join(','));
  return lines.join('\n') + '\n';
}
