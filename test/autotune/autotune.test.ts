/**
 * compile({autotune}) measures each distinct conv shape once per adapter,
 * keeps the choice in the store, reuses it (no measurement the second
 * time), ignores choices made on another adapter, and the tuned model still
 * matches the float64 reference.
 */
import { describe, expect, test } from 'vitest';
import { adapterKey, memoryAutotuneStore, shapeKey, type AutotuneDocument, type AutotuneStore } from '../../src/autotune/store.js';
import { convCandidates, withGemmTile, GEMM_TILES } from '../../src/autotune/candidates.js';
import { compile, type CompileOptions } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { conv2dShape } from '../../src/kernels/conv2d_shape.js';
import { pointwiseStrategy } from '../../src/kernels/conv2d_pointwise.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

/** Three conv shapes (a 3×3, a 1×1 used twice, a strided 3×3), odd sizes. */
function smallNet(rng: Rng): Graph {
  const g = new GraphBuilder();
  const c = rng.int(3, 6);
  const x = g.input('image', [1, c, 9, 11]);
  let y = g.relu(g.conv2d(x, { name: 'c1', outChannels: 12, kernel: 3, pad: 1 }));
  y = g.relu(g.conv2d(y, { name: 'p1', outChannels: 12, kernel: 1 }));
  y = g.relu(g.conv2d(y, { name: 'p2', outChannels: 12, kernel: 1 }));
  y = g.conv2d(y, { name: 'c2', outChannels: 8, kernel: 3, stride: 2 });
  g.output(y, 'out');
  return g.build();
}

/** Counts load/save calls of a store. */
function counting(store: AutotuneStore): AutotuneStore & { loads: number; saves: number } {
  const s = { loads: 0, saves: 0, load: () => (s.loads++, store.load()), save: (d: AutotuneDocument) => (s.saves++, store.save(d)) };
  return s;
}

async function tunedRun(graph: Graph, seed: number, options: CompileOptions) {
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  const model = await compile(await testContext(), graph, weights, options);
  try {
    const { outputs } = await model.run(Object.fromEntries(inputs));
    return { info: model.info, error: relativeL2(outputs.out!, runGraphRef(graph, weights, inputs).get('out')!) };
  } finally {
    model.dispose();
  }
}

describe('autotune', () => {
  test('measures each distinct shape once, caches it, and the second compile measures nothing', async () => {
    const graph = smallNet(new Rng(1));
    const store = counting(memoryAutotuneStore());
    const options = { autotune: { store, runs: 2, warmup: 0 } };
    const first = await tunedRun(graph, 2, options);
    expect(first.error).toBeLessThanOrEqual(F32_TOLERANCE);
    const tuned = first.info.autotune!;
    expect(tuned.measured).toHaveLength(3);
    expect(tuned.cached).toEqual([]);
    expect(Object.keys(tuned.layers).sort()).toEqual(['c1', 'c2', 'p1', 'p2']);
    expect(tuned.layers.p1!.shape).toBe(tuned.layers.p2!.shape);
    for (const node of first.info.nodes.filter((n) => n.kind === 'conv')) expect(node.strategy).toBe(tuned.layers[node.name]!.strategy);
    expect(store.saves).toBe(1);
    const saved = (await store.load()).adapters[tuned.adapter]!;
    expect(Object.keys(saved).sort()).toEqual([...tuned.measured].sort());
    for (const choice of Object.values(saved)) expect(Object.keys(choice.timings).length).toBeGreaterThan(1);

    const second = await tunedRun(graph, 3, options);
    expect(second.info.autotune!.measured).toEqual([]);
    expect(second.info.autotune!.cached).toHaveLength(3);
    expect(store.saves).toBe(1);
    expect(second.error).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  test('a stored choice is applied (strategy and GEMM tile), one from another adapter is ignored', async () => {
    const ctx = await testContext();
    const graph = smallNet(new Rng(4));
    const cin = graph.tensors[graph.inputs[0]!.tensor]!.shape[1]!;
    const c1 = shapeKey(conv2dShape({ batch: 1, inChannels: cin, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 3, kernelWidth: 3, pad: 1 }));
    const p = shapeKey(conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 1, kernelWidth: 1 }));
    const c2 = shapeKey(conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2 }));
    const planted = (strategy: 'im2col' | 'direct' | 'pointwise', tile?: string) => ({ strategy, ...(tile ? { tile } : {}), timings: {}, measuredAt: 'test' });
    // auto would take direct for c1 (reduction ≤ 64) and pointwise for the 1×1s: the planted choices differ
    const mine = { [c1]: planted('im2col', '4x256'), [p]: planted('direct'), [c2]: planted('direct') };
    const store = memoryAutotuneStore({ version: 1, adapters: { [adapterKey(ctx.adapter)]: mine } });
    const used = await tunedRun(graph, 5, { autotune: { store } });
    expect(used.info.autotune!.measured).toEqual([]);
    const byName = new Map(used.info.nodes.map((n) => [n.name, n]));
    expect(byName.get('c1')).toMatchObject({ strategy: 'im2col', tile: '4x256' });
    expect(byName.get('p1')!.strategy).toBe('direct');
    expect(used.error).toBeLessThanOrEqual(F32_TOLERANCE);

    const foreign = memoryAutotuneStore({ version: 1, adapters: { 'othervendor|otherarch|other driver': mine } });
    const ignored = await tunedRun(graph, 6, { autotune: { store: foreign, runs: 1, warmup: 0, tiles: false } });
    expect(ignored.info.autotune!.measured).toHaveLength(3);
    expect(ignored.info.autotune!.cached).toEqual([]);
    expect(ignored.error).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  test('a layer forced by name keeps its strategy', async () => {
    const ctx = await testContext();
    const graph = smallNet(new Rng(7));
    const store = memoryAutotuneStore();
    const { info, error } = await tunedRun(graph, 8, { autotune: { store, runs: 1, warmup: 0, tiles: false }, layerStrategies: { c2: 'im2col' } });
    const c2 = info.nodes.find((n) => n.name === 'c2')!;
    expect(c2.strategy).toBe('im2col');
    expect(c2.tile).toBeUndefined();
    // the other layers take what was tuned
    for (const n of info.nodes.filter((k) => k.kind === 'conv' && k.name !== 'c2')) expect(n.strategy, n.name).toBe(info.autotune!.layers[n.name]!.strategy);
    // and the model with the forced layer still computes the right thing
    expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
    expect(ctx.adapter.vendor).toBeTruthy();
  });

  test('candidates: GEMM tile variants only for GEMM strategies, and retiling keeps the grid covering the output', () => {
    const s = conv2dShape({ batch: 1, inChannels: 16, inHeight: 7, inWidth: 7, outChannels: 40, kernelHeight: 1, kernelWidth: 1 });
    const names = convCandidates(s).map((c) => (c.tile ? `${c.strategy}/${c.tile}` : c.strategy));
    expect(names).toContain('pointwise/4x256');
    expect(names).toContain('direct');
    expect(names.filter((n) => n.startsWith('direct/'))).toEqual([]);
    const fake = {} as GPUBuffer;
    const [spec] = pointwiseStrategy.dispatches(s, { input: fake, weight: fake, output: fake, unused: fake }, {}, { channelStride: 40, channelOffset: 0 });
    for (const tile of Object.values(GEMM_TILES)) {
      const [t] = withGemmTile([spec!], tile);
      expect(t!.constants).toMatchObject({ WG_X: tile.wgX, WG_Y: tile.wgY, TILE_K: tile.tileK });
      expect(t!.workgroups[0] * tile.wgX * 4).toBeGreaterThanOrEqual(40);
      expect(t!.workgroups[1] * tile.wgY * 4).toBeGreaterThanOrEqual(49);
    }
  });
});
