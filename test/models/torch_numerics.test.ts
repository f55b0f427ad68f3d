/**
 * Zoo models against PyTorch on the same seeded weights and input
 * (test/fixtures/make_torch_fixtures.py, cached under .cache/fixtures/):
 * relative L2 ≤ 1e-3 on the logits. `npm test` runs the seven main networks
 * at full size and the other variants at a reduced resolution;
 * `npm run test:full` (WEBGPU_CNN_FULL=1) runs every variant at full size.
 * VGG-16 runs on a device with WebGPU's default 128 MiB binding limit, so
 * its 411 MB fc6 weight takes the split-GEMM path. Models torchvision lacks
 * (MobileNet v1, the original AlexNet) are checked against the float64
 * interpreter instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { zooModel } from '../../src/models/zoo.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { ensureFixtures, readFixtureBytes } from '../helpers/torch_fixtures.js';
import { runGraphRef } from '../reference/graph.js';

const FULL = process.env.WEBGPU_CNN_FULL === '1';
const TOLERANCE = 1e-3;
const REDUCED = 64;

const MAIN = ['alexnet', 'vgg16', 'resnet18', 'resnet50', 'googlenet', 'mobilenet_v2', 'efficientnet_b0'];
const VARIANTS = ['vgg11', 'vgg13', 'vgg19', 'resnet34', 'resnet101', 'resnet152', ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'].map((v) => `efficientnet_${v}`)];
const CASES = [...MAIN.map((id) => ({ model: id, size: zooModel(id).inputSize })), ...VARIANTS.map((id) => ({ model: id, size: FULL ? zooModel(id).inputSize : REDUCED }))];

describe('zoo vs PyTorch', () => {
  let defaultLimits: GpuContext;
  beforeAll(async () => {
    ensureFixtures(CASES);
    defaultLimits = await createNodeGpuContext({ limits: 'default' });
  }, 60 * 60_000);
  afterAll(() => defaultLimits?.device.destroy());

  for (const { model: id, size } of CASES) {
    it(`${id} at ${size}×${size}`, async () => {
      const entry = zooModel(id);
      const graph = entry.build({ inputSize: size });
      const tensors = readSafetensors(readFixtureBytes(id, size));
      const input = tensors.get('__input__')!.data;
      const expected = tensors.get('__output__')!.data;
      tensors.delete('__input__');
      tensors.delete('__output__');
      const weights = weightsForGraph(graph, tensors, { skipPrefixes: entry.skipPrefixes ? [...entry.skipPrefixes] : [] });
      const ctx = id === 'vgg16' ? defaultLimits : await testContext();
      const model = await compile(ctx, graph, weights);
      try {
        const got = await model.predict(input);
        const error = relativeL2(got, expected);
        console.log(`[zoo vs PyTorch] ${id} ${size}×${size}: relative L2 ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        model.dispose();
      }
    }, 30 * 60_000);
  }
});

describe('zoo models torchvision lacks, vs the float64 interpreter', () => {
  const cases = [
    ...['mobilenet_v1', 'mobilenet_v1_0.75', 'mobilenet_v1_0.5', 'mobilenet_v1_0.25'].map((id) => ({ id, size: FULL ? 224 : REDUCED })),
    { id: 'alexnet_original', size: FULL ? 227 : 99 },
  ];
  for (const { id, size } of cases) {
    it(`${id} at ${size}×${size}`, async () => {
      const graph = zooModel(id).build({ inputSize: size });
      const weights = randomWeights(graph, 3);
      const input = new Rng(4).array(3 * size * size);
      const model = await compile(await testContext(), graph, weights);
      try {
        const expected = runGraphRef(graph, weights, new Map([['image', input]])).get('logits')!;
        const error = relativeL2(await model.predict(input), expected);
        console.log(`[zoo vs float64] ${id} ${size}×${size}: relative L2 ${error.toExponential(2)}`);
        expect(error).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        model.dispose();
      }
    }, 30 * 60_000);
  }
});
