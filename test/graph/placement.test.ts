/**
 * place() on hand-built ExecGraphs and fake kernels, no device: which
 * tensors alias which, the steps in order (as data), which inputs are read
 * from staging, and the storage plan's real offsets, arenas and limits.
 */
import { describe, expect, it } from 'vitest';
import { BindingLimitError } from '../../src/errors.js';
import { NCHW_TO_NHWC, NHWC_TO_NCHW } from '../../src/graph/boundary.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { lower, type ExecGraph, type ExecNode } from '../../src/graph/exec_graph.js';
import type { Shape } from '../../src/graph/ir.js';
import { homeOf, place, rootOf, writeSliceOf, type PlacementKernel, type Placement } from '../../src/graph/placement.js';
import type { PlannerLimits } from '../../src/graph/memory_planner.js';
import { nodeKernel } from '../../src/graph/node_kernels.js';
import { randomWeights } from '../helpers/random_graph.js';
import { Rng } from '../helpers/random.js';

const LIMITS: PlannerLimits = { alignment: 256, maxBindingSize: 1 << 20, maxBufferSize: 1 << 24 };

interface FakeNode {
  kind: ExecNode['kind'];
  name: string;
  inputs: number[];
  output: number;
  residual?: number;
  writesSlices?: boolean;
  scratchFloats?: number;
  readsNchw?: boolean;
}

/** A graph of tensors by id (shape) and nodes that only name what placement looks at. */
function fake(shapes: Record<number, Shape>, nodes: FakeNode[], inputs: Record<string, number>, outputs: Record<string, number>): { exec: ExecGraph; kernels: PlacementKernel[] } {
  const exec: ExecGraph = {
    shapes: new Map(Object.entries(shapes).map(([t, s]) => [Number(t), s] as const)),
    nodes: nodes.map((n) => ({ kind: n.kind, name: n.name, sources: [n.name], inputs: n.inputs, output: n.output, ...(n.residual !== undefined ? { residual: n.residual } : {}) }) as unknown as ExecNode),
    inputs: Object.entries(inputs).map(([name, tensor]) => ({ name, tensor })),
    outputs: Object.entries(outputs).map(([name, tensor]) => ({ name, tensor })),
  };
  // flatten, reshape and concat say how placement treats them as their real kernels do (a row-major view, or inputs side by side)
  const placementOf = (n: FakeNode, i: number) => (n.kind === 'flatten' || n.kind === 'reshape' || n.kind === 'concat' ? nodeKernel(exec, exec.nodes[i]!, 1 << 30).placement : undefined);
  return { exec, kernels: nodes.map((n, i) => ({ writesSlices: n.writesSlices ?? false, scratchFloats: n.scratchFloats ?? 0, placement: placementOf(n, i), ...(n.readsNchw ? { readsNchw: true } : {}) })) };
}

const kinds = (p: Placement) => p.steps.map((s) => `${s.kind} ${s.name}`);

/** For every step: no tensor it reads (or its scratch) shares an arena with a tensor it writes. */
function expectReadsAndWritesApart(p: Placement): void {
  p.steps.forEach((s, i) => {
    const arena = (t: number) => p.storage.tensors.get(rootOf(p, t))?.arena;
    const writes = s.writes.map(arena).filter((a) => a !== undefined);
    const reads = s.reads.map(arena).filter((a) => a !== undefined);
    const scratch = p.storage.scratch.get(i)?.arena;
    for (const w of writes) {
      expect(reads, `step ${s.name}`).not.toContain(w);
      if (scratch !== undefined) expect(scratch, `scratch of ${s.name}`).not.toBe(w);
    }
    if (scratch !== undefined) expect(reads, `scratch of ${s.name}`).not.toContain(scratch);
  });
}

describe('place: flatten aliases', () => {
  it('a flatten of [N, F] is an alias of its input with no step; rank-2 inputs are read from staging, rank-2 outputs unconverted', () => {
    // x [2,12] → fc1 → h [2,6] → flatten → f [2,6] → fc2 → y [2,3]
    const { exec, kernels } = fake(
      { 0: [2, 12], 1: [2, 6], 2: [2, 6], 3: [2, 3] },
      [
        { kind: 'linear', name: 'fc1', inputs: [0], output: 1 },
        { kind: 'flatten', name: 'flat', inputs: [1], output: 2 },
        { kind: 'linear', name: 'fc2', inputs: [2], output: 3 },
      ],
      { x: 0 },
      { y: 3 },
    );
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['node fc1', 'node fc2']);
    expect([...p.aliases]).toEqual([[2, { root: 1 }]]);
    expect([...p.external]).toEqual([[0, 'x']]);
    expect(homeOf(p, 0)).toEqual({ staging: 'x' });
    expect([...p.storage.tensors.keys()].sort()).toEqual([1, 3]);
    expect(homeOf(p, 2)).toEqual(p.storage.tensors.get(1));
    expect(p.steps[1]).toMatchObject({ kind: 'node', node: 2, reads: [2], writes: [3] });
  });

  it('a flatten of one pixel is an alias; a rank-4 output of one pixel has no conversion', () => {
    // x [2,3,5,5] → gap → g [2,3,1,1] (output "g") → flatten → f [2,3] (output "f")
    const { exec, kernels } = fake(
      { 0: [2, 3, 5, 5], 1: [2, 3, 1, 1], 2: [2, 3] },
      [
        { kind: 'globalavgpool', name: 'gap', inputs: [0], output: 1, writesSlices: true },
        { kind: 'flatten', name: 'flat', inputs: [1], output: 2 },
      ],
      { x: 0 },
      { g: 1, f: 2 },
    );
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node gap']);
    expect(p.aliases.get(2)).toEqual({ root: 1 });
    expect(p.external.size).toBe(0);
  });

  it('a flatten of H·W > 1 is one layout step (NHWC → row-major into its output), and nothing aliases', () => {
    // x [1,2,3,3] → relu → a → flatten → f [1,18]
    const { exec, kernels } = fake(
      { 0: [1, 2, 3, 3], 1: [1, 2, 3, 3], 2: [1, 18] },
      [
        { kind: 'activation', name: 'act', inputs: [0], output: 1 },
        { kind: 'flatten', name: 'flat', inputs: [1], output: 2 },
      ],
      { x: 0 },
      { f: 2 },
    );
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node act', 'layout flat']);
    expect(p.aliases.size).toBe(0);
    expect(p.temporaries.size).toBe(0);
    expect(p.steps[2]).toEqual({
      kind: 'layout', node: 1, from: 1, to: 2, conversion: { dims: [1, 3, 3, 2], perm: NHWC_TO_NCHW },
      name: 'flat', label: 'flat (to NCHW)', sources: ['flat'], reads: [1], writes: [2], scratchFloats: 0,
    });
    expect(p.steps[0]).toEqual({
      kind: 'input-to-nhwc', input: 'x', tensor: 0, conversion: { dims: [1, 2, 3, 3], perm: NCHW_TO_NHWC },
      name: 'input:x', label: 'input x NCHW→NHWC', sources: [], reads: [], writes: [0], scratchFloats: 0,
    });
  });
});

describe('place: reshape layout conversions', () => {
  const reshapeGraph = (from: Shape, to: Shape) =>
    fake(
      { 0: from, 1: from, 2: to, 3: to },
      [
        { kind: 'activation', name: 'before', inputs: [0], output: 1 },
        { kind: 'reshape', name: 'r', inputs: [1], output: 2 },
        { kind: 'activation', name: 'after', inputs: [2], output: 3 },
      ],
      { x: 0 },
      { y: 3 },
    );

  it('image → image: NHWC → row-major into a temporary, then row-major → NHWC; the temporary lives between them only', () => {
    const { exec, kernels } = reshapeGraph([2, 3, 4, 6], [2, 6, 6, 2]);
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node before', 'layout r', 'layout r', 'node after', 'output-to-nchw output:y']);
    expect([...p.temporaries]).toEqual([[4, [2, 6, 6, 2]]]);
    expect(p.steps[2]).toMatchObject({ kind: 'layout', from: 1, to: 4, conversion: { dims: [2, 4, 6, 3], perm: NHWC_TO_NCHW }, label: 'r (to NCHW)' });
    expect(p.steps[3]).toMatchObject({ kind: 'layout', from: 4, to: 2, conversion: { dims: [2, 6, 6, 2], perm: NCHW_TO_NHWC }, label: 'r (to NHWC)' });
    expect(p.storage.tensors.get(4)!.bytes).toBe(2 * 6 * 6 * 2 * 4);
    expectReadsAndWritesApart(p);
  });

  it('features → image is one scatter into the output; one channel → features is a view (both stored row-major)', () => {
    const scatter = reshapeGraph([2, 24], [2, 6, 2, 2]);
    const p = place(scatter.exec, scatter.kernels, LIMITS);
    expect(kinds(p)).toEqual(['node before', 'layout r', 'node after', 'output-to-nchw output:y']);
    expect(p.steps[1]).toMatchObject({ from: 1, to: 2, conversion: { dims: [2, 6, 2, 2], perm: NCHW_TO_NHWC } });
    const view = reshapeGraph([2, 1, 5, 7], [2, 35]);
    const q = place(view.exec, view.kernels, LIMITS);
    expect(kinds(q)).toEqual(['input-to-nhwc input:x', 'node before', 'node after']);
    expect(q.aliases.get(2)).toEqual({ root: 1 });
    expect(q.temporaries.size).toBe(0);
  });
});

describe('place: concat slices', () => {
  it('inputs of slice-writing producers live in their channel slice of the output: no copy step', () => {
    // x [1,3,4,4] → conv a → [1,2,4,4]; conv b → [1,5,4,4]; concat → c [1,7,4,4] (output "y")
    const { exec, kernels } = fake(
      { 0: [1, 3, 4, 4], 1: [1, 2, 4, 4], 2: [1, 5, 4, 4], 3: [1, 7, 4, 4] },
      [
        { kind: 'conv', name: 'a', inputs: [0], output: 1, writesSlices: true },
        { kind: 'conv', name: 'b', inputs: [0], output: 2, writesSlices: true },
        { kind: 'concat', name: 'cat', inputs: [1, 2], output: 3 },
      ],
      { x: 0 },
      { y: 3 },
    );
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node a', 'node b', 'output-to-nchw output:y']);
    expect(p.aliases.get(1)).toEqual({ root: 3, slice: { channelStride: 7, channelOffset: 0 } });
    expect(p.aliases.get(2)).toEqual({ root: 3, slice: { channelStride: 7, channelOffset: 2 } });
    expect(writeSliceOf(exec, p, 2)).toEqual({ channelStride: 7, channelOffset: 2 });
    expect(writeSliceOf(exec, p, 3)).toEqual({ channelStride: 7, channelOffset: 0 });
    expect(p.storage.tensors.has(1)).toBe(false);
    expect(p.storage.tensors.has(2)).toBe(false);
    expect(homeOf(p, 1)).toEqual(p.storage.tensors.get(3));
    expect(p.steps[3]).toMatchObject({ kind: 'output-to-nchw', output: 'y', tensor: 3, conversion: { dims: [1, 4, 4, 7], perm: NHWC_TO_NCHW }, reads: [3], writes: [] });
    expectReadsAndWritesApart(p);
  });

  it('an input whose producer cannot write slices, one read elsewhere too, a graph output, or one listed twice is copied', () => {
    const { exec, kernels } = fake(
      {
        0: [1, 2, 4, 4],
        1: [1, 2, 4, 4], // p: producer writes no slices
        2: [1, 3, 4, 4], // q: also read by q_user
        3: [1, 3, 4, 4], // q_user's output
        4: [1, 1, 4, 4], // r: a graph output
        5: [1, 2, 4, 4], // s: listed twice
        6: [1, 4, 4, 4], // t: written in place
        7: [1, 14, 4, 4],
      },
      [
        { kind: 'activation', name: 'p', inputs: [0], output: 1 },
        { kind: 'conv', name: 'q', inputs: [0], output: 2, writesSlices: true },
        { kind: 'activation', name: 'q_user', inputs: [2], output: 3 },
        { kind: 'conv', name: 'r', inputs: [0], output: 4, writesSlices: true },
        { kind: 'conv', name: 's', inputs: [0], output: 5, writesSlices: true },
        { kind: 'conv', name: 't', inputs: [0], output: 6, writesSlices: true },
        { kind: 'concat', name: 'cat', inputs: [1, 2, 4, 5, 5, 6], output: 7 },
      ],
      { x: 0 },
      { qu: 3, r: 4, c: 7 },
    );
    const p = place(exec, kernels, LIMITS);
    expect([...p.aliases]).toEqual([[6, { root: 7, slice: { channelStride: 14, channelOffset: 10 } }]]);
    expect(kinds(p)).toEqual([
      'input-to-nhwc input:x', 'node p', 'node q', 'node q_user', 'node r', 'node s', 'node t',
      'concat-copy cat', 'concat-copy cat', 'concat-copy cat', 'concat-copy cat', 'concat-copy cat',
      'output-to-nchw output:qu', 'output-to-nchw output:r', 'output-to-nchw output:c',
    ]);
    const copies = p.steps.filter((s) => s.kind === 'concat-copy');
    expect(copies.map((s) => ({ input: s.input, tensor: s.tensor, offset: s.slice.channelOffset, stride: s.slice.channelStride }))).toEqual([
      { input: 0, tensor: 1, offset: 0, stride: 14 },
      { input: 1, tensor: 2, offset: 2, stride: 14 },
      { input: 2, tensor: 4, offset: 5, stride: 14 },
      { input: 3, tensor: 5, offset: 6, stride: 14 },
      { input: 4, tensor: 5, offset: 8, stride: 14 },
    ]);
    expect(copies[0]).toMatchObject({ node: 6, label: 'cat copy input 0', sources: ['cat'], reads: [1], writes: [7] });
    expectReadsAndWritesApart(p);
  });
});

describe('place: a lowered graph with its real kernels', () => {
  it('an inception-style block: conv and pool branches write their slices of the concat, which needs no copy step', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 6, 6]);
    const a = g.conv2d(x, { name: 'a', outChannels: 3, kernel: 1 });
    const b = g.conv2d(x, { name: 'b', outChannels: 5, kernel: 3, pad: 1 });
    const pool = g.maxPool(x, { kernel: 3, stride: 1, pad: 1 });
    g.output(g.concat([a, b, pool], 'cat'), 'y');
    const graph = g.build();
    const exec = lower(graph, randomWeights(graph, new Rng(1)));
    const kernels = exec.nodes.map((n) => nodeKernel(exec, n, LIMITS.maxBindingSize));
    const p = place(exec, kernels, LIMITS);
    const [ta, tb, tp] = exec.nodes.find((n) => n.kind === 'concat')!.inputs;
    expect(kinds(p).filter((k) => !k.startsWith('node'))).toEqual(['input-to-nhwc input:x', 'output-to-nchw output:y']);
    expect([ta, tb, tp].map((t) => p.aliases.get(t!)?.slice)).toEqual([
      { channelStride: 12, channelOffset: 0 },
      { channelStride: 12, channelOffset: 3 },
      { channelStride: 12, channelOffset: 8 },
    ]);
    expectReadsAndWritesApart(p);
  });
});

describe('place: storage', () => {
  // x [1,1,8,8] 256 B → c1 → a [1,2,8,8] 512 B → c2 → b [1,4,8,8] 1024 B → c3 → c [1,1,8,8] 256 B (output "y")
  const chain = () =>
    fake(
      { 0: [1, 1, 8, 8], 1: [1, 2, 8, 8], 2: [1, 4, 8, 8], 3: [1, 1, 8, 8] },
      [
        { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true },
        { kind: 'conv', name: 'c2', inputs: [1], output: 2, writesSlices: true },
        { kind: 'conv', name: 'c3', inputs: [2], output: 3, writesSlices: true },
      ],
      { x: 0 },
      { y: 3 },
    );

  it('a chain ping-pongs between two arenas; each arena names the layer of its largest tensor', () => {
    const { exec, kernels } = chain();
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node c1', 'node c2', 'node c3', 'output-to-nchw output:y']);
    expect(Object.fromEntries(p.storage.tensors)).toEqual({
      0: { arena: 0, offset: 0, bytes: 256 },
      1: { arena: 1, offset: 0, bytes: 512 },
      2: { arena: 0, offset: 0, bytes: 1024 },
      3: { arena: 1, offset: 0, bytes: 256 },
    });
    expect(p.storage.arenaBytes).toEqual([1024, 512]);
    expect(p.storage.peakBytes).toBe(1536);
    expect(p.storage.naiveBytes).toBe(2048);
    expect(p.arenaLayers).toEqual(['c2', 'c1']);
    expectReadsAndWritesApart(p);
  });

  it('a residual and scratch: three arenas, reads, writes and scratch of a step always apart, offsets aligned', () => {
    // x → c1 → a; c2 reads a and the residual x (with scratch) → b (output)
    const { exec, kernels } = fake(
      { 0: [1, 4, 4, 4], 1: [1, 4, 4, 4], 2: [1, 4, 4, 4] },
      [
        { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true },
        { kind: 'conv', name: 'c2', inputs: [1], output: 2, residual: 0, writesSlices: true, scratchFloats: 100 },
      ],
      { x: 0 },
      { y: 2 },
    );
    const p = place(exec, kernels, LIMITS);
    expect(p.steps[2]).toMatchObject({ name: 'c2', reads: [1, 0], writes: [2], scratchFloats: 100 });
    const arenas = [0, 1, 2].map((t) => p.storage.tensors.get(t)!.arena);
    expect(new Set([...arenas, p.storage.scratch.get(2)!.arena]).size).toBeGreaterThanOrEqual(3);
    expect(p.storage.scratch.get(2)!.bytes).toBe(400);
    expectReadsAndWritesApart(p);
    for (const loc of [...p.storage.tensors.values(), ...p.storage.scratch.values()]) {
      expect(loc.offset % LIMITS.alignment).toBe(0);
      expect(loc.offset + loc.bytes).toBeLessThanOrEqual(p.storage.arenaBytes[loc.arena]!);
    }
  });

  it('a tensor over maxBindingSize is a BindingLimitError naming its layer', () => {
    const { exec, kernels } = chain();
    const error = (() => {
      try {
        place(exec, kernels, { ...LIMITS, maxBindingSize: 768 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(BindingLimitError);
    expect(error).toMatchObject({ what: 'output of layer "c2"', bytes: 1024, limit: 768 });
  });

  it('maxBufferSize caps every arena: two tensors of one colour that live at once then take one arena each', () => {
    // x → c1 → a → c2 → b → c3 (+ residual x) → c, 512 B each: x and b share a colour and are both alive at c3
    const { exec, kernels } = fake(
      { 0: [1, 2, 8, 8], 1: [1, 2, 8, 8], 2: [1, 2, 8, 8], 3: [1, 2, 8, 8] },
      [
        { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true },
        { kind: 'conv', name: 'c2', inputs: [1], output: 2, writesSlices: true },
        { kind: 'conv', name: 'c3', inputs: [2], output: 3, residual: 0, writesSlices: true },
      ],
      { x: 0 },
      { y: 3 },
    );
    const open = place(exec, kernels, LIMITS);
    expect(open.storage.arenaBytes).toEqual([1024, 512]);
    expect(Object.fromEntries(open.storage.tensors)).toEqual({
      0: { arena: 0, offset: 0, bytes: 512 },
      1: { arena: 1, offset: 0, bytes: 512 },
      2: { arena: 0, offset: 512, bytes: 512 },
      3: { arena: 1, offset: 0, bytes: 512 },
    });
    const capped = place(exec, kernels, { alignment: 256, maxBindingSize: 512, maxBufferSize: 512 });
    expect(capped.storage.arenaBytes).toEqual([512, 512, 512]);
    expect(new Set([0, 2].map((t) => capped.storage.tensors.get(t)!.arena)).size).toBe(2);
    expectReadsAndWritesApart(open);
    expectReadsAndWritesApart(capped);
  });
});

describe('place: NCHW inputs read as given', () => {
  // x [2,3,8,8] → c1 → a [2,4,8,8] (and whatever else reads x) → … → y
  const stem = (readers: FakeNode[], outputs: Record<string, number> = { y: 1 }, inputs: Record<string, number> = { x: 0 }) =>
    fake({ 0: [2, 3, 8, 8], 1: [2, 4, 8, 8], 2: [2, 4, 8, 8], 3: [2, 4, 8, 8] }, readers, inputs, outputs);

  it('an input only readsNchw convs read (as their first input) has no conversion step and is read from staging', () => {
    const { exec, kernels } = stem([
      { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true, readsNchw: true },
      { kind: 'conv', name: 'c2', inputs: [0], output: 2, writesSlices: true, readsNchw: true },
    ], { y: 1, z: 2 });
    const p = place(exec, kernels, LIMITS);
    expect(kinds(p)).toEqual(['node c1', 'node c2', 'output-to-nchw output:y', 'output-to-nchw output:z']);
    expect([...p.nchw]).toEqual([0]);
    expect([...p.external]).toEqual([[0, 'x']]);
    expect(homeOf(p, 0)).toEqual({ staging: 'x' });
    expect(p.storage.tensors.has(0)).toBe(false);
    expectReadsAndWritesApart(p);
  });

  it('readNchwInputs: false converts it as before', () => {
    const { exec, kernels } = stem([{ kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true, readsNchw: true }]);
    const p = place(exec, kernels, LIMITS, { readNchwInputs: false });
    expect(kinds(p)).toEqual(['input-to-nhwc input:x', 'node c1', 'output-to-nchw output:y']);
    expect(p.nchw.size).toBe(0);
    expect(p.external.size).toBe(0);
  });

  it('one reader that reads NHWC only, a residual read of it, or the input being an output keeps the conversion', () => {
    const cases: [string, FakeNode[], Record<string, number>][] = [
      ['an NHWC reader', [
        { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true, readsNchw: true },
        { kind: 'conv', name: 'c2', inputs: [0], output: 2, writesSlices: true },
      ], { y: 1, z: 2 }],
      ['a pool', [
        { kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true, readsNchw: true },
        { kind: 'globalavgpool', name: 'pool', inputs: [0], output: 2 },
      ], { y: 1, z: 2 }],
      ['a residual', [{ kind: 'conv', name: 'c1', inputs: [2], output: 1, residual: 0, writesSlices: true, readsNchw: true }], { y: 1 }],
      ['its first input and its residual', [{ kind: 'conv', name: 'c1', inputs: [0], output: 1, residual: 0, writesSlices: true, readsNchw: true }], { y: 1 }],
      ['an output', [{ kind: 'conv', name: 'c1', inputs: [0], output: 1, writesSlices: true, readsNchw: true }], { y: 1, x_out: 0 }],
    ];
    for (const [what, nodes, outputs] of cases) {
      const { exec, kernels } = stem(nodes, outputs, what === 'a residual' ? { x: 0, w: 2 } : { x: 0 });
      const p = place(exec, kernels, LIMITS);
      expect(kinds(p)[0], what).toBe('input-to-nhwc input:x');
      expect(p.nchw.has(0), what).toBe(false);
    }
  });

  it('the real conv kernel reads NCHW under direct and implicit_gemm only', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 8, 8]);
    g.output(g.conv2d(x, { name: 'stem', outChannels: 8, kernel: 3, pad: 1 }), 'y');
    const graph = g.build();
    const lowered = lower(graph, randomWeights(graph, new Rng(2)));
    for (const strategy of ['direct', 'implicit_gemm', 'im2col'] as const) {
      const exec = { ...lowered, nodes: lowered.nodes.map((n) => (n.kind === 'conv' ? { ...n, strategy } : n)) };
      const kernels = exec.nodes.map((n) => nodeKernel(exec, n, LIMITS.maxBindingSize));
      const p = place(exec, kernels, LIMITS);
      expect(p.nchw.has(exec.inputs[0]!.tensor), strategy).toBe(strategy !== 'im2col');
    }
  });
});
