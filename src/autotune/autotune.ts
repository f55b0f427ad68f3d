/**
 * Autotuning: for each distinct conv shape of a compiled graph, measure the
 * candidate strategies and GEMM tiles on this device, keep the fastest one
 * whose output matches the auto choice's, and remember it per (adapter,
 * shape) in the store — a second compile of the same shapes on the same
 * adapter measures nothing. A candidate that fails is skipped (the report
 * and a notice say which and why); when every candidate of a shape fails the
 * shape keeps the heuristic's choice, untuned and not stored.
 */
import type { GpuContext } from '../gpu/device.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';
import { convShapeOf as shapeOfConv, type ConvNode } from '../ops/conv2d.js';
import type { ExecGraph } from '../ops/table.js';
import type { ConvStrategyName } from '../vocabulary.js';
import type { GemmTileName } from '../kernels/gemm.js';
import { candidateName, convCandidates, type ConvCandidate } from './candidates.js';
import { measureConvCandidates, type MeasureOptions, type SkippedCandidate } from './measure.js';
import { adapterKey, checkedDocument, defaultAutotuneStore, dropOtherVersions, shapeKey, storedChoiceProblem, type AutotuneStore, type TunedChoice } from './store.js';

const convShapeOf = (exec: ExecGraph, n: ConvNode): Conv2dShape => shapeOfConv(exec.shapes.get(n.inputs[0]!)!, n.attrs);

export interface AutotuneOptions extends Omit<MeasureOptions, 'activation' | 'onSkip'> {
  /** Where choices are kept (default: defaultAutotuneStore()). */
  store?: AutotuneStore;
  /** Also try GEMM tile (and split-K) variants (default true). */
  tiles?: boolean;
  /**
   * One wave of the device: where the grid planner would split a GEMM layer's
   * K for it, the split is a candidate too. compile() passes its own; absent: no split candidates.
   */
  computeUnits?: number;
  /** Measure again even where the store has a choice. */
  remeasure?: boolean;
  /** Called before each shape is measured (progress for long tunes). */
  onMeasure?: (shape: string, index: number, count: number) => void;
  /**
   * Receives a notice when a stored choice is unusable and measured again, or
   * when candidates of a shape failed and were skipped; default console.warn.
   */
  onNotice?: (message: string) => void;
}

export interface TunedLayer {
  shape: string;
  auto: ConvStrategyName;
  chosen: string;
  strategy: ConvStrategyName;
  tile?: GemmTileName;
  /** The K slices of its GEMM when a split-K variant won. */
  splitK?: number;
  /** Came from the store rather than a measurement now. */
  cached: boolean;
  /** Candidates that failed when this shape was measured now, with the reason; absent when none. */
  skipped?: SkippedCandidate[];
  /** Every candidate failed: the layer keeps the heuristic's choice (`auto`), untuned. */
  untuned?: true;
}

export interface AutotuneReport {
  adapter: string;
  /** Shape keys measured in this compile. */
  measured: string[];
  /** Shape keys answered by the store. */
  cached: string[];
  layers: Record<string, TunedLayer>;
  /**
   * Stored choices that were unusable (tampered, or from another version) and
   * were measured again, and shapes whose candidates were skipped (one notice
   * per shape); absent when none.
   */
  notices?: string[];
}

function autoFirst(candidates: ConvCandidate[], auto: ConvStrategyName): ConvCandidate[] {
  const i = candidates.findIndex((c) => c.strategy === auto && !c.tile);
  return i <= 0 ? candidates : [candidates[i]!, ...candidates.slice(0, i), ...candidates.slice(i + 1)];
}

/**
 * Tunes every conv of `exec` (whose strategies are the auto choices) and
 * returns the chosen candidate per layer name.
 */
export async function autotuneConvs(ctx: GpuContext, exec: ExecGraph, options: AutotuneOptions = {}): Promise<AutotuneReport> {
  const store = options.store ?? defaultAutotuneStore();
  const adapter = adapterKey(ctx.adapter);
  const document = checkedDocument(await store.load(), { onNotice: options.onNotice });
  // choices made under another CHOICE_VERSION could name tiles or candidates that mean something else now
  const stale = dropOtherVersions(document);
  const known = (document.adapters[adapter] ??= {});
  const convs = exec.nodes.filter((n): n is ConvNode => n.kind === 'conv');
  const distinct = new Map<string, ConvNode>();
  for (const n of convs) {
    const key = shapeKey(convShapeOf(exec, n));
    if (!distinct.has(key)) distinct.set(key, n);
  }
  const report: AutotuneReport = { adapter, measured: [], cached: [], layers: {} };
  const notify = (notice: string): void => {
    (report.notices ??= []).push(notice);
    (options.onNotice ?? console.warn)(notice);
  };
  const skippedOf = new Map<string, SkippedCandidate[]>();
  const untuned = new Set<string>();
  let index = 0;
  for (const [key, node] of distinct) {
    index++;
    const problem = Object.hasOwn(known, key) ? storedChoiceProblem(known[key], convShapeOf(exec, node)) : undefined;
    if (problem !== undefined) {
      notify(`autotune: the stored choice for ${node.name} (${key}) is unusable (${problem}); measuring it again`);
      delete known[key];
    }
    if (known[key] && !options.remeasure) {
      report.cached.push(key);
      continue;
    }
    options.onMeasure?.(key, index, distinct.size);
    const shape = convShapeOf(exec, node);
    const auto = node.strategy as ConvStrategyName;
    const skipped: SkippedCandidate[] = [];
    const timings = await measureConvCandidates(ctx, shape, autoFirst(convCandidates(shape, options.tiles ?? true, options.computeUnits), auto), {
      ...options,
      activation: node.activation,
      onSkip: (k) => skipped.push(k),
    });
    const best = timings.filter((t) => t.correct).sort((a, b) => a.medianMs - b.medianMs)[0];
    if (skipped.length) {
      skippedOf.set(key, skipped);
      const list = skipped.map((k) => `${k.candidate} skipped: ${k.reason}`).join('; ');
      notify(`autotune: ${node.name} (${key}): ${list}${best ? '' : `; no candidate ran, keeping the heuristic's ${auto} untuned`}`);
    }
    // nothing ran (or nothing agreed): the heuristic's choice stands, and nothing is stored for the shape
    if (!best) {
      if (!skipped.length) notify(`autotune: ${node.name} (${key}): no candidate ran correctly; keeping the heuristic's ${auto} untuned`);
      delete known[key];
      untuned.add(key);
      report.measured.push(key);
      continue;
    }
    const choice: TunedChoice = {
      strategy: best.candidate.strategy,
      ...(best.candidate.tile ? { tile: best.candidate.tile } : {}),
      ...(best.candidate.splitK ? { splitK: best.candidate.splitK } : {}),
      timings: Object.fromEntries(timings.map((t) => [t.name, t.medianMs])),
      ...(timings.some((t) => !t.correct) ? { incorrect: timings.filter((t) => !t.correct).map((t) => t.name) } : {}),
      measuredAt: new Date().toISOString(),
    };
    known[key] = choice;
    report.measured.push(key);
  }
  if (report.measured.length || stale.length) await store.save(document);
  for (const n of convs) {
    const key = shapeKey(convShapeOf(exec, n));
    const auto = n.strategy as ConvStrategyName;
    // an untuned shape keeps the heuristic's strategy, and its tile (none forced here)
    const c: ConvCandidate = untuned.has(key) ? { strategy: auto } : known[key]!;
    const skipped = skippedOf.get(key);
    report.layers[n.name] = {
      shape: key,
      auto,
      chosen: candidateName(c),
      strategy: c.strategy,
      ...(c.tile ? { tile: c.tile } : {}),
      ...(c.splitK ? { splitK: c.splitK } : {}),
      cached: report.cached.includes(key),
      ...(skipped ? { skipped } : {}),
      ...(untuned.has(key) ? { untuned: true as const } : {}),
    };
  }
  return report;
}
