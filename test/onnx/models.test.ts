/**
 * Whole torchvision models as torch.onnx.export writes them (opset 13,
 * seeded random weights, eval mode; test/fixtures/make_onnx_fixtures.py),
 * imported and run on the GPU, checked against onnxruntime-node on the same
 * file (relative L2 on the logits, tolerance a few times the worst measured).
 * Inputs are as small as each architecture allows: AlexNet and VGG-16 need
 * 224 for their adaptive pools to export; the others end in a global average
 * pool and run at 64 or 96. resnet18 keeps its BatchNormalization nodes;
 * mobilenet_v2 has a symbolic batch and runs with batch 2.
 *
 * Every model runs under the 'cpu' adapter class's rules (direct and
 * depthwise convs, what SwiftShader picks); the networks of GPU_CASES run
 * under the 'gpu' rules too, so the implicit-GEMM and pointwise GEMM paths real
 * GPUs take are checked end to end (test/helpers/graph_check.ts
 * DEVICE_CLASSES; kernel work adds its configurations there).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { DEVICE_CLASSES, expectDeviceClassStrategies, formatStrategyCounts, type GemmStrategy } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { ensureOnnxFixtures, readOnnxFixture } from '../helpers/onnx_fixtures.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { assertInformativeReference } from '../helpers/random_graph.js';

// measured worst on SwiftShader: 3.2e-6 (vgg16), resnet50 1.6e-6, the rest ≤ 1.1e-6, the same under both rules
// (onnxruntime's own f32 error is most of it: resnet50 is 8.0e-7 from the float64 interpreter, ours 1.3e-6)
const TOLERANCE = 2e-5;

interface Case {
  model: string;
  size: number;
  batch?: number;
  /** The GEMM strategies the 'gpu' rules must pick somewhere in this network; absent: 'cpu' rules only. */
  gpu?: readonly GemmStrategy[];
}

const CASES: readonly Case[] = [
  // its 1×1 shortcuts have stride 2, which pointwise does not take
  { model: 'resnet18', size: 64 }, // 'gpu' rules: resnet50 covers implicit_gemm and pointwise, the float64 zoo check resnet18
  { model: 'resnet50', size: 64, gpu: ['implicit_gemm', 'pointwise'] },
  // MobileNet's only dense k×k conv is its RGB stem, which stays direct
  { model: 'mobilenet_v2', size: 96, batch: 2, gpu: ['pointwise'] },
  { model: 'efficientnet_b0', size: 96 },
  { model: 'googlenet', size: 96, gpu: ['implicit_gemm', 'pointwise'] },
  { model: 'alexnet', size: 224 },
  { model: 'vgg16', size: 224 },
];

/** ORT's logits per case, computed once for both configurations. */
const oracle = new Map<string, Promise<{ input: Float32Array; logits: { data: Float32Array; shape: number[] } }>>();

function oracleFor(c: Case, bytes: Uint8Array, inputShape: readonly number[]) {
  const key = `${c.model}_${c.size}`;
  if (!oracle.has(key)) {
    const input = new Rng(c.size).array(inputShape.reduce((a, b) => a * b, 1), -2, 2);
    oracle.set(key, runOnnxRuntime(bytes, { input: { data: input, shape: inputShape } }).then((out) => ({ input, logits: out.logits! })));
  }
  return oracle.get(key)!;
}

describe('torchvision ONNX exports vs onnxruntime', () => {
  beforeAll(() => ensureOnnxFixtures(CASES), 30 * 60_000);

  for (const deviceClass of DEVICE_CLASSES) {
    for (const c of CASES.filter((k) => deviceClass === 'cpu' || k.gpu)) {
      it(`${c.model} at ${c.size}×${c.size}${c.batch ? ` batch ${c.batch}` : ''}, ${deviceClass} rules`, async () => {
        const start = performance.now();
        const bytes = readOnnxFixture(c.model, c.size);
        const imported = parseOnnx(bytes, { batch: c.batch ?? 1 });
        expect(imported.inputs.map((i) => i.name)).toEqual(['input']);
        const { input, logits } = await oracleFor(c, bytes, imported.inputs[0]!.shape);
        expect(imported.outputs[0]!.shape).toEqual(logits.shape);
        assertInformativeReference(new Map([['logits', logits.data]]), `${c.model} (ORT)`);
        const model = await compile(await testContext(), imported.graph, imported.weights, { deviceClass });
        try {
          const counts = expectDeviceClassStrategies(model.info, deviceClass, c.gpu);
          const { float } = await model.run({ input });
          const error = relativeL2(float('logits'), logits.data);
          const seconds = ((performance.now() - start) / 1000).toFixed(1);
          console.log(`[onnx vs onnxruntime] ${c.model} ${c.size}×${c.size} ${deviceClass} rules: relative L2 ${error.toExponential(2)} (${imported.graph.nodes.length} nodes; ${formatStrategyCounts(counts)}; ${seconds} s)`);
          expect(error).toBeLessThanOrEqual(TOLERANCE);
        } finally {
          model.dispose();
        }
      }, 20 * 60_000);
    }
  }
});
