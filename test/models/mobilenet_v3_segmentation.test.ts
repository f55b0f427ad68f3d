/**
 * MobileNet v3 and torchvision's segmentation models (LR-ASPP, DeepLabV3 and
 * FCN) end to end against PyTorch:
 * - the zoo graphs have torchvision 0.14's parameter names, shapes, order
 *   and count (test/fixtures/torchvision_keys/*.json);
 * - zoo graph + the fixture's state_dict (seeded random weights, BatchNorm
 *   statistics re-randomised; test/fixtures/make_torch_fixtures.py) vs
 *   PyTorch's output on the same input;
 * - the same model as torch.onnx.export writes it (opset 13), through our
 *   importer, vs the same PyTorch output.
 * Relative L2 over the whole output (logits, or every pixel's class scores),
 * under the 'cpu' adapter class's rules (what SwiftShader picks); sizes are
 * small to keep the run short: 96² for the MobileNets, 64² for the ResNet-50
 * models (dilated, output stride 8: their heads still see 8×8).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { summary } from '../../src/graph/summary.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { parseOnnx } from '../../src/onnx/import.js';
import type { DeviceClass } from '../../src/gpu/device.js';
import { expectDeviceClassStrategies, formatStrategyCounts, type GemmStrategy } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { relativeL2 } from '../helpers/random.js';
import { assertInformativeReference } from '../helpers/random_graph.js';
import { ensureFixtures, fixturePath, readFixtureBytes } from '../helpers/torch_fixtures.js';

// measured worst on SwiftShader: 2.1e-6 (fcn_resnet50, zoo), deeplabv3_resnet50 1.5e-6, the MobileNets ≤ 7.4e-7
// (importer and zoo within 10% of each other)
const TOLERANCE = 1e-5;

const CASES = [
  { model: 'mobilenet_v3_small', size: 96, output: 'logits', shape: [1, 1000] },
  { model: 'mobilenet_v3_large', size: 96, output: 'logits', shape: [1, 1000] },
  { model: 'lraspp_mobilenet_v3_large', size: 96, output: 'out', shape: [1, 21, 96, 96] },
  { model: 'deeplabv3_mobilenet_v3_large', size: 96, output: 'out', shape: [1, 21, 96, 96] },
  { model: 'deeplabv3_resnet50', size: 64, output: 'out', shape: [1, 21, 64, 64] },
  { model: 'fcn_resnet50', size: 64, output: 'out', shape: [1, 21, 64, 64] },
] as const;

const PARAMETERS: Record<(typeof CASES)[number]['model'], number> = {
  mobilenet_v3_small: 2_542_856,
  mobilenet_v3_large: 5_483_032,
  lraspp_mobilenet_v3_large: 3_221_538,
  deeplabv3_mobilenet_v3_large: 11_025_477,
  deeplabv3_resnet50: 39_638_869,
  fcn_resnet50: 32_957_013,
};

interface Entry {
  name: string;
  shape: number[];
  learnable: boolean;
}

describe('torchvision twins: MobileNet v3 and the segmentation models', () => {
  for (const { model, size, output, shape } of CASES) {
    it(`${model}: ${PARAMETERS[model].toLocaleString('en-US')} parameters, torchvision's names, shapes and order; '${output}' ${JSON.stringify(shape)} at ${size}²`, () => {
      const graph = zooModel(model).build({ inputSize: size });
      const reference = JSON.parse(readFileSync(new URL(`../fixtures/torchvision_keys/${model}.json`, import.meta.url), 'utf8')) as { parameters: number; state_dict: Entry[] };
      expect(reference.parameters).toBe(PARAMETERS[model]);
      expect(summary(graph).totalParameters).toBe(PARAMETERS[model]);
      expect([...graph.parameters.values()].map((p) => ({ name: p.name, shape: [...p.shape], learnable: p.learnable }))).toEqual(reference.state_dict);
      expect(graph.outputs.map((o) => o.name)).toEqual([output]);
      expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual(shape);
    });
  }

  it('segmentation outputs follow the input size, classes follow numClasses', () => {
    const graph = zooModel('lraspp_mobilenet_v3_large').build({ inputSize: 72, numClasses: 3, batch: 2 });
    expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual([2, 3, 72, 72]);
  });
});

/** The fixture's input, PyTorch's output and the state_dict. */
function fixture(model: string, size: number) {
  const tensors = readSafetensors(readFixtureBytes(model, size));
  const input = tensors.get('__input__')!.data;
  const expected = tensors.get('__output__')!.data;
  tensors.delete('__input__');
  tensors.delete('__output__');
  assertInformativeReference(new Map([['out', expected]]), `${model} (PyTorch)`);
  return { input, expected, tensors };
}

describe('MobileNet v3 and segmentation vs PyTorch', () => {
  it('makes the fixtures', () => ensureFixtures(CASES, { onnx: true }), 30 * 60_000);

  // 'gpu' rules too where it is cheap: DeepLabV3's dilated ASPP convs then take implicit_gemm, the 1×1s pointwise
  const runs: readonly ((typeof CASES)[number] & { deviceClass: DeviceClass; gemm?: readonly GemmStrategy[] })[] = [
    ...CASES.map((c) => ({ ...c, deviceClass: 'cpu' as const })),
    { ...CASES[3], deviceClass: 'gpu', gemm: ['implicit_gemm', 'pointwise'] },
  ];
  for (const { model, size, output, deviceClass, gemm } of runs) {
    it(`zoo ${model} at ${size}×${size}, ${deviceClass} rules`, async () => {
      const start = performance.now();
      const { input, expected, tensors } = fixture(model, size);
      const graph = zooModel(model).build({ inputSize: size });
      const compiled = await compile(await testContext(), graph, weightsForGraph(graph, tensors), { deviceClass });
      try {
        const counts = expectDeviceClassStrategies(compiled.info, deviceClass, gemm);
        const { float } = await compiled.run({ image: input });
        const error = relativeL2(float(output), expected);
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`[zoo vs PyTorch] ${model} ${size}×${size} ${deviceClass} rules: relative L2 ${error.toExponential(2)} (${formatStrategyCounts(counts)}; ${seconds} s)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        compiled.dispose();
      }
    }, 10 * 60_000);
  }

  for (const { model, size, output } of CASES) {
    it(`torch.onnx.export of ${model} at ${size}×${size}, imported`, async () => {
      const start = performance.now();
      const { input, expected } = fixture(model, size);
      const imported = parseOnnx(new Uint8Array(readFileSync(fixturePath(model, size, 'onnx'))));
      expect(imported.inputs.map((i) => i.name)).toEqual(['input']);
      expect(imported.outputs.map((o) => o.name)).toEqual([output]);
      const compiled = await compile(await testContext(), imported.graph, imported.weights, { deviceClass: 'cpu' });
      try {
        const { float } = await compiled.run({ input });
        const error = relativeL2(float(output), expected);
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`[onnx vs PyTorch] ${model} ${size}×${size}: relative L2 ${error.toExponential(2)} (${imported.graph.nodes.length} nodes; ${seconds} s)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        compiled.dispose();
      }
    }, 10 * 60_000);
  }
});
