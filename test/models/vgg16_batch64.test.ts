/**
 * VGG-16 at batch 64 under the 'gpu' rules: im2col's patch matrices (7.4 GB
 * for conv1_2 at 224²) outgrew every storage binding, the implicit GEMM needs
 * none. Planned without a GPU at 224² (every allocation is a real GPU's
 * problem, not SwiftShader's); with WEBGPU_CNN_FULL=1 also compiled and run
 * at 64×64, batch 64, against the float64 interpreter.
 */
import { describe, expect, it } from 'vitest';
import { zeroWeights } from '../../src/cli/model_source.js';
import { BindingLimitError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import { lower, type ExecGraph } from '../../src/graph/exec_graph.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { nodeKernel } from '../../src/graph/node_kernels.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { place, type PlacementKernel } from '../../src/graph/placement.js';
import { zooModel } from '../../src/models/zoo.js';
import { testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

const FULL = process.env.WEBGPU_CNN_FULL === '1';
/** A desktop GPU's limits (Dawn on NVIDIA and AMD offers at least these). */
const GPU_LIMITS = { alignment: 256, maxBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 };
const MAX_BINDING = GPU_LIMITS.maxBindingSize;

function vgg16(batch: number, inputSize: number): Graph {
  return zooModel('vgg16').build({ batch, inputSize });
}

/**
 * What placement needs of each node's kernel, as compile() gets it, except
 * for the linear layers: their kernels re-lay out 120 M head weights (~15 s
 * here) for fields that do not depend on them (checked below on a small VGG).
 */
function placementKernels(exec: ExecGraph): PlacementKernel[] {
  return exec.nodes.map((n) => (n.kind === 'linear' ? { writesSlices: false, scratchFloats: 0 } : nodeKernel(exec, n, MAX_BINDING)));
}

function plan(graph: Graph, weights: WeightMap, strategy: 'auto' | 'im2col') {
  const exec = runPasses(lower(graph, weights), { deviceClass: 'gpu', strategy }, []);
  const kernels = placementKernels(exec);
  return { exec, kernels, placement: () => place(exec, kernels, GPU_LIMITS) };
}

describe('VGG-16 at batch 64, 224×224, GPU rules (planned, no GPU)', () => {
  const graph = vgg16(64, 224);
  // zero-filled arrays are not touched until written: the 553 MB of weights cost no memory
  const weights = zeroWeights(graph);

  it('every conv but the RGB stem runs as implicit_gemm with no scratch, and the plan fits a 2 GiB binding', () => {
    const { exec, kernels, placement } = plan(graph, weights, 'auto');
    const convs = exec.nodes.map((n, i) => ({ n, k: kernels[i]! })).filter(({ n }) => n.kind === 'conv');
    expect(convs).toHaveLength(13);
    expect(convs.map(({ n }) => n.kind === 'conv' && n.strategy)).toEqual(['direct', ...Array<string>(12).fill('implicit_gemm')]);
    for (const { k } of convs) expect(k.scratchFloats).toBe(0);
    const p = placement();
    console.log(`[vgg16 batch 64 224²] planned ${(p.storage.peakBytes / 2 ** 30).toFixed(2)} GiB in ${p.storage.arenaBytes.length} arenas, no scratch`);
    expect(p.steps.every((s) => s.scratchFloats === 0)).toBe(true);
  });

  it('forced im2col needs 7.4 GB of scratch for conv1_2: a BindingLimitError naming it', () => {
    const { kernels, exec, placement } = plan(graph, weights, 'im2col');
    const conv12 = exec.nodes.findIndex((n) => n.kind === 'conv' && n.sources.includes('features.2'));
    expect(kernels[conv12]!.scratchFloats * 4).toBe(64 * 224 * 224 * 576 * 4);
    expect(placement).toThrow(BindingLimitError);
    expect(placement).toThrow(/features\.2/);
  });

  it("the linear layers' kernels have the placement fields planned for them (a VGG-style head, small)", () => {
    const g = new GraphBuilder();
    const x = g.flatten(g.adaptiveAvgPool(g.input('image', [2, 8, 5, 5]), 3));
    g.output(g.linear(g.relu(g.linear(x, { name: 'fc0', outFeatures: 16 })), { name: 'fc1', outFeatures: 5 }), 'logits');
    const head = g.build();
    const exec = runPasses(lower(head, zeroWeights(head)), { deviceClass: 'gpu' }, []);
    const linears = exec.nodes.filter((n) => n.kind === 'linear');
    expect(linears).toHaveLength(2);
    for (const n of linears) {
      const k = nodeKernel(exec, n, MAX_BINDING);
      expect({ writesSlices: k.writesSlices, scratchFloats: k.scratchFloats, placement: k.placement }).toEqual({ writesSlices: false, scratchFloats: 0, placement: undefined });
    }
  });
});

/** WEBGPU_CNN_VGG_BATCH picks a smaller batch where 64 takes too long (an emulator on few cores). */
const RUN_BATCH = Number(process.env.WEBGPU_CNN_VGG_BATCH ?? 64);

describe(`VGG-16 at batch ${RUN_BATCH}, 64×64, GPU rules, on this adapter`, () => {
  // ~81 GFLOP per run at batch 64: minutes or hours on SwiftShader, so only in `npm run test:full`
  it.runIf(FULL)('compiles with no scratch and matches the float64 interpreter on its first and last image', async () => {
    const start = performance.now();
    const last = RUN_BATCH - 1;
    const graph = vgg16(RUN_BATCH, 64);
    const rng = new Rng(1664);
    const weights = randomWeights(graph, rng);
    const input = rng.array(RUN_BATCH * 3 * 64 * 64);
    const model = await compile(await testContext(), graph, weights, { deviceClass: 'gpu' });
    try {
      const compiled = performance.now();
      const info = model.info;
      expect(info.scratchBytes).toBe(0);
      expect(info.nodes.filter((n) => n.kind === 'conv').map((n) => n.strategy)).toEqual(['direct', ...Array<string>(12).fill('implicit_gemm')]);
      const got = await model.predict(input);
      const ran = performance.now();
      // images are independent: the reference runs a batch-2 graph on the first and last
      const pair = vgg16(2, 64);
      const image = 3 * 64 * 64;
      const pairInput = new Float32Array(2 * image);
      pairInput.set(input.subarray(0, image), 0);
      pairInput.set(input.subarray(last * image), image);
      const expected = runGraphRef(pair, weights, new Map([[pair.inputs[0]!.name, pairInput]])).get(pair.outputs[0]!.name)!;
      const classes = expected.length / 2;
      const gotPair = new Float32Array(2 * classes);
      gotPair.set(got.subarray(0, classes), 0);
      gotPair.set(got.subarray(last * classes), classes);
      const error = relativeL2(gotPair, expected);
      console.log(`[vgg16 batch ${RUN_BATCH} 64²] compile ${((compiled - start) / 1000).toFixed(1)} s, run ${((ran - compiled) / 1000).toFixed(1)} s, planned ${(info.plannedBytes / 2 ** 20).toFixed(0)} MiB, relative L2 ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  }, 60 * 60_000);
});
