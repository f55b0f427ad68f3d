/**
 * compile({autotune}) measures each distinct conv shape once per adapter,
 * keeps the choice in the store, reuses it (no measurement the second
 * time), ignores choices made on another adapter, and the tuned model still
 * matches the float64 reference.
 */
import { describe, expect, test } from 'vitest';
import { autotuneConvs } from '../../src/autotune/autotune.js';
import {
  adapterKey, CHOICE_VERSION, dropOtherVersions, isCurrentAdapterKey, memoryAutotuneStore, shapeKey, storedChoiceProblem, type AutotuneDocument, type AutotuneStore,
} from '../../src/autotune/store.js';
import { candidateDispatches, candidateName, convCandidates } from '../../src/autotune/candidates.js';
import { lower } from '../../src/graph/exec_graph.js';
import { compile, type CompileOptions } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { Graph } from '../../src/graph/ir.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { applicableStrategies, CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { conv2dShape, type Conv2dParams } from '../../src/kernels/conv2d_shape.js';
import { GEMM_TILE_NAMES, GEMM_TILES, gemmTileOutputs, type GemmTileName } from '../../src/kernels/gemm.js';
import { tileThatRan } from '../helpers/gemm_tile.js';
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
    const { float } = await model.run(Object.fromEntries(inputs));
    return { info: model.info, error: relativeL2(float('out'), runGraphRef(graph, weights, inputs).get('out')!) };
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
    // every registry tile is measured (8 with the register-blocked ones): a pipeline each, ~1 s on SwiftShader, more on a loaded runner
  }, 600_000);

  test('a stored choice is applied (strategy and GEMM tile), one from another adapter is ignored', async () => {
    const ctx = await testContext();
    const graph = smallNet(new Rng(4));
    const cin = graph.tensors[graph.inputs[0]!.tensor]!.shape[1]!;
    const c1 = shapeKey(conv2dShape({ batch: 1, inChannels: cin, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 3, kernelWidth: 3, pad: 1 }));
    const p = shapeKey(conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 1, kernelWidth: 1 }));
    const c2 = shapeKey(conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 8, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2 }));
    const planted = (strategy: 'im2col' | 'direct' | 'pointwise', tile?: GemmTileName) => ({ strategy, ...(tile ? { tile } : {}), timings: {}, measuredAt: 'test' });
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

  test('candidates: GEMM tile variants only for GEMM strategies, and each tile\'s dispatches keep the grid covering the output', () => {
    const s = conv2dShape({ batch: 1, inChannels: 16, inHeight: 7, inWidth: 7, outChannels: 40, kernelHeight: 1, kernelWidth: 1 });
    const names = convCandidates(s).map(candidateName);
    expect(names).toContain('pointwise/4x256');
    expect(names).toContain('direct');
    expect(names.filter((n) => n.startsWith('direct/'))).toEqual([]);
    const fake = {} as GPUBuffer;
    const io = { input: fake, weight: fake, output: fake, unused: fake };
    for (const tile of GEMM_TILE_NAMES) {
      const t = GEMM_TILES[tile];
      const { rows, cols } = gemmTileOutputs(tile);
      const [spec] = candidateDispatches(s, { strategy: 'pointwise', tile }, io, {});
      // 16 → 40 channels is vec4-aligned: every tile, register-blocked ones included, runs itself
      expect(spec!.constants).toMatchObject({ WG_X: t.wgX, WG_Y: t.wgY, TILE_K: t.tileK });
      expect(spec!.workgroups[0] * cols).toBeGreaterThanOrEqual(40);
      expect(spec!.workgroups[1] * rows).toBeGreaterThanOrEqual(49);
      // the grid is computed once, by the strategy, for the tile it was given: exactly enough workgroups
      expect(spec!.workgroups).toEqual([Math.ceil(40 / cols), Math.ceil(49 / rows), 1]);
    }
    expect(() => candidateDispatches(s, { strategy: 'direct', tile: '4x256' }, io, {})).toThrow(/runs no GEMM/);
  });

  test('every tile a GEMM strategy lists (default: the registry) is its candidate, each once; the plain candidate is its defaultTile', () => {
    const rng = new Rng(21);
    const fake = {} as GPUBuffer;
    const io = { input: fake, weight: fake, output: fake, scratch: fake, unused: fake };
    let gemmLayers = 0;
    for (let i = 0; i < 200; i++) {
      const k = rng.pick([1, 1, 3, 5]);
      const cin = rng.pick([1, 3, 8, 16, 32, 96]);
      const groups = rng.bool(0.2) ? cin : rng.bool(0.2) && cin % 2 === 0 ? 2 : 1;
      const p: Conv2dParams = {
        batch: rng.int(1, 2), inHeight: rng.int(1, 60), inWidth: rng.int(1, 60), inChannels: cin,
        outChannels: groups === cin ? cin : groups * rng.pick([1, 4, 8, 12, 16, 20, 32, 40, 64]),
        kernelHeight: k, kernelWidth: k, strideH: rng.int(1, 2), strideW: 1, pad: k >> 1, groups,
      };
      const s = conv2dShape(p);
      const candidates = convCandidates(s);
      for (const strategy of applicableStrategies(s)) {
        const mine = candidates.filter((c) => c.strategy === strategy);
        const own = CONV_STRATEGIES[strategy].defaultTile?.(s);
        if ((strategy === 'im2col' || strategy === 'implicit_gemm') && groups > 1 && groups === cin) {
          expect(mine).toEqual([]); // hopeless: never measured
          continue;
        }
        expect(mine[0]).toEqual({ strategy });
        if (!own) {
          expect(mine).toEqual([{ strategy }]);
          continue;
        }
        gemmLayers++;
        const tiles = mine.map((c) => c.tile ?? own);
        expect([...tiles].sort()).toEqual([...(CONV_STRATEGIES[strategy].tiles ?? GEMM_TILE_NAMES)].sort());
        // the implicit GEMM has the 4×4 core only: it lists the tiles of that core, im2col and pointwise all
        expect(CONV_STRATEGIES[strategy].tiles === undefined).toBe(strategy !== 'implicit_gemm');
        // each candidate's dispatches run the tile it names
        for (const c of mine) {
          const gemmSpec = candidateDispatches(s, c, io, {}).at(-1)!;
          const t = GEMM_TILES[tileThatRan(c.tile ?? own, gemmSpec)];
          expect(gemmSpec.constants).toMatchObject({ WG_X: t.wgX, WG_Y: t.wgY, TILE_K: t.tileK });
        }
      }
      // without tiles: one plain candidate per strategy
      expect(convCandidates(s, false)).toEqual(candidates.filter((c) => !c.tile));
    }
    expect(gemmLayers).toBeGreaterThan(100);
  });
});

describe('autotune store versions', () => {
  const adapter = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' };
  const v1Key = (a: { vendor?: string; architecture?: string; description?: string }) => `${a.vendor}|${a.architecture}|${a.description}`;

  test('the adapter key carries the choice version; keys of other versions are dropped, current ones kept', () => {
    expect(CHOICE_VERSION).toBe(2);
    const key = adapterKey(adapter);
    expect(key).toBe('v2|nvidia|hopper|NVIDIA H200');
    expect(isCurrentAdapterKey(key)).toBe(true);
    expect(isCurrentAdapterKey(v1Key(adapter))).toBe(false);
    expect(isCurrentAdapterKey('v3|nvidia|hopper|NVIDIA H200')).toBe(false);
    const choice = { strategy: 'pointwise' as const, tile: '4x256' as const, timings: { pointwise: 1 }, measuredAt: 'x' };
    const doc: AutotuneDocument = { version: 1, adapters: { [v1Key(adapter)]: { k: choice }, [key]: { k: choice }, 'v3|x|y|z': { k: choice } } };
    expect(dropOtherVersions(doc).sort()).toEqual([v1Key(adapter), 'v3|x|y|z'].sort());
    expect(doc.adapters).toEqual({ [key]: { k: choice } });
    expect(dropOtherVersions(doc)).toEqual([]);
  });

  test('a stored tile is checked against the registry and against the strategy', () => {
    const s = conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 1, kernelWidth: 1 });
    const entry = (strategy: string, tile?: string) => ({ strategy, ...(tile !== undefined ? { tile } : {}), timings: {}, measuredAt: 'x' });
    for (const tile of GEMM_TILE_NAMES) {
      expect(storedChoiceProblem(entry('pointwise', tile), s)).toBeUndefined();
      expect(storedChoiceProblem(entry('im2col', tile), s)).toBeUndefined();
      expect(storedChoiceProblem(entry('direct', tile), s)).toMatch(/direct runs no GEMM/);
    }
    expect(storedChoiceProblem(entry('pointwise'), s)).toBeUndefined();
    expect(storedChoiceProblem(entry('pointwise', '8x8'), s)).toMatch(/unknown GEMM tile "8x8" \(known: 64x64, 16x128, 4x256, 64x16, 32x32, 128x128, 128x64, 64x64r\)/);
  });

  test('a choice stored under the previous version\'s key is not used (and is dropped); one under the current key is (a GPU run)', async () => {
    const ctx = await testContext();
    const g = new GraphBuilder();
    const x = g.input('x', [1, 12, 9, 11]);
    g.output(g.conv2d(x, { name: 'p1', outChannels: 12, kernel: 1 }), 'y');
    const graph = g.build();
    const exec = runPasses(lower(graph, randomWeights(graph, new Rng(3))), { deviceClass: ctx.deviceClass }, []);
    const key = shapeKey(conv2dShape({ batch: 1, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 12, kernelHeight: 1, kernelWidth: 1 }));
    // auto never runs im2col on a 1×1 (pointwise on a GPU, direct on a CPU): a used planted choice shows
    const planted = { [key]: { strategy: 'im2col' as const, tile: '4x256' as const, timings: { 'im2col/4x256': 0.1 }, measuredAt: 'test' } };
    const old = memoryAutotuneStore({ version: 1, adapters: { [v1Key(ctx.adapter)]: planted } });
    const measured = await autotuneConvs(ctx, exec, { store: old, runs: 1, warmup: 0, tiles: false });
    expect(measured.cached).toEqual([]);
    expect(measured.measured).toEqual([key]);
    expect(measured.layers.p1).toMatchObject({ cached: false });
    expect(measured.layers.p1!.tile).toBeUndefined(); // tiles: false measured plain strategies only
    const saved = await old.load();
    expect(Object.keys(saved.adapters)).toEqual([adapterKey(ctx.adapter)]);
    expect(Object.keys(saved.adapters[adapterKey(ctx.adapter)]!)).toEqual([key]);

    const current = memoryAutotuneStore({ version: 1, adapters: { [adapterKey(ctx.adapter)]: planted } });
    const used = await autotuneConvs(ctx, exec, { store: current, runs: 1, warmup: 0, tiles: false });
    expect(used.measured).toEqual([]);
    expect(used.cached).toEqual([key]);
    expect(used.layers.p1).toEqual({ shape: key, auto: measured.layers.p1!.auto, chosen: 'im2col/4x256', strategy: 'im2col', tile: '4x256', cached: true });
  });
});
