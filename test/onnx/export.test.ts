/**
 * exportOnnx() is checked by running its files in onnxruntime-node (the
 * independent oracle) against our float64 interpreter on random graphs of
 * every kind, small zoo models, and once against our own GPU run.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { randomWeights as seededWeights } from '../../src/models/random_weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { UnsupportedConfigurationError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { GRAPH_KINDS, randomGraph, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

const TOLERANCE = 1e-3;

async function runOrt(graph: Graph, weights: WeightMap, inputs: ReadonlyMap<string, Float32Array>): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(exportOnnx(graph, weights));
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const i of graph.inputs) feeds[i.name] = new ort.Tensor('float32', inputs.get(i.name)!, [...graph.tensors[i.tensor]!.shape]);
    const results = await session.run(feeds);
    return new Map(graph.outputs.map((o) => [o.name, results[o.name]!.data as Float32Array]));
  } finally {
    await session.release();
  }
}

function zooInput(graph: Graph, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  return new Map(graph.inputs.map((i) => [i.name, rng.array(graph.tensors[i.tensor]!.shape.reduce((a, b) => a * b, 1))]));
}

describe('exportOnnx → onnxruntime-node', () => {
  for (const [k, kind] of GRAPH_KINDS.entries()) {
    for (const seed of [11 + k, 101 + k]) {
      test(`random ${kind} graph, seed ${seed}, matches the float64 interpreter`, async () => {
        const rng = new Rng(seed);
        const graph = randomGraph(rng, kind);
        const weights = randomWeights(graph, rng);
        const inputs = randomInputs(graph, rng);
        if (graph.nodes.some((n) => n.op === 'lrn' && n.size % 2 === 0)) {
          expect(() => exportOnnx(graph, weights)).toThrow(UnsupportedConfigurationError);
          return;
        }
        const expected = runGraphRef(graph, weights, inputs);
        const actual = await runOrt(graph, weights, inputs);
        for (const { name } of graph.outputs) expect(relativeL2(actual.get(name)!, expected.get(name)!), name).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  }

  for (const [id, inputSize] of [['lenet5', 32], ['lenet5_classic', 32], ['resnet18', 48], ['mobilenet_v2', 48], ['efficientnet_b0', 40], ['googlenet', 48], ['alexnet_original', 99]] as const) {
    test(`zoo ${id} at ${inputSize}×${inputSize} matches the float64 interpreter`, async () => {
      const graph = zooModel(id).build({ inputSize });
      const weights = seededWeights(graph, 3);
      const inputs = zooInput(graph, 5);
      const expected = runGraphRef(graph, weights, inputs);
      const actual = await runOrt(graph, weights, inputs);
      for (const { name } of graph.outputs) expect(relativeL2(actual.get(name)!, expected.get(name)!), name).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  test('lenet5: ONNX Runtime on the export agrees with our GPU run', async () => {
    const graph = zooModel('lenet5').build();
    const weights = seededWeights(graph, 9);
    const inputs = zooInput(graph, 10);
    const model = await compile(await testContext(), graph, weights);
    try {
      const ours = (await model.run(Object.fromEntries(inputs))).outputs;
      const theirs = await runOrt(graph, weights, inputs);
      for (const { name } of graph.outputs) expect(relativeL2(ours[name]!, theirs.get(name)!), name).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      model.dispose();
    }
  });

  test('what ONNX cannot say is a typed error', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 7, 7]);
    g.output(g.adaptiveAvgPool(x, 3));
    expect(() => exportOnnx(g.build(), new Map())).toThrow(UnsupportedConfigurationError);
  });
});
