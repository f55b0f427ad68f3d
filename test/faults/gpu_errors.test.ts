/**
 * GPU errors at compile and at run become typed errors naming what failed;
 * a run whose commands raised one never resolves with outputs. Faults are
 * injected through test/helpers/faulty_device.ts on the real device.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { GpuOutOfMemoryError, GpuValidationError, ShaderError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { faultyContext, type FaultyContext } from '../helpers/faulty_device.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

function smallGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('x', [2, 3, 10, 10]);
  x = g.relu(g.conv2d(x, { name: 'conv1', outChannels: 6, kernel: 3, pad: 1 }));
  x = g.maxPool(x, { kernel: 2, stride: 2 });
  g.output(g.linear(g.flatten(x), { name: 'fc', outFeatures: 7 }), 'logits');
  return g.build();
}

describe('GPU errors become typed errors', () => {
  let faulty: FaultyContext;
  const graph = smallGraph();
  let weights: WeightMap;
  let x: Float32Array;
  let expected: Float64Array;
  beforeAll(async () => {
    faulty = faultyContext(await testContext());
    const rng = new Rng(1101);
    weights = randomWeights(graph, rng);
    x = randomInputs(graph, rng).get('x')!;
    expected = runGraphRef(graph, weights, new Map([['x', x]])).get('logits')!;
    // the per-device placeholder binding and the pipelines are made once and shared by every model
    (await compile(faulty.ctx, graph, weights)).dispose();
  });

  it('an arena the GPU cannot allocate fails compile with GpuOutOfMemoryError naming the arena, a layer and the bytes, and leaks nothing', async () => {
    const before = faulty.liveBuffers();
    faulty.plan = { buffer: (d) => (String(d.label).startsWith('arena 0') ? 'out-of-memory' : undefined) };
    const error = await compile(faulty.ctx, graph, weights).catch((e: unknown) => e);
    faulty.plan = {};
    expect(error).toBeInstanceOf(GpuOutOfMemoryError);
    const oom = error as GpuOutOfMemoryError;
    expect(oom.operation).toBe('arena 0');
    expect(oom.bytes).toBeGreaterThan(0);
    expect(['x', 'conv1', 'fc']).toContain(oom.layer);
    expect(oom.message).toMatch(/out of memory for arena 0 of layer "\w+" \(\d.* asked for\)/);
    expect(faulty.liveBuffers()).toBe(before);
  });

  it('a weight buffer WebGPU rejects fails compile with GpuValidationError naming the layer', async () => {
    const before = faulty.liveBuffers();
    faulty.plan = { buffer: (d) => (String(d.label).startsWith('fc.weight') ? 'validation' : undefined) };
    const error = await compile(faulty.ctx, graph, weights).catch((e: unknown) => e);
    faulty.plan = {};
    expect(error).toBeInstanceOf(GpuValidationError);
    expect((error as GpuValidationError).layer).toBe('fc');
    expect((error as GpuValidationError).operation).toMatch(/^fc\.weight/);
    expect((error as Error).message).toMatch(/WebGPU rejected fc\.weight\d* of layer "fc": .*usage/i);
    expect(faulty.liveBuffers()).toBe(before);
  });

  it('a pipeline that fails to compile is a ShaderError naming the pipeline, and leaks nothing', async () => {
    // a fresh device proxy: the pipeline cache of the shared one already holds every pipeline
    const fresh = faultyContext(await testContext());
    fresh.plan = { pipeline: (d) => String(d.label).startsWith('pool2d') };
    const error = await compile(fresh.ctx, graph, weights).catch((e: unknown) => e);
    expect(fresh.injected()).toBe(1);
    expect(fresh.liveBuffers()).toBeLessThanOrEqual(1); // the device's shared placeholder binding
    expect(error).toBeInstanceOf(ShaderError);
    expect((error as Error).message).toMatch(/pipeline pool2d.* failed to compile: injected/);
  });

  it('a run whose submit WebGPU rejects rejects with GpuValidationError; the next clean run is right', async () => {
    const model = await compile(faulty.ctx, graph, weights);
    try {
      expect(relativeL2((await model.run(x)).float('logits'), expected)).toBeLessThanOrEqual(F32_TOLERANCE);
      faulty.plan = { submit: () => 'validation' };
      await expect(model.run(x)).rejects.toBeInstanceOf(GpuValidationError);
      faulty.plan = {};
      const other = new Rng(5).array(x.length);
      const otherExpected = runGraphRef(graph, weights, new Map([['x', other]])).get('logits')!;
      expect(relativeL2((await model.run(other)).float('logits'), otherExpected)).toBeLessThanOrEqual(F32_TOLERANCE);
    } finally {
      faulty.plan = {};
      model.dispose();
    }
  });

  it('out of memory during a run rejects with GpuOutOfMemoryError, also with keepOnGpu (whose buffers are freed)', async () => {
    const model = await compile(faulty.ctx, graph, weights);
    try {
      faulty.plan = { submit: () => 'out-of-memory' };
      await expect(model.run(x)).rejects.toBeInstanceOf(GpuOutOfMemoryError);
      const before = faulty.liveBuffers();
      await expect(model.run(x, { keepOnGpu: true })).rejects.toThrow(/out of memory for run/);
      expect(faulty.liveBuffers()).toBe(before);
      faulty.plan = {};
      expect(relativeL2((await model.run(x)).float('logits'), expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    } finally {
      faulty.plan = {};
      model.dispose();
    }
  });

  it('dispose frees every buffer compile made', async () => {
    const before = faulty.liveBuffers();
    const model = await compile(faulty.ctx, graph, weights);
    await model.run(x);
    expect(faulty.liveBuffers()).toBeGreaterThan(before);
    model.dispose();
    expect(faulty.liveBuffers()).toBe(before);
  });
});
