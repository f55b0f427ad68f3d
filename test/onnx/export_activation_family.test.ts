/**
 * Round trip of the activation family and min/max/pow: built with the graph
 * builder, exported (composed forms for mish, gelu and gelu_tanh, which
 * opset 13 lacks; Pow and Mul by a constant for pow and scale), run in
 * onnxruntime-node, compared with our float64 interpreter on the same
 * weights and inputs; then the exported file is imported back and run on
 * our GPU against the same reference.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import type { Activation, ActivationParams } from '../../src/kernels/epilogue.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst relative L2: ORT 3.6e-7, our GPU after re-import 1.8e-7 (printed)
const TOLERANCE = 1e-6;

type Act = Exclude<Activation, 'none'>;
const ACTS: [Act, ActivationParams?][] = [
  ['elu', { alpha: 0.7 }], ['selu'], ['celu', { alpha: 1.3 }], ['softplus'], ['softsign'], ['mish'], ['thresholded_relu', { alpha: 0.2 }],
  ['gelu'], ['gelu_tanh'], ['erf'], ['exp'], ['neg'], ['abs'], ['reciprocal'], ['floor'], ['ceil'], ['round'], ['sin'], ['cos'], ['sign'],
  ['pow', { exponent: 3 }], ['scale', { alpha: -0.75 }], ['tanh'], ['hardswish'],
];

/**
 * The steps (floor, ceil, round, sign, thresholded_relu) and reciprocal read
 * the graph input, exact in both f32 and f64: on a conv's output a rounding
 * difference could cross a step or be amplified by 1/x². The rest read a
 * conv's output; log and sqrt its magnitude; min, max and pow two branches.
 */
const ON_INPUT = new Set<Act>(['floor', 'ceil', 'round', 'sign', 'thresholded_relu', 'reciprocal']);

function familyGraph(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 3, 5, 4]);
  const conv = g.conv2d(x, { name: 'conv', outChannels: 6, kernel: 3, pad: 1 });
  const other = g.conv2d(x, { name: 'other', outChannels: 6, kernel: 1 });
  for (const [act, params] of ACTS) g.output(g.activation(ON_INPUT.has(act) ? x : conv, act, { name: act, ...params }), act);
  const magnitude = g.activation(conv, 'abs', 'magnitude');
  g.output(g.activation(magnitude, 'log', 'log'), 'log');
  g.output(g.activation(magnitude, 'sqrt', 'sqrt'), 'sqrt');
  g.output(g.min(conv, other, 'min'), 'min');
  g.output(g.max(conv, other, 'max'), 'max');
  g.output(g.pow(magnitude, g.activation(other, 'sigmoid', 'exponent'), 'pow_tensor'), 'pow_tensor');
  return g.build();
}

async function runOrt(bytes: Uint8Array, graph: Graph, inputs: ReadonlyMap<string, Float32Array>): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const i of graph.inputs) feeds[i.name] = new ort.Tensor('float32', inputs.get(i.name)!, [...graph.tensors[i.tensor]!.shape]);
    const results = await session.run(feeds);
    return new Map(graph.outputs.map((o) => [o.name, results[o.name]!.data as Float32Array]));
  } finally {
    await session.release();
  }
}

describe('activation family: export → onnxruntime-node → back', () => {
  test('every activation, min, max and pow match the float64 interpreter in ORT and after re-import on our GPU', async () => {
    const graph = familyGraph();
    const rng = new Rng(2024);
    const weights: WeightMap = randomWeights(graph, rng);
    const inputs = randomInputs(graph, rng);
    const expected = runGraphRef(graph, weights, inputs);
    const bytes = exportOnnx(graph, weights);
    const theirs = await runOrt(bytes, graph, inputs);
    const ortErrors = Object.fromEntries([...expected].map(([name, values]) => [name, relativeL2(theirs.get(name)!, values)]));
    const ortWorst = Math.max(...Object.values(ortErrors));
    console.log(`[export → ort] activation family: worst relative L2 ${ortWorst.toExponential(2)}`);
    for (const [name, e] of Object.entries(ortErrors)) expect(e, name).toBeLessThanOrEqual(TOLERANCE);

    const imported = parseOnnx(bytes);
    const model = await compile(await testContext(), imported.graph, imported.weights);
    try {
      const ours = (await model.run(Object.fromEntries(inputs))).floats();
      const errors = Object.fromEntries([...expected].map(([name, values]) => [name, relativeL2(ours[name]!, values)]));
      console.log(`[export → import → GPU] activation family: worst relative L2 ${Math.max(...Object.values(errors)).toExponential(2)}`);
      for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      model.dispose();
    }
  });
});
