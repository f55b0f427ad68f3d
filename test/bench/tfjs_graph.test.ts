/**
 * The TF.js interpreter of our graph IR (the TF.js whole-network peer)
 * against the float64 reference interpreter, on random graphs of every kind
 * (chains, residual blocks, inception branches, squeeze-and-excitation) with
 * folded BN and fused activations. Each model runs twice: its weights must
 * survive run()'s tf.tidy (the first version lost them after one run).
 */
import type * as TF from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadNodeTfjs } from '../../src/bench/peers_node.js';
import { tfjsModel } from '../../src/bench/tfjs_graph.js';
import { lenet5 } from '../../src/models/lenet.js';
import { runGraphRef } from '../reference/graph.js';
import { testContext } from '../helpers/gpu.js';
import { GRAPH_KINDS, randomGraph, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { Rng, relativeL2 } from '../helpers/random.js';

let tf: typeof TF;

beforeAll(async () => {
  tf = await loadNodeTfjs(await testContext());
}, 120_000);

async function check(graph: ReturnType<typeof lenet5>, rng: Rng): Promise<void> {
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  const expected = runGraphRef(graph, weights, inputs);
  const model = tfjsModel(tf, graph, weights);
  try {
    const tensors: number[] = [];
    for (let run = 0; run < 2; run++) {
      const outputs = await model.run(Object.fromEntries(inputs));
      for (const o of graph.outputs) expect(relativeL2(outputs[o.name]!, expected.get(o.name)!), `${o.name}, run ${run + 1}`).toBeLessThan(1e-4);
      tensors.push(tf.memory().numTensors);
    }
    // the first run uploads the lazily created parameters; nothing of a run outlives it
    expect(tensors[1]).toBe(tensors[0]);
  } finally {
    model.dispose();
  }
}

describe('tfjsModel (TF.js WebGPU on Dawn) vs the float64 reference', () => {
  test('LeNet-5', { timeout: 120_000 }, async () => {
    await check(lenet5(), new Rng(11));
  });

  for (const kind of GRAPH_KINDS) {
    test(`random ${kind} graph`, { timeout: 180_000 }, async () => {
      const rng = new Rng(kind.length * 97 + 5);
      await check(randomGraph(rng, kind), rng);
    });
  }
});
