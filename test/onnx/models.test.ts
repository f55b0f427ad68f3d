/**
 * Whole torchvision models as torch.onnx.export writes them (opset 13,
 * seeded random weights, eval mode; test/fixtures/make_onnx_fixtures.py),
 * imported and run on the GPU, checked against onnxruntime-node on the same
 * file: relative L2 ≤ 1e-3 on the logits. Inputs are as small as each
 * architecture allows: AlexNet and VGG-16 need 224 for their adaptive pools
 * to export; the others end in a global average pool and run at 64 or 96.
 * resnet18 keeps its BatchNormalization nodes; mobilenet_v2 has a symbolic
 * batch and runs with batch 2.
 */
import { beforeAll, describe, it } from 'vitest';
import { expectMatchesOrt } from '../helpers/onnx_models.js';
import { ensureOnnxFixtures, readOnnxFixture } from '../helpers/onnx_fixtures.js';

const TOLERANCE = 1e-3;
const CASES = [
  { model: 'resnet18', size: 64 },
  { model: 'resnet50', size: 64 },
  { model: 'mobilenet_v2', size: 96, batch: 2 },
  { model: 'efficientnet_b0', size: 96 },
  { model: 'googlenet', size: 96 },
  { model: 'alexnet', size: 224 },
  { model: 'vgg16', size: 224 },
];

describe('torchvision ONNX exports vs onnxruntime', () => {
  beforeAll(() => ensureOnnxFixtures(CASES), 30 * 60_000);

  for (const { model, size, batch } of CASES) {
    it(`${model} at ${size}×${size}${batch ? ` batch ${batch}` : ''}`, async () => {
      const start = performance.now();
      const { errors, model: imported } = await expectMatchesOrt(readOnnxFixture(model, size), { seed: size, tolerance: TOLERANCE, parse: { batch: batch ?? 1 }, label: model });
      const seconds = ((performance.now() - start) / 1000).toFixed(1);
      console.log(`[onnx vs onnxruntime] ${model} ${size}×${size}: relative L2 ${errors.logits!.toExponential(2)} (${imported.graph.nodes.length} nodes, ${seconds} s)`);
    }, 20 * 60_000);
  }
});
