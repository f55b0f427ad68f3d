/**
 * Where the root tensors of a schedule live, once placement.ts has decided
 * the steps and the aliases. Two decisions, both pure:
 * 1. arenas — WebGPU forbids binding one buffer both read-only and writable
 *    in a dispatch, so tensors a step reads and the tensor it writes must sit
 *    in different arena buffers: a greedy colouring of that conflict graph
 *    gives a few arenas (2 for a chain, 3 with residuals);
 * 2. offsets — within each arena, the lifetime planner (memory_planner.ts)
 *    packs tensors and step scratch.
 */
import { InvalidParameterError } from '../errors.js';
import { paddedByteSize } from '../gpu/buffers.js';
import { planMemory, type BufferRequest, type PlannerLimits } from './memory_planner.js';

/** One unit of execution: the tensors (by root) it reads and writes, and its scratch. */
export interface PlannedStep {
  reads: readonly number[];
  writes: readonly number[];
  scratchBytes: number;
  /** A second scratch region (split-K partials), apart from everything else the step binds. */
  partialBytes?: number;
}

export interface Location {
  arena: number;
  offset: number;
  bytes: number;
}

export interface StoragePlan {
  /** Placement of every root tensor kept in an arena. */
  tensors: ReadonlyMap<number, Location>;
  /** Scratch placement per step index. */
  scratch: ReadonlyMap<number, Location>;
  /** Partials placement per step index (steps that asked for partialBytes). */
  partials: ReadonlyMap<number, Location>;
  /** Byte size of each arena buffer. */
  arenaBytes: readonly number[];
  peakBytes: number;
  /** Every intermediate tensor (and scratch) in its own buffer. */
  naiveBytes: number;
}

/** How errors name what they are about; both default to numbers (`tensor 3`, `step 2`). */
export interface StorageLabels {
  /** A root tensor, e.g. exec_graph's tensorLabel: `output of layer "conv1"`. */
  tensor?(id: number): string;
  /** A step, by the layer it runs: `conv1`. */
  step?(index: number): string;
}

/**
 * @param rootBytes bytes of each arena-resident root tensor
 * @param keepAlive roots that must survive the whole schedule (graph outputs)
 * @param labels names for errors (a tensor too large for one binding)
 */
export function planStorage(steps: readonly PlannedStep[], rootBytes: ReadonlyMap<number, number>, keepAlive: ReadonlySet<number>, limits: PlannerLimits, labels: StorageLabels = {}): StoragePlan {
  const tensorName = (t: number) => labels.tensor?.(t) ?? `tensor ${t}`;
  const stepName = (i: number) => (labels.step ? `layer "${labels.step(i)}"` : `step ${i}`);
  // lifetimes over the roots, first write to last read
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  steps.forEach((s, i) => {
    for (const t of [...s.writes, ...s.reads]) {
      if (!rootBytes.has(t)) continue;
      if (!first.has(t)) first.set(t, i);
      last.set(t, i);
    }
  });
  for (const t of keepAlive) if (rootBytes.has(t)) last.set(t, steps.length - 1);

  // ids for scratch requests come after every tensor id, then those of the partials
  const scratchBase = Math.max(-1, ...rootBytes.keys()) + 1;
  const partialBase = scratchBase + steps.length;
  const conflicts = new Map<number, Set<number>>();
  const link = (a: number, b: number) => {
    if (a === b) return;
    (conflicts.get(a) ?? conflicts.set(a, new Set()).get(a)!).add(b);
    (conflicts.get(b) ?? conflicts.set(b, new Set()).get(b)!).add(a);
  };
  steps.forEach((s, i) => {
    const reads = s.reads.filter((t) => rootBytes.has(t));
    const writes = s.writes.filter((t) => rootBytes.has(t));
    const scratch = [...(s.scratchBytes ? [scratchBase + i] : []), ...(s.partialBytes ? [partialBase + i] : [])];
    for (const w of [...writes, ...scratch]) for (const r of [...reads, ...writes, ...scratch]) link(w, r);
    for (const r of reads) if (writes.includes(r)) throw new InvalidParameterError('schedule', `${stepName(i)} reads and writes ${tensorName(r)}`);
  });

  const requests: (BufferRequest & { color: number })[] = [];
  const color = new Map<number, number>();
  const colorOf = (id: number) => {
    const taken = new Set([...(conflicts.get(id) ?? [])].map((n) => color.get(n)).filter((c) => c !== undefined));
    let c = 0;
    while (taken.has(c)) c++;
    color.set(id, c);
    return c;
  };
  for (const [t, bytes] of rootBytes) {
    if (!first.has(t)) continue; // never touched: nothing to place
    requests.push({ id: t, bytes: paddedByteSize(bytes), firstStep: first.get(t)!, lastStep: last.get(t)!, label: tensorName(t), color: colorOf(t) });
  }
  steps.forEach((s, i) => {
    if (!s.scratchBytes) return;
    const id = scratchBase + i;
    requests.push({ id, bytes: paddedByteSize(s.scratchBytes), firstStep: i, lastStep: i, label: `scratch of ${stepName(i)}`, color: colorOf(id) });
  });
  steps.forEach((s, i) => {
    if (!s.partialBytes) return;
    const id = partialBase + i;
    requests.push({ id, bytes: paddedByteSize(s.partialBytes), firstStep: i, lastStep: i, label: `split-K partials of ${stepName(i)}`, color: colorOf(id) });
  });

  const tensors = new Map<number, Location>();
  const scratch = new Map<number, Location>();
  const partials = new Map<number, Location>();
  const arenaBytes: number[] = [];
  const colors = [...new Set(requests.map((r) => r.color))].sort((a, b) => a - b);
  let naiveBytes = 0;
  for (const c of colors) {
    const group = requests.filter((r) => r.color === c);
    const plan = planMemory(group, limits);
    naiveBytes += plan.naiveBytes;
    const base = arenaBytes.length;
    arenaBytes.push(...plan.arenaBytes);
    for (const [id, p] of plan.placements) {
      const loc = { arena: base + p.arena, offset: p.offset, bytes: p.bytes };
      if (id >= partialBase) partials.set(id - partialBase, loc);
      else if (id >= scratchBase) scratch.set(id - scratchBase, loc);
      else tensors.set(id, loc);
    }
  }
  return { tensors, scratch, partials, arenaBytes, peakBytes: arenaBytes.reduce((a, b) => a + b, 0), naiveBytes };
}
