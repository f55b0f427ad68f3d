import { describe, expect, it } from 'vitest';
import { BindingLimitError, InvalidParameterError } from '../../src/errors.js';
import { lifetimesFromSchedule, planMemory, type BufferRequest, type MemoryPlan, type PlannerLimits, type ScheduleStep } from '../../src/graph/memory_planner.js';
import { Rng } from '../helpers/random.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const live = (a: BufferRequest, b: BufferRequest): boolean => a.firstStep <= b.lastStep && b.firstStep <= a.lastStep;

/** A desktop-like device: 256-byte offsets, 128 MiB bindings, 256 MiB buffers. */
const DESKTOP: PlannerLimits = { alignment: 256, maxBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };

/** Every property a plan must have; `where` names the seed in a failure. */
function checkPlan(requests: readonly BufferRequest[], limits: PlannerLimits, plan: MemoryPlan, where: string): void {
  const { alignment, maxBufferSize } = limits;
  expect(plan.placements.size, where).toBe(requests.length);
  for (const r of requests) {
    const p = plan.placements.get(r.id)!;
    expect(p, `${where}: request ${r.id} placed`).toBeDefined();
    expect(p.bytes, where).toBe(r.bytes);
    // (2) alignment
    expect(p.offset % alignment, `${where}: offset of ${r.id}`).toBe(0);
    // (3) fits its arena
    expect(p.arena >= 0 && p.arena < plan.arenaBytes.length, where).toBe(true);
    expect(p.offset + p.bytes, `${where}: ${r.id} inside arena ${p.arena}`).toBeLessThanOrEqual(plan.arenaBytes[p.arena]!);
  }
  // (1) simultaneously live requests never share bytes of one arena
  for (let i = 0; i < requests.length; i++) {
    for (let j = i + 1; j < requests.length; j++) {
      const a = requests[i]!;
      const b = requests[j]!;
      const pa = plan.placements.get(a.id)!;
      const pb = plan.placements.get(b.id)!;
      if (!live(a, b) || pa.arena !== pb.arena) continue;
      const disjoint = pa.offset + pa.bytes <= pb.offset || pb.offset + pb.bytes <= pa.offset;
      if (!disjoint) expect.fail(`${where}: live ${a.id} [${pa.offset}, +${pa.bytes}) and ${b.id} [${pb.offset}, +${pb.bytes}) overlap in arena ${pa.arena}`);
    }
  }
  // (4) arenas: 16-byte multiples, within maxBufferSize, none empty
  for (const bytes of plan.arenaBytes) {
    expect(bytes % 16, where).toBe(0);
    expect(bytes, where).toBeLessThanOrEqual(maxBufferSize);
  }
  const used = new Set([...plan.placements.values()].map((p) => p.arena));
  expect(used.size, `${where}: no empty arena`).toBe(plan.arenaBytes.length);
  expect(plan.peakBytes, where).toBe(plan.arenaBytes.reduce((a, b) => a + b, 0));
  expect(plan.naiveBytes, where).toBe(requests.reduce((a, r) => a + r.bytes, 0));
  // (5) the proven bound: each arena ≤ alignUp16(Σ alignUp(bytes, alignment) of its requests), hence
  // peak ≤ Σ alignUp(bytes, alignment) + 15 · arenas, with no slack when alignment is a multiple of 16
  const alignedSum = requests.reduce((a, r) => a + alignUp(r.bytes, alignment), 0);
  const slack = alignment % 16 === 0 ? 0 : 15 * plan.arenaBytes.length;
  expect(plan.peakBytes, `${where}: peak vs aligned naive`).toBeLessThanOrEqual(alignedSum + slack);
  // one buffer is always enough when the aligned sum fits in one (the greedy never opens a second then)
  if (alignUp(alignedSum, 16) <= Math.floor(maxBufferSize / 16) * 16) expect(plan.arenaBytes.length, where).toBeLessThanOrEqual(1);
  // sanity of the checker itself: no plan beats the bytes live at its busiest step
  expect(plan.peakBytes, where).toBeGreaterThanOrEqual(busiestStepBytes(requests));
}

function busiestStepBytes(requests: readonly BufferRequest[]): number {
  const steps = new Set(requests.map((r) => r.firstStep));
  let most = 0;
  for (const s of steps) most = Math.max(most, requests.filter((r) => r.firstStep <= s && s <= r.lastStep).reduce((a, r) => a + r.bytes, 0));
  return most;
}

/** Sizes from 1 B to 64 MiB, log-uniform so that small tensors are many. */
function randomBytes(rng: Rng, max = 64 * MiB): number {
  const kind = rng.next();
  if (kind < 0.05) return rng.int(1, 64); // odd tiny sizes exercise alignment
  return Math.max(1, Math.min(max, Math.round(2 ** (rng.next() * Math.log2(max)))));
}

function randomLimits(rng: Rng): PlannerLimits {
  const alignment = rng.pick([4, 16, 32, 64, 256, 256, 256]);
  if (rng.bool(0.25)) {
    // a small device: many arenas, requests still bindable
    const maxBufferSize = rng.pick([1, 4, 64]) * MiB + rng.pick([0, 8]);
    return { alignment, maxBindingSize: rng.pick([maxBufferSize, maxBufferSize >> 1]), maxBufferSize };
  }
  return { alignment, maxBindingSize: 128 * MiB, maxBufferSize: rng.pick([256 * MiB, 2048 * MiB]) };
}

function randomIntervals(rng: Rng, limits: PlannerLimits): BufferRequest[] {
  const n = rng.int(1, 80);
  const steps = rng.int(1, 40);
  return Array.from({ length: n }, (_, id) => {
    const firstStep = rng.int(0, steps - 1);
    return { id, bytes: randomBytes(rng, limits.maxBindingSize), firstStep, lastStep: rng.int(firstStep, Math.min(steps - 1, firstStep + rng.pick([0, 1, 2, 5, steps]))) };
  });
}

/** Tensor i is written at step i and read at step i + 1. */
function chain(sizes: readonly number[]): BufferRequest[] {
  return sizes.map((bytes, i) => ({ id: 100 + i, bytes, firstStep: i, lastStep: i + 1 }));
}

/** A chain of blocks; each block's input stays alive until the block's last step adds it back. */
function residual(rng: Rng, limits: PlannerLimits): BufferRequest[] {
  const requests: BufferRequest[] = [];
  let step = 0;
  for (let block = rng.int(1, 12); block > 0; block--) {
    const width = randomBytes(rng, limits.maxBindingSize >> 2);
    const depth = rng.int(2, 4);
    requests.push({ id: requests.length, bytes: width, firstStep: step, lastStep: step + depth }); // the skip
    for (let i = 1; i <= depth; i++) requests.push({ id: requests.length, bytes: Math.max(1, Math.round(width * rng.pick([0.25, 0.5, 1]))), firstStep: step + i - 1, lastStep: step + i });
    step += depth;
  }
  return requests;
}

/** Inception-like: a stem splits into branches of different depths, all read by a concat step. */
function branchy(rng: Rng, limits: PlannerLimits): BufferRequest[] {
  const requests: BufferRequest[] = [];
  let step = 0;
  for (let module = rng.int(1, 6); module > 0; module--) {
    const stemStep = step;
    const branches = rng.int(2, 4);
    const depths = Array.from({ length: branches }, () => rng.int(1, 3));
    const concatStep = stemStep + depths.reduce((a, b) => a + b, 0) + 1;
    requests.push({ id: requests.length, bytes: randomBytes(rng, limits.maxBindingSize), firstStep: stemStep, lastStep: concatStep - 1 });
    step = stemStep + 1;
    for (const depth of depths) {
      for (let i = 0; i < depth; i++) {
        const last = i === depth - 1 ? concatStep : step + 1; // a branch's output waits for the concat
        requests.push({ id: requests.length, bytes: randomBytes(rng, limits.maxBindingSize >> 3), firstStep: step, lastStep: last });
        step++;
      }
    }
    step = concatStep;
  }
  return requests;
}

describe('planMemory: properties over random request sets', () => {
  it('300 random interval sets (1 B – 64 MiB, small devices included)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const limits = randomLimits(rng);
      const requests = randomIntervals(rng, limits);
      checkPlan(requests, limits, planMemory(requests, limits), `intervals seed ${seed}`);
    }
  });

  it('150 chains: peak ≤ the two largest adjacent tensors, aligned', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rng = new Rng(1000 + seed);
      const limits = { ...DESKTOP, alignment: rng.pick([4, 32, 256]) };
      const length = rng.int(1, 60);
      // half wild sizes, half CNN-like (each layer 0.5–2× its predecessor), where a bad order shows
      let size = randomBytes(rng, 8 * MiB);
      const cnnLike = (): number => (size = Math.min(64 * MiB, Math.max(1, Math.round(size * 2 ** (rng.next() * 2 - 1)))));
      const requests = chain(Array.from({ length }, () => (seed % 2 ? randomBytes(rng) : cnnLike())));
      const plan = planMemory(requests, limits);
      checkPlan(requests, limits, plan, `chain seed ${seed}`);
      // (6) ping-pong bound: odd tensors sit just above their even neighbours
      const a = (r: BufferRequest): number => alignUp(r.bytes, limits.alignment);
      let pair = a(requests[0]!);
      for (let i = 1; i < requests.length; i++) pair = Math.max(pair, a(requests[i - 1]!) + a(requests[i]!));
      expect(plan.arenaBytes.length).toBe(1);
      expect(plan.peakBytes, `chain seed ${seed}`).toBeLessThanOrEqual(alignUp(pair, 16));
    }
  });

  it('100 residual-style sets (long-lived skips)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rng = new Rng(2000 + seed);
      const limits = randomLimits(rng);
      const requests = residual(rng, limits);
      checkPlan(requests, limits, planMemory(requests, limits), `residual seed ${seed}`);
    }
  });

  it('100 branchy sets (branches joined by a concat)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rng = new Rng(3000 + seed);
      const limits = randomLimits(rng);
      const requests = branchy(rng, limits);
      checkPlan(requests, limits, planMemory(requests, limits), `branchy seed ${seed}`);
    }
  });

  it('order of the requests does not change the plan', () => {
    const rng = new Rng(7);
    const requests = randomIntervals(rng, DESKTOP);
    const shuffled = [...requests].sort(() => rng.next() - 0.5);
    const a = planMemory(requests, DESKTOP);
    const b = planMemory(shuffled, DESKTOP);
    expect(b.arenaBytes).toEqual(a.arenaBytes);
    for (const r of requests) expect(b.placements.get(r.id)).toEqual(a.placements.get(r.id));
  });
});

describe('planMemory: hand-checked plans', () => {
  it('chain 1000 → 800 → 900 → 1000 B at 256-byte alignment packs ping-pong into 2032 B', () => {
    // greedy by size alone gives 2848 (t3 takes offset 0 before t2, pushing t1 up); by colour: t0, t2 at 0, t1, t3 at 1024
    const requests = chain([1000, 800, 900, 1000]);
    const plan = planMemory(requests, DESKTOP);
    expect([...requests].map((r) => plan.placements.get(r.id))).toEqual([
      { id: 100, arena: 0, offset: 0, bytes: 1000 },
      { id: 101, arena: 0, offset: 1024, bytes: 800 },
      { id: 102, arena: 0, offset: 0, bytes: 900 },
      { id: 103, arena: 0, offset: 1024, bytes: 1000 },
    ]);
    expect(plan.arenaBytes).toEqual([2032]); // 1024 + 1000 rounded up to 16
    expect(plan.peakBytes).toBe(2032);
    expect(plan.naiveBytes).toBe(3700);
  });

  it('three 1000 B tensors live together, 2048 B buffers: two arenas', () => {
    const requests = [0, 1, 2].map((id) => ({ id, bytes: 1000, firstStep: 0, lastStep: 0 }));
    const plan = planMemory(requests, { alignment: 256, maxBindingSize: 2048, maxBufferSize: 2048 });
    expect([...requests].map((r) => plan.placements.get(r.id))).toEqual([
      { id: 0, arena: 0, offset: 0, bytes: 1000 },
      { id: 1, arena: 0, offset: 1024, bytes: 1000 },
      { id: 2, arena: 1, offset: 0, bytes: 1000 },
    ]);
    expect(plan.arenaBytes).toEqual([2032, 1008]);
    expect(plan.peakBytes).toBe(3040);
  });

  it('a long-lived tensor and a gap reused by a later, smaller one', () => {
    // skip (600 B) lives throughout; a (2000 B) then b (300 B) come and go; c (1500 B) after a
    const requests: BufferRequest[] = [
      { id: 0, bytes: 600, firstStep: 0, lastStep: 3 },
      { id: 1, bytes: 2000, firstStep: 0, lastStep: 1 },
      { id: 2, bytes: 300, firstStep: 1, lastStep: 2 },
      { id: 3, bytes: 1500, firstStep: 2, lastStep: 3 },
    ];
    const plan = planMemory(requests, DESKTOP);
    // by size: a@0, c@0 (a is dead), skip@2048, b above a and skip at 2816; end 3116 → 3120, which the colour
    // order only ties (skip@0, a@768, c@768, b@2816) and no layout beats: a + aligned skip + b at step 1
    expect(requests.map((r) => plan.placements.get(r.id)!.offset)).toEqual([2048, 0, 2816, 0]);
    expect(plan.peakBytes).toBe(3120);
    expect(plan.naiveBytes).toBe(4400);
  });

  it('no requests: no arenas', () => {
    expect(planMemory([], DESKTOP)).toEqual({ placements: new Map(), arenaBytes: [], peakBytes: 0, naiveBytes: 0 });
  });
});

describe('planMemory: errors', () => {
  const ok = { id: 1, bytes: 64, firstStep: 0, lastStep: 0 };
  const invalid = (requests: BufferRequest[], parameter: string, limits = DESKTOP): void => {
    const error = (() => {
      try {
        planMemory(requests, limits);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidParameterError);
    expect((error as InvalidParameterError).parameter).toBe(parameter);
  };

  it('zero, negative, fractional and NaN sizes name "bytes"', () => {
    for (const bytes of [0, -4, 1.5, NaN]) invalid([{ ...ok, bytes }], 'bytes');
  });

  it('duplicate ids, reversed lifetimes and bad limits are named', () => {
    invalid([ok, { ...ok }], 'id');
    invalid([{ ...ok, firstStep: 3, lastStep: 2 }], 'lastStep');
    invalid([{ ...ok, firstStep: 0.5 }], 'firstStep');
    invalid([ok], 'alignment', { ...DESKTOP, alignment: 48 });
    invalid([ok], 'maxBindingSize', { ...DESKTOP, maxBindingSize: 0 });
    invalid([ok], 'maxBufferSize', { ...DESKTOP, maxBufferSize: 8 });
  });

  it('a request larger than one binding throws BindingLimitError, never truncates', () => {
    const limits = { alignment: 256, maxBindingSize: 128 * MiB, maxBufferSize: 256 * MiB };
    expect(planMemory([{ ...ok, bytes: 128 * MiB }], limits).peakBytes).toBe(128 * MiB);
    const labelled = (): MemoryPlan => planMemory([ok, { id: 2, bytes: 128 * MiB + 4, firstStep: 0, lastStep: 1, label: 'fc6.weight' }], limits);
    expect(labelled).toThrow(BindingLimitError);
    expect(labelled).toThrow(/fc6\.weight needs 134217732 bytes .* allows 134217728/);
    try {
      planMemory([{ id: 7, bytes: 200 * MiB, firstStep: 0, lastStep: 0 }], limits);
      expect.fail('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(BindingLimitError);
      expect(e).toMatchObject({ what: 'tensor 7', bytes: 200 * MiB, limit: 128 * MiB });
    }
  });
});

describe('lifetimesFromSchedule', () => {
  it('spans first to last touch; keepAlive spans the whole schedule', () => {
    // 0: x → a; 1: a → b; 2: a, b → c (residual add); 3: c → y; also a dead write d at step 1
    const steps: ScheduleStep[] = [
      { reads: [10], writes: [11] },
      { reads: [11], writes: [12, 14] },
      { reads: [11, 12], writes: [13] },
      { reads: [13], writes: [15] },
    ];
    const life = lifetimesFromSchedule(steps, new Set([10, 15, 99]));
    expect(Object.fromEntries(life)).toEqual({
      10: { firstStep: 0, lastStep: 3 },
      11: { firstStep: 0, lastStep: 2 },
      12: { firstStep: 1, lastStep: 2 },
      13: { firstStep: 2, lastStep: 3 },
      14: { firstStep: 1, lastStep: 1 },
      15: { firstStep: 0, lastStep: 3 },
      99: { firstStep: 0, lastStep: 3 },
    });
  });
});

describe('a ResNet-50-shaped schedule', () => {
  /** Batch-1 f32 activations of ResNet-50 at 224×224 with BN folded and residual adds fused into the last conv of each block. */
  function resnet50Schedule(): { steps: ScheduleStep[]; bytes: Map<number, number>; input: number; output: number } {
    const steps: ScheduleStep[] = [];
    const bytes = new Map<number, number>();
    const tensor = (h: number, w: number, c: number): number => {
      bytes.set(bytes.size, h * w * c * 4);
      return bytes.size - 1;
    };
    const op = (reads: number[], out: number): number => {
      steps.push({ reads, writes: [out] });
      return out;
    };
    const input = tensor(224, 224, 3);
    let x = op([input], tensor(112, 112, 64)); // conv1 7×7/2
    x = op([x], tensor(56, 56, 64)); // maxpool 3×3/2
    let size = 56;
    [3, 4, 6, 3].forEach((blocks, stage) => {
      const width = 64 << stage;
      for (let b = 0; b < blocks; b++) {
        const stride = b === 0 && stage > 0 ? 2 : 1;
        const a = op([x], tensor(size, size, width)); // 1×1 reduce
        size /= stride;
        const m = op([a], tensor(size, size, width)); // 3×3 (stride here, as torchvision v1.5)
        const skip = b === 0 ? op([x], tensor(size, size, width * 4)) : x; // 1×1 downsample
        x = op([m, skip], tensor(size, size, width * 4)); // 1×1 expand + add + relu
      }
    });
    x = op([x], tensor(1, 1, 2048)); // global average pool
    const output = op([x], tensor(1, 1, 1000)); // fc
    return { steps, bytes, input, output };
  }

  it('plans every activation and prints peak vs naive', () => {
    const { steps, bytes, input, output } = resnet50Schedule();
    const requests = [...lifetimesFromSchedule(steps, new Set([input, output]))].map(([id, t]) => ({ id, bytes: bytes.get(id)!, ...t }));
    const plan = planMemory(requests, DESKTOP);
    checkPlan(requests, DESKTOP, plan, 'resnet50');
    const mb = (n: number): string => (n / MiB).toFixed(2);
    console.log(
      `[memory planner] ResNet-50 activations (batch 1, f32, ${requests.length} tensors, ${steps.length} dispatches): ` +
        `planned peak ${mb(plan.peakBytes)} MiB in ${plan.arenaBytes.length} arena(s) vs naive ${mb(plan.naiveBytes)} MiB ` +
        `(${(plan.naiveBytes / plan.peakBytes).toFixed(1)}× less; busiest step holds ${mb(busiestStepBytes(requests))} MiB)`,
    );
    expect(plan.peakBytes).toBeLessThan(plan.naiveBytes / 4);
  });
});
