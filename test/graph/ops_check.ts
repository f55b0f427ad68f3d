/**
 * Shared by the ops_* tests: compile a graph with seeded random weights
 * (optionally adjusted, e.g. divisors kept away from zero), run it on
 * SwiftShader and compare every output with the float64 interpreter; and
 * the executable graph the passes make, without a GPU.
 */
import { expect } from 'vitest';
import { compile, type CompileOptions, type ModelInfo } from '../../src/graph/executor.js';
import { lower, type ExecGraph } from '../../src/graph/exec_graph.js';
import type { Graph } from '../../src/graph/ir.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

export interface CheckOptions {
  compile?: CompileOptions;
  /** Adjusts the random weights in place before use. */
  weights?: (weights: Map<string, Float32Array>, rng: Rng) => void;
}

/** Runs `graph` on the GPU and on the interpreter; returns what compile made of it and the worst error. */
export async function checkGraph(graph: Graph, seed: number, o: CheckOptions = {}): Promise<{ info: ModelInfo; error: number }> {
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  o.weights?.(weights, rng);
  const inputs = randomInputs(graph, rng);
  const expected = runGraphRef(graph, weights, inputs);
  const model = await compile(await testContext(), graph, weights, o.compile);
  try {
    const { float } = await model.run(Object.fromEntries(inputs));
    let error = 0;
    for (const { name } of graph.outputs) {
      expect(float(name).length, `output ${name} length`).toBe(expected.get(name)!.length);
      const e = relativeL2(float(name), expected.get(name)!);
      expect(e, `output ${name}`).toBeLessThanOrEqual(F32_TOLERANCE);
      error = Math.max(error, e);
    }
    return { info: model.info, error };
  } finally {
    model.dispose();
  }
}

/** The executable graph after the passes (no GPU): for checking what was fused. */
export function passedGraph(graph: Graph, seed = 1, o: CompileOptions = {}): ExecGraph {
  return runPasses(lower(graph, randomWeights(graph, new Rng(seed))), o, []);
}

/** Values in ±[0.5, 2): divisors that never explode. */
export function awayFromZero(a: Float32Array, rng: Rng): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = (rng.bool() ? 1 : -1) * (0.5 + 1.5 * rng.next());
  return a;
}
