/**
 * GraphBuilder.convTranspose2d end to end: a small U-Net decoder step
 * (upsample, fused ReLU, concat with the skip, conv) compiled and run on the
 * GPU against the float64 interpreter; summary()'s parameters and MACs;
 * export → onnxruntime-node → the interpreter; the typed refusals.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphError, UnsupportedConfigurationError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { summary } from '../../src/graph/summary.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { expectMatchesReference } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { assertInformativeReference, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst relative L2 on SwiftShader: GPU 1.9e-7, ORT on the export 1.2e-7 (printed below)
const TOLERANCE = 5e-7;

/** x [2, 8, 6, 6] → conv → relu → up (2× transposed conv) → relu → concat with skip [2, 4, 12, 12] → conv. */
function decoderStep(up: Parameters<GraphBuilder['convTranspose2d']>[1] = { name: 'up', outChannels: 6, kernel: 2, stride: 2 }): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 8, 6, 6]);
  const skip = g.input('skip', [2, 4, 12, 12]);
  const e = g.relu(g.conv2d(x, { name: 'enc', outChannels: 8, kernel: 3, pad: 1 }), 'enc_relu');
  const u = g.relu(g.convTranspose2d(e, up), 'up_relu');
  g.output(g.conv2d(g.concat([u, skip], 'cat'), { name: 'dec', outChannels: 3, kernel: 3, pad: 1 }), 'y');
  return g.build();
}

describe('convTranspose2d in a graph', () => {
  it('a U-Net decoder step matches the float64 interpreter; the ReLU is fused and the output lands in the concat', async () => {
    const graph = decoderStep();
    const errors = await expectMatchesReference(graph, 5, {}, { tolerance: TOLERANCE });
    console.log(`[convTranspose2d graph] decoder step vs interpreter: relative L2 ${errors.y!.toExponential(2)}`);
    const model = await compile(await testContext(), graph, randomWeights(graph, new Rng(1)));
    try {
      const up = model.info.nodes.find((n) => n.name === 'up')!;
      expect(up.kind).toBe('convtranspose');
      expect(up.sources).toEqual(['up', 'up_relu']);
    } finally {
      model.dispose();
    }
  });

  it('groups, dilation, asymmetric padding, output padding and no bias', async () => {
    const graph = decoderStep({ name: 'up', outChannels: 6, kernel: [3, 4], stride: 2, padding: [1, 2, 1, 0], outputPadding: [1, 0], dilation: [1, 1], groups: 2, bias: false });
    const errors = await expectMatchesReference(graph, 6, {}, { tolerance: TOLERANCE });
    console.log(`[convTranspose2d graph] grouped variant vs interpreter: relative L2 ${errors.y!.toExponential(2)}`);
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 5, 4]);
    g.output(g.convTranspose2d(x, { name: 'd', outChannels: 2, kernel: 3, stride: 3, dilation: 2, padding: 1 }));
    await expectMatchesReference(g.build(), 7, {}, { tolerance: TOLERANCE });
  });

  it('declares torch.nn.ConvTranspose2d parameters; summary counts them and the MACs', () => {
    const graph = decoderStep({ name: 'up', outChannels: 6, kernel: 2, stride: 2, groups: 2 });
    expect(graph.parameters.get('up.weight')!.shape).toEqual([8, 3, 2, 2]);
    expect(graph.parameters.get('up.bias')!.shape).toEqual([6]);
    const layer = summary(graph).layers.find((l) => l.name === 'up')!;
    expect(layer.outputShape).toEqual([2, 6, 12, 12]);
    expect(layer.parameters).toBe(8 * 3 * 2 * 2 + 6);
    // each of the 2·8·6·6 input values meets 3 output channels of its group at 2·2 taps
    expect(layer.macs).toBe(2 * 8 * 6 * 6 * 3 * 4);
  });

  it('exports to ONNX ConvTranspose: onnxruntime-node agrees with the interpreter', async () => {
    const single = new GraphBuilder();
    const x = single.input('x', [1, 3, 4, 4]);
    // a negative end pad (what an ONNX output_shape can ask for) exports as output padding: 9×9 here
    single.output(single.convTranspose2d(x, { name: 'up', outChannels: 5, kernel: 2, stride: 2, padding: [0, 0, -1, -1] }), 'y');
    const graphs: [number, Graph][] = [
      [21, decoderStep()],
      [22, decoderStep({ name: 'up', outChannels: 6, kernel: [3, 4], stride: 2, padding: [1, 2, 1, 0], outputPadding: [1, 0], groups: 2, bias: false })],
      [23, single.build()],
    ];
    expect(graphs[2]![1].tensors.at(-1)!.shape).toEqual([1, 5, 9, 9]);
    for (const [seed, graph] of graphs) {
      const rng = new Rng(seed);
      const weights = randomWeights(graph, rng);
      const inputs = randomInputs(graph, rng);
      const expected = runGraphRef(graph, weights, inputs);
      assertInformativeReference(expected, `seed ${seed}`);
      const session = await ort.InferenceSession.create(exportOnnx(graph, weights));
      try {
        const feeds = Object.fromEntries(graph.inputs.map((i) => [i.name, new ort.Tensor('float32', inputs.get(i.name)!, [...graph.tensors[i.tensor]!.shape])]));
        const got = (await session.run(feeds)).y!.data as Float32Array;
        const error = relativeL2(got, expected.get('y')!);
        console.log(`[convTranspose2d export → ort] seed ${seed}: relative L2 ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        await session.release();
      }
    }
  });

  it('refuses what it cannot build or export, naming the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 5, 5]);
    expect(() => g.convTranspose2d(x, { name: 'a', outChannels: 6, kernel: 3, groups: 4 })).toThrow(GraphError);
    expect(() => g.convTranspose2d(x, { name: 'b', outChannels: 6, kernel: 3, groups: 4 })).toThrow('4 groups must divide 4 input and 6 output channels');
    expect(() => g.convTranspose2d(x, { name: 'c', outChannels: 2, kernel: 0 })).toThrow('kernelHeight must be an integer ≥ 1, got 0');
    expect(() => g.convTranspose2d(x, { name: 'd', outChannels: 2, kernel: 3, outputPadding: -1 })).toThrow('outputPaddingH must be an integer ≥ 0');
    expect(() => g.convTranspose2d(x, { name: 'e', outChannels: 2, kernel: 1, padding: 3 })).toThrow('the padding leaves a -1×-1 output of the 5×5 input');
    const flat = g.input('f', [1, 4]);
    expect(() => g.convTranspose2d(flat, { name: 'f2', outChannels: 2, kernel: 1 })).toThrow('expects an [N, C, H, W] tensor');
    g.output(g.convTranspose2d(x, { name: 'neg', outChannels: 2, kernel: 2, stride: 2, padding: [-1, 0, 0, 0] }));
    const graph = g.build();
    expect(() => exportOnnx(graph, randomWeights(graph, new Rng(2)))).toThrow(UnsupportedConfigurationError);
    expect(() => exportOnnx(graph, randomWeights(graph, new Rng(2)))).toThrow('neg: negative start pads [-1, 0] have no ONNX ConvTranspose form');
  });
});
