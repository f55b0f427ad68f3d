/**
 * Split-K inside compiled models: under the GPU rules and a device
 * description of many compute units, the planner splits the small GEMMs of
 * these graphs (the implicit GEMM, pointwise with a fused residual, a conv writing its
 * concat slice, linear layers) and the outputs still match the float64
 * interpreter.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { planStorage } from '../../src/graph/storage_plan.js';
import { expectMatchesReference } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng } from '../helpers/random.js';

function convGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 24, 6, 6]);
  let a = g.conv2d(x, { name: 'c1', outChannels: 48, kernel: 3, pad: 1, bias: false });
  a = g.relu(g.batchNorm(a, { name: 'bn1' }));
  const b = g.relu(g.add(g.conv2d(a, { name: 'c2', outChannels: 24, kernel: 1 }), x, 'add'));
  const c3 = g.conv2d(b, { name: 'c3', outChannels: 32, kernel: 1 });
  const c4 = g.relu(g.conv2d(b, { name: 'c4', outChannels: 36, kernel: 3, pad: 1 }));
  const cat = g.concat([c3, c4], 'cat');
  g.output(g.linear(g.flatten(g.globalAvgPool(cat)), { name: 'fc', outFeatures: 10 }), 'logits');
  return g.build();
}

function mlpGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [6, 200]);
  const h = g.relu(g.linear(x, { name: 'fc1', outFeatures: 40 }));
  g.output(g.linear(h, { name: 'fc2', outFeatures: 10 }), 'y');
  return g.build();
}

describe('split-K in a compiled model (GPU rules, 64 compute units)', () => {
  const options = { deviceClass: 'gpu', computeUnits: 64 } as const;

  it('convs: implicit GEMM, pointwise + residual, a concat slice, and a batch-1 classifier (GEMV)', async () => {
    const graph = convGraph();
    const ctx = await testContext();
    const model = await compile(ctx, graph, randomWeights(graph, new Rng(7)), options);
    const unsplit = await compile(ctx, graph, randomWeights(graph, new Rng(7)), { ...options, computeUnits: 1 });
    try {
      const split = Object.fromEntries(model.info.nodes.filter((n) => n.kind === 'conv').map((n) => [n.name, [n.strategy, n.splitK ?? 1]]));
      expect(split.c1).toEqual(['implicit_gemm', expect.any(Number)]);
      expect(split.c1![1]).toBeGreaterThan(1);
      expect(split.c4![1]).toBeGreaterThan(1);
      expect(split.c2![0]).toBe('pointwise');
      // one reduce per split conv, nothing else changes (the batch-1 fc runs the GEMV, which is never split)
      const splitGemms = Object.values(split).filter(([, k]) => (k as number) > 1).length;
      expect(model.info.dispatches).toBe(unsplit.info.dispatches + splitGemms);
      expect(unsplit.info.nodes.every((n) => n.splitK === undefined)).toBe(true);
    } finally {
      model.dispose();
      unsplit.dispose();
    }
    const errors = await expectMatchesReference(graph, 8, options, { gemm: ['implicit_gemm', 'pointwise'] });
    expect(errors.logits).toBeLessThanOrEqual(F32_TOLERANCE);
    console.log(`split-K conv graph: relative L2 ${errors.logits!.toExponential(2)}`);
  });

  it('linear layers with M = 6 (planned in their kernel), and a forced split per layer', async () => {
    const errors = await expectMatchesReference(mlpGraph(), 9, options);
    const forced = await expectMatchesReference(mlpGraph(), 10, { deviceClass: 'gpu', layerSplitK: { fc1: 3, fc2: 2 } });
    console.log(`split-K MLP: relative L2 ${errors.y!.toExponential(2)} planned, ${forced.y!.toExponential(2)} forced`);
  });
});

describe('split-K partials in the storage plan', () => {
  it('sit in another arena than the step scratch, input and output (WebGPU binds a buffer read-only or writable, not both)', () => {
    const steps = [
      { reads: [0], writes: [1], scratchBytes: 4096, partialBytes: 2048 },
      { reads: [1], writes: [2], scratchBytes: 0, partialBytes: 1024 },
    ];
    const plan = planStorage(steps, new Map([[0, 1024], [1, 1024], [2, 1024]]), new Set([2]), { alignment: 256, maxBindingSize: 1 << 20, maxBufferSize: 1 << 22 });
    const arenaOf = (l: { arena: number } | undefined) => l!.arena;
    const first = [plan.tensors.get(0), plan.tensors.get(1), plan.scratch.get(0)].map(arenaOf);
    expect(first).not.toContain(arenaOf(plan.partials.get(0)));
    expect([plan.tensors.get(1), plan.tensors.get(2)].map(arenaOf)).not.toContain(arenaOf(plan.partials.get(1)));
    expect(plan.partials.get(1)!.bytes).toBeGreaterThanOrEqual(1024);
    expect(plan.scratch.has(1)).toBe(false);
  });
});
