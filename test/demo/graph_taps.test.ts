/**
 * The convolution view's feature maps: a model's graph cut after its first
 * layers with their outputs as graph outputs (demo/graph_taps.ts), compiled
 * and run with keepOnGpu, against the float64 interpreter on the whole graph
 * asked for the same tensors — LeNet-5's C1 and C3 with the shipped weights,
 * and the stem of mobilenet_v1_0.25.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cutAt, outputOf, stemTap, type Tap } from '../../demo/graph_taps.js';
import { GraphError } from '../../src/errors.js';
import { readTensor } from '../../src/gpu/buffers.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { lenet5 } from '../../src/models/lenet.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';

const LENET_WEIGHTS = fileURLToPath(new URL('../../src/models/weights/lenet5.safetensors', import.meta.url));

/** The cut graph on the GPU (outputs left there, then read) against the interpreter on the uncut graph. */
async function checkTaps(graph: Graph, weights: WeightMap, taps: Tap[], input: Float32Array): Promise<Graph> {
  const ctx = await testContext();
  const cut = cutAt(graph, taps);
  const model = await compile(ctx, cut, weights);
  const { gpuOutputs, outputs } = await model.run(input, { keepOnGpu: true });
  try {
    expect(Object.keys(outputs)).toEqual([]);
    const want = runGraphRef({ ...graph, outputs: taps }, weights, new Map([[graph.inputs[0]!.name, input]]));
    for (const tap of taps) {
      const ref = want.get(tap.name)!;
      const got = await readTensor(ctx.device, gpuOutputs[tap.name]!, ref.length);
      let worst = 0;
      ref.forEach((v, i) => (worst = Math.max(worst, Math.abs(got[i]! - v) / (1 + Math.abs(v)))));
      expect(worst, tap.name).toBeLessThan(1e-4);
      // maps that say something: not all zero
      expect(Math.max(...ref.map(Math.abs)), tap.name).toBeGreaterThan(0.1);
    }
  } finally {
    for (const b of Object.values(gpuOutputs)) b.destroy();
    model.dispose();
  }
  return cut;
}

describe('feature maps as outputs of a cut graph (the convolution view)', () => {
  it("LeNet-5's C1 and C3 (after ReLU) with the shipped weights", async () => {
    const graph = lenet5();
    const weights = weightsForGraph(graph, readSafetensors(parseSafetensors(readFileSync(LENET_WEIGHTS))));
    const rng = new Rng(7);
    const input = rng.array(32 * 32, -0.42, 2.8);
    const taps = [{ name: 'C1', tensor: outputOf(graph, 'act1') }, { name: 'C3', tensor: outputOf(graph, 'act2') }];
    const cut = await checkTaps(graph, weights, taps, input);
    // conv1, act1, pool1, conv2, act2: nothing after C3 runs
    expect(cut.nodes.map((n) => n.name)).toEqual(['conv1', 'act1', 'pool1', 'conv2', 'act2']);
    expect(taps.map((t) => graph.tensors[t.tensor]!.shape)).toEqual([[1, 6, 28, 28], [1, 16, 10, 10]]);
  });

  it("mobilenet_v1_0.25's stem: the first conv through its BatchNorm and ReLU", async () => {
    const graph = zooModel('mobilenet_v1_0.25').build();
    const stem = stemTap(graph)!;
    const producer = graph.nodes.find((n) => n.output === stem.tensor)!;
    expect(producer.op).toBe('activation');
    expect(graph.tensors[stem.tensor]!.shape).toEqual([1, 8, 112, 112]);
    const cut = await checkTaps(graph, randomWeights(graph, 3), [stem], new Rng(8).array(3 * 224 * 224, -2, 2));
    expect(cut.nodes.map((n) => n.op)).toEqual(['conv2d', 'batchnorm', 'activation']);
  });

  it('refuses taps that are not image-shaped tensors of the graph, and unknown node names', () => {
    const graph = lenet5();
    expect(() => cutAt(graph, [{ name: 'logits', tensor: graph.outputs[0]!.tensor }])).toThrow(GraphError);
    expect(() => cutAt(graph, [{ name: 'nothing', tensor: 9999 }])).toThrow(/not an image-shaped tensor/);
    expect(() => outputOf(graph, 'conv9')).toThrow(/no such node/);
  });
});
