/**
 * The zoo's dense-prediction models — U-Net and the fast style-transfer
 * net — against their PyTorch twins (test/fixtures/dense_models.py) on the
 * same seeded random weights (BatchNorm statistics and InstanceNorm affines
 * re-randomized) and input: the zoo graph with the state_dict loaded
 * (under the 'cpu' and the 'gpu' adapter rules), torch.onnx.export's file
 * (opset 13: its reflect pads arrive as a Constant/Slice/Transpose pads
 * subgraph the importer folds) through our importer, and our own ONNX
 * export of the zoo graph run by onnxruntime-node (what the bench hands
 * ORT-web). Relative L2 over the whole output map, tolerance a few times
 * the worst measured. 64×64 keeps the file near a minute on SwiftShader.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { summary } from '../../src/graph/summary.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { styleTransfer } from '../../src/models/style_transfer.js';
import { unet } from '../../src/models/unet.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { DEVICE_CLASSES, expectDeviceClassStrategies, formatStrategyCounts, type GemmStrategy } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { relativeL2 } from '../helpers/random.js';
import { assertInformativeReference } from '../helpers/random_graph.js';
import { ensureFixtures, fixturePath, readFixtureBytes } from '../helpers/torch_fixtures.js';

// measured worst on SwiftShader, the same under both rules and through ONNX: unet 1.1e-7, style_transfer 2.6e-6
// (its InstanceNorms divide by small per-image deviations); the bound is 1e-4, these are ~4× the measured
const TOLERANCE: Record<string, number> = { unet: 5e-7, style_transfer: 1e-5 };
const SIZE = 64;

const CASES = [
  // PyTorch's own count of the twin's parameters (sum of numel over model.parameters())
  { model: 'unet', size: SIZE, parameters: 1_942_594, outputShape: [1, 2, SIZE, SIZE], gemm: ['implicit_gemm', 'pointwise'] },
  // no 1×1 conv: under 'gpu' rules its 3×3 and 9×9 convs take implicit_gemm
  { model: 'style_transfer', size: SIZE, parameters: 1_679_235, outputShape: [1, 3, SIZE, SIZE], gemm: ['implicit_gemm'] },
] as const satisfies readonly { model: string; size: number; parameters: number; outputShape: readonly number[]; gemm: readonly GemmStrategy[] }[];

function fixture(model: string, size: number) {
  const tensors = readSafetensors(readFixtureBytes(model, size));
  const input = tensors.get('__input__')!.data;
  const expected = tensors.get('__output__')!;
  tensors.delete('__input__');
  tensors.delete('__output__');
  return { tensors, input, expected };
}

describe('dense zoo models vs PyTorch', () => {
  beforeAll(() => ensureFixtures(CASES, { onnx: true }), 10 * 60_000);

  for (const c of CASES) {
    it(`${c.model}: summary counts PyTorch's parameters and the output shape`, () => {
      const graph = zooModel(c.model).build({ inputSize: c.size });
      expect(summary(graph).totalParameters).toBe(c.parameters);
      expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual(c.outputShape);
    });

    // the zoo graph under both adapter classes' rules, so the GEMM paths real GPUs take are checked too
    for (const deviceClass of DEVICE_CLASSES) {
      it(`${c.model} ${c.size}×${c.size}: zoo graph with the state_dict, ${deviceClass} rules`, async () => {
        const start = performance.now();
        const { tensors, input, expected } = fixture(c.model, c.size);
        expect(expected.shape).toEqual(c.outputShape);
        assertInformativeReference(new Map([['out', expected.data]]), `${c.model} (PyTorch)`);
        const graph = zooModel(c.model).build({ inputSize: c.size });
        const model = await compile(await testContext(), graph, weightsForGraph(graph, tensors), { deviceClass });
        try {
          const counts = expectDeviceClassStrategies(model.info, deviceClass, c.gemm);
          const error = relativeL2(await model.predict(input), expected.data);
          const seconds = ((performance.now() - start) / 1000).toFixed(1);
          console.log(`[dense zoo vs PyTorch] ${c.model} ${c.size}×${c.size} ${deviceClass} rules: relative L2 ${error.toExponential(2)} (${formatStrategyCounts(counts)}; ${model.info.dispatches} dispatches; ${seconds} s)`);
          expect(error).toBeLessThanOrEqual(TOLERANCE[c.model]);
        } finally {
          model.dispose();
        }
      }, 5 * 60_000);
    }

    it(`${c.model} ${c.size}×${c.size}: our ONNX export run by onnxruntime-node`, async () => {
      // the file the bench hands to ONNX Runtime Web: its reflect pads, instance norms, resizes and transposed convs must mean the same to ORT
      const { tensors, input, expected } = fixture(c.model, c.size);
      const graph = zooModel(c.model).build({ inputSize: c.size });
      const bytes = exportOnnx(graph, weightsForGraph(graph, tensors));
      const outputs = await runOnnxRuntime(bytes, { image: { data: input, shape: [1, 3, c.size, c.size] } });
      const out = outputs[graph.outputs[0]!.name]!;
      expect(out.shape).toEqual(c.outputShape);
      const error = relativeL2(out.data, expected.data);
      console.log(`[dense export → onnxruntime vs PyTorch] ${c.model} ${c.size}×${c.size}: relative L2 ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(TOLERANCE[c.model]);
    }, 60_000);

    it(`${c.model} ${c.size}×${c.size}: torch.onnx.export through the importer`, async () => {
      const start = performance.now();
      const { input, expected } = fixture(c.model, c.size);
      const imported = parseOnnx(new Uint8Array(readFileSync(fixturePath(c.model, c.size, 'onnx'))));
      expect(imported.inputs.map((i) => i.shape)).toEqual([[1, 3, c.size, c.size]]);
      expect(imported.outputs.map((o) => o.shape)).toEqual([c.outputShape]);
      const model = await compile(await testContext(), imported.graph, imported.weights);
      try {
        const { float } = await model.run({ input });
        const error = relativeL2(float('logits'), expected.data);
        console.log(`[dense onnx vs PyTorch] ${c.model} ${c.size}×${c.size}: relative L2 ${error.toExponential(2)} (${imported.graph.nodes.length} nodes, ${model.info.dispatches} dispatches; ${((performance.now() - start) / 1000).toFixed(1)} s)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE[c.model]);
      } finally {
        model.dispose();
      }
    }, 5 * 60_000);
  }
});

describe('dense zoo models refuse sizes their architecture cannot keep', () => {
  it('a U-Net input not a multiple of 2^depth, or a style net input not a multiple of 4, is an InvalidParameterError', () => {
    expect(() => unet({ inputSize: 72 })).toThrow(InvalidParameterError);
    expect(() => unet({ inputSize: 72 })).toThrow(/multiple of 2\^depth = 16/);
    expect(() => unet({ inputSize: 72, depth: 3 })).not.toThrow();
    expect(() => styleTransfer({ inputSize: 66 })).toThrow(/multiple of 4, got 66/);
    expect(() => styleTransfer({ width: 0 })).toThrow(InvalidParameterError);
  });
});
