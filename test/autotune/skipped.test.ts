/**
 * A candidate that fails while autotune measures it (here: its pipeline is
 * rejected, as a driver would reject a shader) is skipped, not fatal: the
 * report and model.info.notices say which and why, the fastest remaining
 * candidate wins, and the model matches the float64 reference. When every
 * candidate fails the heuristic's choice runs untuned and nothing is stored.
 */
import { describe, expect, test } from 'vitest';
import { memoryAutotuneStore } from '../../src/autotune/store.js';
import { compile } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { faultyContext, type FaultPlan } from '../helpers/faulty_device.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

/** One 3×3 conv: its candidates (without tile variants) are direct, im2col and implicit_gemm. */
function oneConv(): Graph {
  const g = new GraphBuilder();
  const x = g.input('image', [1, 5, 7, 9]);
  g.output(g.relu(g.conv2d(x, { name: 'c1', outChannels: 6, kernel: 3, pad: 1 })), 'out');
  return g.build();
}

async function tunedWithFaults(pipeline: FaultPlan['pipeline'], seed: number) {
  // a fresh device proxy: the shared context's pipeline cache already holds every pipeline
  const faulty = faultyContext(await testContext());
  faulty.plan = { pipeline };
  const graph = oneConv();
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  const store = memoryAutotuneStore();
  const onNotice: string[] = [];
  const model = await compile(faulty.ctx, graph, weights, { autotune: { store, runs: 1, warmup: 0, tiles: false, onNotice: (n) => onNotice.push(n) } });
  try {
    const { float } = await model.run(Object.fromEntries(inputs));
    const error = relativeL2(float('out'), runGraphRef(graph, weights, inputs).get('out')!);
    return { info: model.info, error, onNotice, stored: (await store.load()).adapters[model.info.autotune!.adapter] ?? {}, injected: faulty.injected() };
  } finally {
    model.dispose();
  }
}

describe('autotune skips failing candidates', () => {
  test('a candidate whose pipeline is rejected is skipped with a notice; the other wins and is right', async () => {
    // both GEMM candidates fail, so direct is the one left
    const { info, error, onNotice, stored, injected } = await tunedWithFaults((d) => /^(im2col|conv2d_implicit_gemm)/.test(String(d.label)), 1);
    expect(injected).toBeGreaterThan(0);
    const layer = info.autotune!.layers.c1!;
    expect(layer.strategy).toBe('direct');
    expect(layer.untuned).toBeUndefined();
    expect(layer.skipped!.map((k) => k.candidate)).toEqual(['im2col', 'implicit_gemm']);
    expect(layer.skipped![0]!.reason).toMatch(/pipeline im2col.* failed to compile: injected/);
    const notice = info.notices.find((n) => n.startsWith('autotune: c1:'));
    expect(notice).toMatch(/^autotune: c1: im2col skipped: pipeline im2col.*injected/);
    expect(onNotice.some((n) => n.includes('im2col skipped'))).toBe(true);
    // the winner is stored, the skip is not
    expect(Object.values(stored)).toHaveLength(1);
    expect(Object.values(stored)[0]).toMatchObject({ strategy: 'direct' });
    expect(Object.keys(Object.values(stored)[0]!.timings)).toEqual(['direct']);
    expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  test('when every candidate fails, the heuristic\'s choice runs untuned, with a notice, and nothing is stored', async () => {
    // each conv pipeline fails the first time it is created (autotune), and compiles when compile asks again
    const seen = new Set<string>();
    const firstTime = (d: GPUComputePipelineDescriptor): boolean => {
      const label = String(d.label);
      if (!/^(conv2d_direct|im2col|gemm_tiled|conv2d_implicit_gemm)/.test(label) || seen.has(label)) return false;
      seen.add(label);
      return true;
    };
    const { info, error, stored } = await tunedWithFaults(firstTime, 2);
    const layer = info.autotune!.layers.c1!;
    expect(layer.untuned).toBe(true);
    expect(layer.strategy).toBe(layer.auto);
    expect(layer.skipped!.map((k) => k.candidate).sort()).toEqual(['direct', 'im2col', 'implicit_gemm']);
    expect(info.nodes.find((n) => n.name === 'c1')!.strategy).toBe(layer.auto);
    expect(info.notices.find((n) => n.startsWith('autotune: c1:'))).toMatch(/direct skipped: .*im2col skipped: .*untuned/);
    expect(stored).toEqual({});
    expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
  });
});
