/**
 * What one conformance case came to, and the table printed over all of
 * them (the same for our runtime and for the peers of bench/conformance_ort.ts).
 */
export type OutcomeKind = 'pass' | 'wrong' | 'refused' | 'crash';

export interface Outcome {
  name: string;
  kind: OutcomeKind;
  /** For `refused`: a category that groups like refusals (error class, kind, op types); for `crash`: the error. */
  reason?: string;
  /** For `wrong`: what is off, and the largest |got − want|. */
  detail?: string;
  maxError?: number;
  ms: number;
}

export type Totals = Record<OutcomeKind, number>;

export function totals(outcomes: readonly Outcome[]): Totals {
  const t: Totals = { pass: 0, wrong: 0, refused: 0, crash: 0 };
  for (const o of outcomes) t[o.kind]++;
  return t;
}

/** Outcomes of `kind` grouped by reason, the largest group first. */
function groups(outcomes: readonly Outcome[], kind: OutcomeKind): [string, string[]][] {
  const byReason = new Map<string, string[]>();
  for (const o of outcomes) if (o.kind === kind) byReason.set(o.reason ?? '(no reason)', [...(byReason.get(o.reason ?? '(no reason)') ?? []), o.name]);
  return [...byReason].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
}

/** The report: totals, refusals by reason with counts and names, crashes, then the wrong cases with their max error. */
export function formatOutcomes(title: string, outcomes: readonly Outcome[], seconds: number): string {
  const t = totals(outcomes);
  const lines = [`${title}: ${outcomes.length} cases in ${seconds.toFixed(1)} s`, `  pass ${t.pass} | wrong ${t.wrong} | refused ${t.refused} | crash ${t.crash}`];
  const section = (kind: OutcomeKind) => {
    const g = groups(outcomes, kind);
    if (!g.length) return;
    lines.push(`  ${kind} by reason:`);
    for (const [reason, names] of g) lines.push(`    ${String(names.length).padStart(3)}  ${reason}`, `         ${names.join(', ')}`);
  };
  section('refused');
  section('crash');
  const wrong = outcomes.filter((o) => o.kind === 'wrong');
  if (wrong.length) {
    lines.push('  wrong:');
    for (const o of wrong) lines.push(`    ${o.name}: max |got − want| ${o.maxError?.toExponential(2)}; ${o.detail}`);
  }
  return lines.join('\n');
}

/** A side-by-side count table for several runtimes. */
export function formatComparison(rows: readonly { runtime: string; outcomes: readonly Outcome[]; seconds: number }[]): string {
  const lines = ['| runtime | pass | wrong | refused | crash | seconds |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    const t = totals(r.outcomes);
    lines.push(`| ${r.runtime} | ${t.pass} | ${t.wrong} | ${t.refused} | ${t.crash} | ${r.seconds.toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** Rejects with `onTimeout()`'s error when `work` takes longer than `ms`: a hanging case then ends, the suite does not. */
export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
