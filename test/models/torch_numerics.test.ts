/**
 * Zoo models against PyTorch on the same seeded weights and input
 * (test/fixtures/make_torch_fixtures.py, cached under .cache/fixtures/):
 * relative L2 on the logits within a few times the worst measured (the log
 * lines print each model's error). `npm test` runs the seven main networks
 * at full size and the other variants at a reduced resolution;
 * `npm run test:full` (WEBGPU_CNN_FULL=1) runs every variant at full size.
 * VGG-16 runs on a device with WebGPU's default 128 MiB binding limit, so
 * its 411 MB fc6 weight takes the split-GEMM path. Models torchvision lacks
 * (MobileNet v1, the original AlexNet) are checked against the float64
 * interpreter instead.
 *
 * All of them run under the 'cpu' adapter class's rules (direct and
 * depthwise convs, what SwiftShader picks); GPU_CASES, smaller networks at
 * reduced resolution, run under the 'gpu' rules too, so the implicit-GEMM and
 * pointwise GEMM paths real GPUs take are checked end to end
 * (test/helpers/graph_check.ts DEVICE_CLASSES). The ONNX whole-model checks
 * (test/onnx/models.test.ts) add batch 2 under both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import type { DeviceClass, GpuContext } from '../../src/gpu/device.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { DEVICE_CLASSES, expectDeviceClassStrategies, formatStrategyCounts, type GemmStrategy } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { assertInformativeReference } from '../helpers/random_graph.js';
import { ensureFixtures, readFixtureBytes } from '../helpers/torch_fixtures.js';
import { runGraphRef } from '../reference/graph.js';

const FULL = process.env.WEBGPU_CNN_FULL === '1';
// measured worst on SwiftShader (npm test sizes): 3.8e-6 (vgg19 at 64), the VGGs 3.2-3.8e-6, the rest ≤ 1.9e-6;
// the full sizes of test:full were not re-measured here (the issue reports 1.7e-5 as the worst), so they keep more room
const TOLERANCE = FULL ? 1e-4 : 2e-5;
// measured worst: 4.8e-7 (alexnet_original at 99, both rules)
const FLOAT64_TOLERANCE = FULL ? 1e-5 : 3e-6;
const REDUCED = 64;

const MAIN = ['alexnet', 'vgg16', 'resnet18', 'resnet50', 'googlenet', 'mobilenet_v2', 'efficientnet_b0'];
const VARIANTS = ['vgg11', 'vgg13', 'vgg19', 'resnet34', 'resnet101', 'resnet152', ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'].map((v) => `efficientnet_${v}`)];
const CASES = [...MAIN.map((id) => ({ model: id, size: zooModel(id).inputSize })), ...VARIANTS.map((id) => ({ model: id, size: FULL ? zooModel(id).inputSize : REDUCED }))];

type Gemm = readonly GemmStrategy[];
/** Under the 'gpu' rules as well, with the GEMM strategies each must then use somewhere. */
const GPU_CASES: readonly { model: string; size: number; gemm: Gemm }[] = [
  { model: 'vgg11', size: REDUCED, gemm: ['implicit_gemm'] },
  { model: 'efficientnet_b0', size: REDUCED, gemm: ['pointwise'] },
];

interface Run {
  model: string;
  size: number;
  deviceClass: DeviceClass;
  gemm?: Gemm;
}
const RUNS: readonly Run[] = DEVICE_CLASSES.flatMap((deviceClass): Run[] => (deviceClass === 'cpu' ? CASES.map((c) => ({ ...c, deviceClass })) : GPU_CASES.map((c) => ({ ...c, deviceClass }))));

describe('zoo vs PyTorch', () => {
  let defaultLimits: GpuContext;
  beforeAll(async () => {
    ensureFixtures([...CASES, ...GPU_CASES]);
    defaultLimits = await createNodeGpuContext({ limits: 'default' });
  }, 60 * 60_000);
  afterAll(() => defaultLimits?.device.destroy());

  for (const { model: id, size, deviceClass, gemm } of RUNS) {
    it(`${id} at ${size}×${size}, ${deviceClass} rules`, async () => {
      const start = performance.now();
      const entry = zooModel(id);
      const graph = entry.build({ inputSize: size });
      const tensors = readSafetensors(readFixtureBytes(id, size));
      const input = tensors.get('__input__')!.data;
      const expected = tensors.get('__output__')!.data;
      tensors.delete('__input__');
      tensors.delete('__output__');
      assertInformativeReference(new Map([['logits', expected]]), `${id} (PyTorch)`);
      const weights = weightsForGraph(graph, tensors, { skipPrefixes: entry.skipPrefixes ? [...entry.skipPrefixes] : [] });
      const ctx = id === 'vgg16' ? defaultLimits : await testContext();
      const model = await compile(ctx, graph, weights, { deviceClass });
      try {
        const counts = expectDeviceClassStrategies(model.info, deviceClass, gemm);
        const got = await model.predict(input);
        const error = relativeL2(got, expected);
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`[zoo vs PyTorch] ${id} ${size}×${size} ${deviceClass} rules: relative L2 ${error.toExponential(2)} (${formatStrategyCounts(counts)}; ${seconds} s)`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        model.dispose();
      }
    }, 30 * 60_000);
  }
});

describe('zoo models torchvision lacks, vs the float64 interpreter', () => {
  const cases: { id: string; size: number; deviceClass: DeviceClass; gemm?: Gemm }[] = [
    ...['mobilenet_v1', 'mobilenet_v1_0.75', 'mobilenet_v1_0.5', 'mobilenet_v1_0.25'].map((id) => ({ id, size: FULL ? 224 : REDUCED, deviceClass: 'cpu' as const })),
    { id: 'alexnet_original', size: FULL ? 227 : 99, deviceClass: 'cpu' },
    // 'gpu' rules: its grouped 5×5 and 3×3 convs take implicit_gemm
    { id: 'alexnet_original', size: 99, deviceClass: 'gpu', gemm: ['implicit_gemm'] },
  ];
  for (const { id, size, deviceClass, gemm } of cases) {
    it(`${id} at ${size}×${size}, ${deviceClass} rules`, async () => {
      const start = performance.now();
      const graph = zooModel(id).build({ inputSize: size });
      const weights = randomWeights(graph, 3);
      const input = new Rng(4).array(3 * size * size);
      const model = await compile(await testContext(), graph, weights, { deviceClass });
      try {
        const counts = expectDeviceClassStrategies(model.info, deviceClass, gemm);
        const expected = runGraphRef(graph, weights, new Map([['image', input]])).get('logits')!;
        assertInformativeReference(new Map([['logits', expected]]), `${id} (float64)`);
        const error = relativeL2(await model.predict(input), expected);
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`[zoo vs float64] ${id} ${size}×${size} ${deviceClass} rules: relative L2 ${error.toExponential(2)} (${formatStrategyCounts(counts)}; ${seconds} s)`);
        expect(error).toBeLessThanOrEqual(FLOAT64_TOLERANCE);
      } finally {
        model.dispose();
      }
    }, 30 * 60_000);
  }
});
