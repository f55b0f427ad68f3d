/** Compiles a graph with seeded random weights and compares every output with the float64 interpreter. */
import { expect } from 'vitest';
import { compile, type CompileOptions } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { testContext } from './gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from './random.js';
import { randomInputs, randomWeights } from './random_graph.js';
import { runGraphRef } from '../reference/graph.js';

export async function expectMatchesReference(graph: Graph, seed: number, options: CompileOptions = {}): Promise<void> {
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  const expected = runGraphRef(graph, weights, inputs);
  const model = await compile(await testContext(), graph, weights, options);
  try {
    const { outputs } = await model.run(Object.fromEntries(inputs));
    for (const { name } of graph.outputs) {
      expect(outputs[name]!.length).toBe(expected.get(name)!.length);
      expect(relativeL2(outputs[name]!, expected.get(name)!), `output ${name}`).toBeLessThanOrEqual(F32_TOLERANCE);
    }
  } finally {
    model.dispose();
  }
}
