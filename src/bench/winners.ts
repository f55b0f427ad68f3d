/**
 * "Which strategy wins for which layer shape": autotune's measurements
 * (every candidate's median per conv shape, kept in the autotune store)
 * turned into one row per distinct shape — the winner, the runner-up and how
 * much slower it is, and what the auto heuristic would have run.
 */
import type { AutotuneReport } from '../autotune/autotune.js';
import type { AutotuneDocument } from '../autotune/store.js';

export interface WinnerRow {
  /** The autotune shape key (n1 in56x56x64 out64 k3x3 s1x1 …). */
  shape: string;
  /** Conv layers of the network(s) with this shape. */
  layers: number;
  /** Models the shape occurs in (when several were merged). */
  models: string[];
  auto: string;
  winner: string;
  winnerMs: number;
  runnerUp?: string;
  /** Runner-up median / winner median (≥ 1). */
  runnerUpRatio?: number;
  /** The auto choice's median / the winner's: what tuning gained on this shape (1 = auto already won). */
  autoRatio?: number;
}

/**
 * One row per distinct conv shape of a tuned model, from its autotune report
 * and the store document holding the measured timings.
 *
 * @example
 * const rows = winnerRows(model.info.autotune!, await store.load(), 'mobilenet_v2');
 */
export function winnerRows(report: AutotuneReport, document: AutotuneDocument, model = ''): WinnerRow[] {
  const known = document.adapters[report.adapter] ?? {};
  const rows = new Map<string, WinnerRow>();
  for (const layer of Object.values(report.layers)) {
    const existing = rows.get(layer.shape);
    if (existing) {
      existing.layers++;
      continue;
    }
    const choice = known[layer.shape];
    const wrong = new Set(choice?.incorrect ?? []);
    const timings = Object.entries(choice?.timings ?? {}).filter(([n, ms]) => Number.isFinite(ms) && !wrong.has(n)).sort((a, b) => a[1] - b[1]);
    // the stored choice is the fastest *correct* candidate: a faster wrong one stays out of the winner's seat
    const winner = layer.chosen;
    const winnerMs = timings.find(([n]) => n === winner)?.[1] ?? NaN;
    const runnerUp = timings.find(([n]) => n !== winner);
    const autoMs = timings.find(([n]) => n === layer.auto)?.[1];
    rows.set(layer.shape, {
      shape: layer.shape,
      layers: 1,
      models: model ? [model] : [],
      auto: layer.auto,
      winner,
      winnerMs,
      ...(runnerUp ? { runnerUp: runnerUp[0], runnerUpRatio: runnerUp[1] / winnerMs } : {}),
      ...(autoMs !== undefined ? { autoRatio: autoMs / winnerMs } : {}),
    });
  }
  return [...rows.values()];
}

/** Rows of several models, one per shape (a shape met in two models is measured once: same store). */
export function mergeWinnerRows(rows: readonly WinnerRow[]): WinnerRow[] {
  const by = new Map<string, WinnerRow>();
  for (const r of rows) {
    const seen = by.get(r.shape);
    if (!seen) by.set(r.shape, { ...r, models: [...r.models] });
    else {
      seen.layers += r.layers;
      for (const m of r.models) if (!seen.models.includes(m)) seen.models.push(m);
    }
  }
  return [...by.values()];
}

/** The shape key made short for a table: 56×56×64 → 64, 3×3/1 p1 g1. */
export function shortShape(key: string): string {
  const field = (prefix: string) => key.split(' ').find((f) => f.startsWith(prefix))?.slice(prefix.length) ?? '?';
  const [h, w, c] = field('in').split('x');
  const [kh, kw] = field('k').split('x');
  const [sh] = field('s').split('x');
  const g = Number(field('g'));
  const groups = g === 1 ? '' : Number(c) === g ? ' dw' : ` g${g}`;
  return `${h}×${w}×${c} → ${field('out')}, ${kh}×${kw}/${sh}${groups}`;
}

const num = (x: number | undefined, digits = 2) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/**
 * A markdown table of the rows, sorted by kind of layer then size.
 *
 * @example
 * console.log(winnersTable(rows).join('\n'));
 */
export function winnersTable(rows: readonly WinnerRow[]): string[] {
  const sorted = [...rows].sort((a, b) => a.winner.localeCompare(b.winner) || a.shape.localeCompare(b.shape));
  const withModels = rows.some((r) => r.models.length > 1) || new Set(rows.flatMap((r) => r.models)).size > 1;
  return [
    `| layer shape (H×W×C → out, k/stride) | layers | winner | ms | runner-up | runner-up ÷ winner | auto | auto ÷ winner |${withModels ? ' models |' : ''}`,
    `|---|---|---|---|---|---|---|---|${withModels ? '---|' : ''}`,
    ...sorted.map(
      (r) =>
        `| ${shortShape(r.shape)} | ${r.layers} | ${r.winner} | ${num(r.winnerMs, r.winnerMs < 10 ? 3 : 1)} | ${r.runnerUp ?? '–'} | ${num(r.runnerUpRatio)} | ${r.auto} | ${num(r.autoRatio)} |${withModels ? ` ${r.models.join(', ')} |` : ''}`,
    ),
  ];
}

/** How often each strategy wins, e.g. "pointwise 12, depthwise 9, im2col/16x128 3". */
export function winnerCounts(rows: readonly WinnerRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.winner, (counts.get(r.winner) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ');
}
