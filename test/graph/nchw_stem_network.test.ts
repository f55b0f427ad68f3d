/**
 * The stem reads the NCHW input as given in compiled zoo networks: under the
 * GPU and the CPU rules, ResNet-18 (stem: the implicit GEMM under the GPU
 * rules, direct under the CPU's) and MobileNet v2 (stem: direct) run one
 * dispatch fewer than with `readNchwInputs: false` (the input's permute),
 * and both compiles still match the float64 interpreter (relative L2 ≤
 * F32_TOLERANCE).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import type { ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import { mobilenetV2 } from '../../src/models/mobilenet.js';
import { resnet18 } from '../../src/models/resnet.js';
import { DEVICE_CLASSES } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { assertInformativeReference, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';

const NETWORKS: [string, () => Graph, string, Record<(typeof DEVICE_CLASSES)[number], ConvStrategyName>][] = [
  ['resnet18 batch 2 at 32×32', () => resnet18({ batch: 2, inputSize: 32 }), 'conv1', { gpu: 'implicit_gemm', cpu: 'direct' }],
  ['mobilenet_v2 ×0.5 at 32×32', () => mobilenetV2({ widthMult: 0.5, inputSize: 32 }), 'features.0.0', { gpu: 'direct', cpu: 'direct' }],
];

const log: string[] = [];
afterAll(() => log.forEach((line) => console.log(line)));

describe('the stem reads the NCHW input: one dispatch fewer, same outputs', () => {
  for (const [name, build, stem, stemStrategy] of NETWORKS) {
    for (const deviceClass of DEVICE_CLASSES) {
      it(`${name} (${deviceClass} rules)`, async () => {
        const graph = build();
        const rng = new Rng(31);
        const weights = randomWeights(graph, rng);
        const inputs = randomInputs(graph, rng);
        const expected = runGraphRef(graph, weights, inputs);
        assertInformativeReference(expected, name);
        const ctx = await testContext();
        const direct = await compile(ctx, graph, weights, { deviceClass });
        const permuted = await compile(ctx, graph, weights, { deviceClass, readNchwInputs: false });
        try {
          const stemNode = direct.info.nodes.find((n) => n.sources.includes(stem));
          expect(stemNode?.strategy).toBe(stemStrategy[deviceClass]);
          expect(direct.info.dispatches).toBe(permuted.info.dispatches - 1);
          const errors: number[] = [];
          for (const model of [direct, permuted]) {
            const { float } = await model.run(Object.fromEntries(inputs));
            for (const { name: output } of graph.outputs) {
              const error = relativeL2(float(output), expected.get(output)!);
              errors.push(error);
              expect(error, `output ${output}`).toBeLessThanOrEqual(F32_TOLERANCE);
            }
          }
          log.push(
            `[nchw stem] ${name} ${deviceClass} rules: stem ${stemNode!.strategy}, ${direct.info.dispatches} dispatches (${permuted.info.dispatches} with the permute), ` +
              `arenas planned ${direct.info.plannedBytes} B in ${direct.info.arenas} (${permuted.info.plannedBytes} B in ${permuted.info.arenas}), relative L2 ${errors.map((e) => e.toExponential(2)).join(' / ')}`,
          );
        } finally {
          direct.dispose();
          permuted.dispose();
        }
      }, 600_000);
    }
  }
});
