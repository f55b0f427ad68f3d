/**
 * run(x, { checkFinite: true }) counts NaN, +∞ and −∞ in every input and
 * output inside the run's own command buffer, and the counts match a CPU
 * count of the same data — with readback, with keepOnGpu and with profiling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type CompiledModel } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { describeNonFinite, hasNonFinite } from '../../src/graph/check_finite.js';
import { readTensor } from '../../src/gpu/buffers.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

function cpuCount(values: ArrayLike<number>): { nan: number; posInf: number; negInf: number } {
  let nan = 0, posInf = 0, negInf = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity) posInf++;
    else if (v === -Infinity) negInf++;
  }
  return { nan, posInf, negInf };
}

describe('checkFinite run option', () => {
  let graph: Graph;
  let weights: WeightMap;
  let model: CompiledModel;
  const rng = new Rng(1105);
  beforeAll(async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 8, 8]);
    const feature = g.maxPool(g.relu(g.conv2d(x, { name: 'conv', outChannels: 5, kernel: 3, pad: 1 })), { kernel: 2, stride: 2 });
    g.output(feature, 'features');
    g.output(g.linear(g.flatten(feature), { name: 'fc', outFeatures: 4 }), 'logits');
    graph = g.build();
    weights = randomWeights(graph, rng);
    model = await compile(await testContext(), graph, weights);
  });
  afterAll(() => model.dispose());

  it('a clean input reports zero everywhere and the outputs are still right', async () => {
    const x = rng.array(2 * 3 * 8 * 8);
    const result = await model.run(x, { checkFinite: true });
    expect(result.finite!.map((f) => f.tensor)).toEqual(['input x', 'features', 'logits']);
    expect(hasNonFinite(result.finite!)).toBe(false);
    expect(describeNonFinite(result.finite!)).toBe('');
    const ref = runGraphRef(graph, weights, new Map([['x', x]]));
    expect(relativeL2(result.float('logits'), ref.get('logits')!)).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('NaN and ±∞ planted in the input are counted exactly, in the input and in each output', async () => {
    const x = rng.array(2 * 3 * 8 * 8);
    for (let k = 0; k < 10; k++) x[rng.int(0, x.length - 1)] = rng.pick([NaN, Infinity, -Infinity]);
    const result = await model.run(x, { checkFinite: true });
    const byName = new Map(result.finite!.map((f) => [f.tensor, f]));
    expect(byName.get('input x')).toEqual({ tensor: 'input x', ...cpuCount(x) });
    expect(byName.get('features')).toEqual({ tensor: 'features', ...cpuCount(result.float('features')) });
    expect(byName.get('logits')).toEqual({ tensor: 'logits', ...cpuCount(result.float('logits')) });
    expect(byName.get('logits')!.nan).toBeGreaterThan(0);
    expect(describeNonFinite(result.finite!)).toMatch(/input x: .*(NaN|∞|Inf)/);
  });

  it('works with keepOnGpu and with profile', async () => {
    const x = rng.array(2 * 3 * 8 * 8);
    x[7] = NaN;
    const kept = await model.run(x, { checkFinite: true, keepOnGpu: true });
    const logits = await readTensor((await testContext()).device, kept.gpuOutputs.logits!, 8);
    Object.values(kept.gpuOutputs).forEach((b) => b.destroy());
    expect(kept.finite!.find((f) => f.tensor === 'logits')).toEqual({ tensor: 'logits', ...cpuCount(logits) });
    expect(kept.finite!.find((f) => f.tensor === 'input x')!.nan).toBe(1);
    const profiled = await model.run(x, { checkFinite: true, profile: true });
    expect(profiled.finite!.find((f) => f.tensor === 'input x')!.nan).toBe(1);
    expect(profiled.finite!.find((f) => f.tensor === 'logits')).toEqual({ tensor: 'logits', ...cpuCount(profiled.float('logits')) });
  });
});
