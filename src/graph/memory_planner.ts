/**
 * The memory planner: tensor lifetimes in, offsets in a few shared arena
 * buffers out. One pure function of plain numbers, so it is tested on fake
 * schedules without a device (test/graph/memory_planner.test.ts).
 *
 * Algorithm: first-fit offset assignment (each request goes to the lowest
 * aligned offset that collides with no already-placed request whose lifetime
 * overlaps its own), run in two visiting orders, keeping the better plan:
 * - greedy by size (largest first), the classic TFLite offset planner — strong
 *   on residual and branchy graphs;
 * - by lifetime colour, then size: an interval colouring (tensors of one colour
 *   never live at once) visited colour by colour — on a chain this is the
 *   ping-pong layout, whose peak is at most the two largest adjacent tensors.
 * An arena never grows past maxBufferSize: a request that fits in no open
 * arena opens a new one. Cost O(n²) in the number of requests.
 */
import { BindingLimitError, InvalidParameterError } from '../errors.js';

/** A tensor to place: `bytes` live during steps [firstStep, lastStep], inclusive. */
export interface BufferRequest {
  id: number;
  bytes: number;
  firstStep: number;
  lastStep: number;
  /** Names the tensor in errors (default `tensor <id>`). */
  label?: string;
}

/** The device limits that bound a plan (read them from `device.limits`). */
export interface PlannerLimits {
  /** minStorageBufferOffsetAlignment: every offset is a multiple of it (a power of two). */
  alignment: number;
  /** maxStorageBufferBindingSize: no request may be larger. */
  maxBindingSize: number;
  /** maxBufferSize: no arena may be larger. */
  maxBufferSize: number;
}

/** Where one request landed. */
export interface ArenaPlacement {
  id: number;
  arena: number;
  offset: number;
  bytes: number;
}

export interface MemoryPlan {
  /** By request id. */
  placements: ReadonlyMap<number, ArenaPlacement>;
  /** Size of each arena buffer (multiple of 16). */
  arenaBytes: readonly number[];
  /** Sum of arenaBytes: what the plan allocates. */
  peakBytes: number;
  /** Sum of all request sizes: what one buffer per tensor would allocate. */
  naiveBytes: number;
}

/** Arena sizes are multiples of this (vec4<f32> loads never run off the end). */
const ARENA_GRANULE = 16;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

interface Slot {
  offset: number;
  bytes: number;
  firstStep: number;
  lastStep: number;
}

const overlaps = (a: Slot | BufferRequest, b: Slot | BufferRequest): boolean => a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;

/**
 * Places every request in as few arenas as the greedy finds, offsets aligned,
 * simultaneously live requests disjoint. Throws InvalidParameterError on a
 * malformed request or limit, BindingLimitError on a request larger than one
 * storage binding (callers split big weights and GEMMs before planning).
 *
 * Guarantee (each arena, by induction over first-fit): its size is at most
 * the sum of its requests' sizes rounded up to `alignment`, then to 16 — so
 * peakBytes ≤ Σ alignUp(bytes, alignment) whenever alignment is a multiple of 16.
 *
 * @example
 * const plan = planMemory(
 *   [
 *     { id: 0, bytes: 1000, firstStep: 0, lastStep: 1 },
 *     { id: 1, bytes: 800, firstStep: 1, lastStep: 2 },
 *     { id: 2, bytes: 900, firstStep: 2, lastStep: 3 },
 *   ],
 *   { alignment: 256, maxBindingSize: 128 << 20, maxBufferSize: 256 << 20 },
 * );
 * plan.placements.get(2)!.offset; // 0: tensor 0 is dead by step 2
 * plan.peakBytes; // 1824, against naiveBytes 2700
 */
export function planMemory(requests: readonly BufferRequest[], limits: PlannerLimits): MemoryPlan {
  const capacity = validateLimits(limits);
  validateRequests(requests, limits, capacity);
  const naiveBytes = requests.reduce((sum, r) => sum + r.bytes, 0);
  let best: MemoryPlan | undefined;
  for (const order of [bySize(requests), byColourThenSize(requests)]) {
    const plan = firstFit(order, limits.alignment, capacity, naiveBytes);
    // fewer buffers first, then fewer bytes; the earlier order wins ties
    if (!best || plan.arenaBytes.length < best.arenaBytes.length || (plan.arenaBytes.length === best.arenaBytes.length && plan.peakBytes < best.peakBytes)) best = plan;
  }
  return best!;
}

/** Returns the usable arena capacity: maxBufferSize rounded down to the arena granule. */
function validateLimits(limits: PlannerLimits): number {
  const { alignment, maxBindingSize, maxBufferSize } = limits;
  if (!Number.isSafeInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) throw new InvalidParameterError('alignment', `must be a power of two, got ${alignment}`);
  if (!Number.isSafeInteger(maxBindingSize) || maxBindingSize < 1) throw new InvalidParameterError('maxBindingSize', `must be a positive integer, got ${maxBindingSize}`);
  if (!Number.isSafeInteger(maxBufferSize) || maxBufferSize < ARENA_GRANULE) throw new InvalidParameterError('maxBufferSize', `must be an integer ≥ ${ARENA_GRANULE}, got ${maxBufferSize}`);
  return Math.floor(maxBufferSize / ARENA_GRANULE) * ARENA_GRANULE;
}

function validateRequests(requests: readonly BufferRequest[], limits: PlannerLimits, capacity: number): void {
  // a binding must also fit in a buffer, so the tighter of the two limits applies
  const bindable = Math.min(limits.maxBindingSize, capacity);
  const seen = new Set<number>();
  for (const r of requests) {
    const what = r.label ?? `tensor ${r.id}`;
    if (!Number.isSafeInteger(r.id)) throw new InvalidParameterError('id', `${what}: must be an integer, got ${r.id}`);
    if (seen.has(r.id)) throw new InvalidParameterError('id', `${r.id} is requested twice`);
    seen.add(r.id);
    if (!Number.isSafeInteger(r.bytes) || r.bytes < 1) throw new InvalidParameterError('bytes', `${what}: must be a positive integer, got ${r.bytes}`);
    if (!Number.isSafeInteger(r.firstStep) || !Number.isSafeInteger(r.lastStep)) throw new InvalidParameterError('firstStep', `${what}: steps must be integers, got [${r.firstStep}, ${r.lastStep}]`);
    if (r.lastStep < r.firstStep) throw new InvalidParameterError('lastStep', `${what}: lastStep ${r.lastStep} is before firstStep ${r.firstStep}`);
    if (r.bytes > bindable) throw new BindingLimitError(what, r.bytes, bindable);
  }
}

/** Largest first; longer-lived first among equals (they constrain more); then by id for determinism. */
function bySize(requests: readonly BufferRequest[]): BufferRequest[] {
  return [...requests].sort((a, b) => b.bytes - a.bytes || b.lastStep - b.firstStep - (a.lastStep - a.firstStep) || a.id - b.id);
}

/** Colour by a sweep in start order (the fewest colours an interval graph allows), then visit colour by colour, largest first. */
function byColourThenSize(requests: readonly BufferRequest[]): BufferRequest[] {
  const colour = new Map<number, number>();
  const colourFreeAfter: number[] = []; // last step of the tensor now holding each colour
  for (const r of [...requests].sort((a, b) => a.firstStep - b.firstStep || a.id - b.id)) {
    let c = colourFreeAfter.findIndex((last) => last < r.firstStep);
    if (c < 0) c = colourFreeAfter.length;
    colourFreeAfter[c] = r.lastStep;
    colour.set(r.id, c);
  }
  return [...requests].sort((a, b) => colour.get(a.id)! - colour.get(b.id)! || b.bytes - a.bytes || a.id - b.id);
}

/** Places requests in the given order, each at the lowest free aligned offset of the first arena that has room. */
function firstFit(order: readonly BufferRequest[], alignment: number, capacity: number, naiveBytes: number): MemoryPlan {
  const arenas: Slot[][] = []; // each sorted by offset
  const placements = new Map<number, ArenaPlacement>();
  for (const r of order) {
    let arena = 0;
    let offset = -1;
    for (; arena < arenas.length && offset < 0; arena++) offset = lowestFreeOffset(arenas[arena]!, r, alignment, capacity);
    if (offset < 0) {
      arenas.push([]);
      arena = arenas.length;
      offset = 0;
    }
    insertByOffset(arenas[arena - 1]!, { offset, bytes: r.bytes, firstStep: r.firstStep, lastStep: r.lastStep });
    placements.set(r.id, { id: r.id, arena: arena - 1, offset, bytes: r.bytes });
  }
  const arenaBytes = arenas.map((slots) => alignUp(Math.max(...slots.map((s) => s.offset + s.bytes)), ARENA_GRANULE));
  return { placements, arenaBytes, peakBytes: arenaBytes.reduce((a, b) => a + b, 0), naiveBytes };
}

/** The lowest aligned offset where `r` collides with no live slot, or -1 if the arena would outgrow `capacity`. */
function lowestFreeOffset(slots: readonly Slot[], r: BufferRequest, alignment: number, capacity: number): number {
  let candidate = 0;
  for (const s of slots) {
    if (!overlaps(s, r)) continue; // never live together: may share bytes
    if (s.offset >= candidate + r.bytes) break; // the gap below s fits, and later slots start higher
    candidate = Math.max(candidate, alignUp(s.offset + s.bytes, alignment));
    if (candidate + r.bytes > capacity) return -1;
  }
  return candidate + r.bytes <= capacity ? candidate : -1;
}

function insertByOffset(slots: Slot[], slot: Slot): void {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slots[mid]!.offset <= slot.offset) lo = mid + 1;
    else hi = mid;
  }
  slots.splice(lo, 0, slot);
}

/** A dispatch of the schedule: the tensor ids it reads and writes. */
export interface ScheduleStep {
  reads: readonly number[];
  writes: readonly number[];
}

/**
 * Lifetimes of every tensor a schedule touches: from the first step that
 * reads or writes it to the last. Ids in `keepAlive` (graph inputs and
 * outputs: written before the first dispatch or read after the last) live
 * across the whole schedule, even if no step names them. A tensor written
 * and never read still lives at its writing step. Aliases (a concat whose
 * producers write into its slices) are the caller's to merge first.
 *
 * @example
 * // conv: x → a, relu: a → b; x and b are the graph's input and output
 * const life = lifetimesFromSchedule([{ reads: [0], writes: [1] }, { reads: [1], writes: [2] }], new Set([0, 2]));
 * life.get(1); // { firstStep: 0, lastStep: 1 }
 * life.get(0); // { firstStep: 0, lastStep: 1 }
 * const requests = [...life].map(([id, t]) => ({ id, bytes: bytesOf(id), ...t }));
 */
export function lifetimesFromSchedule(steps: readonly ScheduleStep[], keepAlive: ReadonlySet<number>): Map<number, { firstStep: number; lastStep: number }> {
  const life = new Map<number, { firstStep: number; lastStep: number }>();
  const touch = (id: number, step: number): void => {
    const t = life.get(id);
    if (t) t.lastStep = Math.max(t.lastStep, step);
    else life.set(id, { firstStep: step, lastStep: step });
  };
  steps.forEach((s, i) => {
    for (const id of s.writes) touch(id, i);
    for (const id of s.reads) touch(id, i);
  });
  const whole = { firstStep: 0, lastStep: Math.max(0, steps.length - 1) };
  for (const id of keepAlive) life.set(id, { ...whole });
  return life;
}
