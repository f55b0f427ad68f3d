/**
 * Cancellation and failed compiles: an abort is honoured at every wait, and
 * whatever a failed compile made on the GPU is released (counted through a
 * device proxy that tracks live buffers).
 */
import { describe, expect, it } from 'vitest';
import { AbortError, BindingLimitError, InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { deviceLossListenerCount } from '../../src/gpu/device_loss.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { GpuContext } from '../../src/gpu/device.js';
import type { Graph } from '../../src/graph/ir.js';
import { faultyContext } from '../helpers/faulty_device.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';

/** Several distinct kernels, so a fresh device spends seconds creating pipelines on SwiftShader. */
function graphOf(): Graph {
  const g = new GraphBuilder();
  let x = g.input('x', [1, 3, 12, 12]);
  x = g.relu(g.conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, pad: 1 }));
  x = g.conv2d(x, { name: 'dw', outChannels: 8, kernel: 3, pad: 1, groups: 8 });
  x = g.maxPool(x, { kernel: 2, stride: 2 });
  x = g.avgPool(x, { kernel: 2, stride: 2 });
  x = g.softmax(g.linear(g.flatten(x), { name: 'fc', outFeatures: 10 }));
  g.output(x, 'y');
  return g.build();
}

describe('abort and failed compiles', () => {
  const graph = graphOf();
  const weights = randomWeights(graph, new Rng(1104));

  for (const delay of [0, 10, 50, 200, 600]) {
    it(`an abort ${delay} ms into compile rejects with AbortError and frees every buffer`, async () => {
      const faulty = faultyContext(await testContext()); // fresh pipeline cache: compile takes seconds
      const controller = new AbortController();
      const started = performance.now();
      const compiling = compile(faulty.ctx, graph, weights, { signal: controller.signal });
      setTimeout(() => controller.abort(), delay);
      await expect(compiling).rejects.toThrow(AbortError);
      const tookMs = performance.now() - started;
      console.log(`abort at ${delay} ms: rejected after ${tookMs.toFixed(0)} ms, ${faulty.liveBuffers()} buffers live`);
      // the only survivor may be the device's shared placeholder binding
      expect(faulty.liveBuffers()).toBeLessThanOrEqual(1);
    });
  }

  it('100 compiles failing with BindingLimitError and 100 aborted ones leave no buffer behind', async () => {
    const faulty = faultyContext(await testContext());
    (await compile(faulty.ctx, graph, weights)).dispose(); // shared placeholder + pipelines, made once
    const baseline = faulty.liveBuffers();
    // each model listens for the device's loss; a failed or disposed one must stop, or it stays reachable
    const listening = deviceLossListenerCount(faulty.ctx.device);
    const small: GpuContext = { ...faulty.ctx, limits: { ...limitsOf(faulty.ctx), maxStorageBufferBindingSize: 1024 } as GPUSupportedLimits };
    for (let i = 0; i < 100; i++) await expect(compile(small, graph, weights)).rejects.toThrow(BindingLimitError);
    expect(faulty.liveBuffers()).toBe(baseline);
    for (let i = 0; i < 100; i++) {
      const controller = new AbortController();
      const compiling = compile(faulty.ctx, graph, weights, { signal: controller.signal });
      queueMicrotask(() => controller.abort());
      await expect(compiling).rejects.toThrow(AbortError);
    }
    expect(faulty.liveBuffers()).toBe(baseline);
    expect(deviceLossListenerCount(faulty.ctx.device)).toBe(listening);
  });

  it('compile without weights names the argument and the fix', async () => {
    const ctx = await testContext();
    const call = compile(ctx, graph, undefined as unknown as Map<string, Float32Array>);
    await expect(call).rejects.toThrow(InvalidParameterError);
    await expect(compile(ctx, graph, undefined as unknown as Map<string, Float32Array>)).rejects.toThrow(/invalid weights: .*needs a Map of parameter name → Float32Array, got nothing.*randomWeights/);
    await expect(compile(ctx, graph, {} as unknown as Map<string, Float32Array>)).rejects.toThrow(/got Object/);
  });
});

function limitsOf(ctx: GpuContext): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in ctx.limits) out[key] = (ctx.limits as unknown as Record<string, number>)[key]!;
  return out;
}
