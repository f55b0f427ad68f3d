/**
 * The GEMM grid planner as a pure function (no GPU): every GEMM the zoo's
 * ResNet-50 and MobileNetV2 launch at batch 1 under the GPU rules fills a
 * 132-SM device, and the rules' edges on small cases.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { computeUnitsOf, DEFAULT_COMPUTE_UNITS } from '../../src/gpu/compute_units.js';
import { lower } from '../../src/graph/exec_graph.js';
import { nodeKernel } from '../../src/graph/node_kernels.js';
import { runPasses } from '../../src/graph/passes/index.js';
import { GEMM_TILES } from '../../src/kernels/gemm.js';
import { MIN_SPLIT_K_STEPS, gemmTiles, planGemmGrid } from '../../src/kernels/gemm_grid.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { zooModel } from '../../src/models/zoo.js';

const H200 = 132;

/**
 * Every GEMM dispatch the compiled graph would launch — the tiled GEMM of
 * either core and the implicit-GEMM conv; split-K reduces are not GEMMs —
 * from its kernels' own specs.
 */
function gemmLaunches(id: string, computeUnits: number): { layer: string; workgroups: number; splitK: number; m: number; n: number; k: number; tile: string }[] {
  const graph = zooModel(id).build({ batch: 1, inputSize: 224 });
  const exec = runPasses(lower(graph, randomWeights(graph, 5)), { deviceClass: 'gpu', computeUnits }, []);
  const f = {} as GPUBuffer;
  const bindings = { read: () => f, write: f, slice: { channelStride: 1 << 20, channelOffset: 0 }, weights: new Proxy({}, { get: () => f }), scratch: f, partials: f, unused: f };
  const out = [];
  for (const n of exec.nodes) {
    if (n.kind !== 'conv' && n.kind !== 'linear') continue;
    const kernel = nodeKernel(exec, n, 1 << 30, computeUnits);
    for (const d of kernel.dispatches(bindings)) {
      const core = d.shader.name.startsWith('gemm_register_blocked') ? 8 : 4;
      if (!/^(gemm_tiled|gemm_register_blocked|conv2d_implicit_gemm)/.test(d.shader.name)) continue;
      const u = d.uniforms as Record<string, number>;
      const [x, y, z] = d.workgroups;
      const tile = `${(d.constants.WG_Y ?? 0) * core}x${(d.constants.WG_X ?? 0) * core}`;
      out.push({ layer: n.name, workgroups: x * y * z, splitK: u.kSlice ? Math.ceil(u.k! / u.kSlice) : 1, m: u.m!, n: u.n!, k: u.k!, tile });
    }
  }
  return out;
}

describe('GEMM grid planner on the zoo (batch 1, 224², GPU rules, 132 SMs)', () => {
  for (const id of ['resnet50', 'mobilenet_v2']) {
    it(`${id}: every GEMM launches at least one wave`, () => {
      const launches = gemmLaunches(id, H200);
      expect(launches.length).toBeGreaterThan(id === 'resnet50' ? 50 : 30);
      const short = launches.filter((l) => l.workgroups < H200);
      expect(short).toEqual([]);
      // the late layers really are split (and the early ones are not)
      const split = launches.filter((l) => l.splitK > 1);
      expect(split.length).toBeGreaterThan(5);
      expect(launches.filter((l) => l.m >= 12544).every((l) => l.splitK === 1)).toBe(true);
      console.log(`${id}: ${launches.length} GEMMs, ${split.length} split; fewest workgroups ${Math.min(...launches.map((l) => l.workgroups))}; e.g. ` +
        split.slice(-4).map((l) => `${l.layer} ${l.m}×${l.n}×${l.k} ${l.tile} ×${l.splitK} → ${l.workgroups}`).join('; '));
    });
  }

  it('without the planner (1 compute unit) the same late GEMMs launch a few workgroups: what the issue measured', () => {
    const launches = gemmLaunches('resnet50', 1);
    const conv2 = launches.find((l) => l.layer === 'layer4.0.conv2')!;
    expect([conv2.m, conv2.n, conv2.k, conv2.workgroups, conv2.splitK]).toEqual([49, 512, 4608, 8, 1]);
  });
});

describe('GEMM grid planner rules', () => {
  const d = { computeUnits: H200 };

  it('ResNet-50 layer4 3×3: 8 workgroups of 288 K-steps become 17 slices of 17 steps', () => {
    expect(planGemmGrid({ m: 49, n: 512, k: 4608 }, d)).toEqual({ tile: '64x64', splitK: 17, kSlice: 272, workgroups: 136, waves: 136 / H200 });
  });

  it('a GEMM that fills the device is never split, on its least-wasteful tile', () => {
    for (const [m, n, k] of [[12544, 64, 576], [3136, 256, 64], [12544, 16, 8], [6272, 128, 1152]] as const) {
      const plan = planGemmGrid({ m, n, k }, d);
      expect(plan.splitK).toBe(1);
      expect(plan.kSlice).toBe(k);
      expect(plan.workgroups).toBeGreaterThanOrEqual(H200);
    }
    expect(planGemmGrid({ m: 12544, n: 16, k: 8 }, d).tile).toBe('64x16');
  });

  it('a tiny GEMM that cannot fill a wave stays unsplit (K too short to cut)', () => {
    for (const [m, n, k] of [[4, 8, 16], [10, 10, 15], [1, 10, 8 * (2 * MIN_SPLIT_K_STEPS - 1)]] as const) {
      const plan = planGemmGrid({ m, n, k }, d);
      expect(plan.splitK).toBe(1);
      expect(plan.workgroups).toBeLessThan(H200);
    }
  });

  it('K edges: a slice keeps at least MIN_SPLIT_K_STEPS steps of TILE_K', () => {
    const tileK = GEMM_TILES['4x256'].tileK;
    // 1×10 is one 4x256 workgroup: it wants 132 slices, K allows k / (4·tileK)
    for (const steps of [2 * MIN_SPLIT_K_STEPS, 2 * MIN_SPLIT_K_STEPS + 1, 5 * MIN_SPLIT_K_STEPS - 1, 40, 1000]) {
      const plan = planGemmGrid({ m: 1, n: 10, k: steps * tileK }, d);
      expect(plan.tile).toBe('4x256');
      expect(plan.splitK).toBeGreaterThan(1);
      expect(plan.kSlice / tileK).toBeGreaterThanOrEqual(MIN_SPLIT_K_STEPS);
      expect(plan.splitK).toBeLessThanOrEqual(Math.floor(steps / MIN_SPLIT_K_STEPS));
      expect((plan.splitK - 1) * plan.kSlice).toBeLessThan(steps * tileK);
    }
    // slices of whole steps: 1000 steps in 132 slices would be 125 slices of 8, so 143 of 7 it is
    expect(planGemmGrid({ m: 1, n: 10, k: 1000 * tileK }, d)).toMatchObject({ splitK: 143, kSlice: 7 * tileK });
  });

  it('the tile may change only to one that pads no more (MobileNetV2 960→160 at 7×7: 64x64 cannot reach a wave)', () => {
    const p = { m: 49, n: 160, k: 960 };
    const plan = planGemmGrid(p, d);
    expect(plan.tile).not.toBe('64x64');
    expect(plan.workgroups).toBeGreaterThanOrEqual(H200);
    expect(plan.workgroups).toBe(gemmTiles(p, plan.tile) * plan.splitK);
    // a fixed tile is kept: only its split is planned (and here it cannot reach a wave)
    const fixed = planGemmGrid(p, d, '64x64');
    expect(fixed.tile).toBe('64x64');
    expect(fixed.splitK).toBe(960 / 16 / MIN_SPLIT_K_STEPS);
    expect(fixed.workgroups).toBeLessThan(H200);
    // a 1-row classifier never moves off the 4-row tile (the others pad 4–16× more rows), nor 49 rows onto it (7× the loads)
    expect(planGemmGrid({ m: 1, n: 1000, k: 2048 }, d).tile).toBe('4x256');
    expect(planGemmGrid({ m: 49, n: 960, k: 160 }, d).tile).toBe('32x32');
  });

  it('products side by side (conv groups), one compute unit, and the partials budget', () => {
    expect(planGemmGrid({ m: 49, n: 32, k: 1152, batch: 4 }, d).splitK).toBe(1);
    expect(planGemmGrid({ m: 49, n: 512, k: 4608 }, { computeUnits: 1 }).splitK).toBe(1);
    const capped = planGemmGrid({ m: 49, n: 512, k: 4608 }, { computeUnits: H200, maxPartialFloats: 4 * 49 * 512 });
    expect(capped.splitK).toBe(4);
  });

  it('names a bad parameter', () => {
    expect(() => planGemmGrid({ m: 0, n: 1, k: 1 }, d)).toThrow(InvalidParameterError);
    expect(() => planGemmGrid({ m: 1, n: 1, k: 1.5 }, d)).toThrow(/k/);
    expect(() => planGemmGrid({ m: 1, n: 1, k: 1 }, { computeUnits: 0 })).toThrow(/computeUnits/);
  });
});

describe('compute units of an adapter', () => {
  it('a table for known GPUs, a documented default for others, threads for CPU emulation', () => {
    expect(computeUnitsOf({ vendor: 'nvidia', architecture: 'hopper', description: '' }, 'gpu')).toBe(132);
    expect(computeUnitsOf({ vendor: 'nvidia', architecture: '', description: 'NVIDIA H200' }, 'gpu')).toBe(132);
    expect(computeUnitsOf({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA A100-SXM4-80GB' }, 'gpu')).toBe(108);
    expect(computeUnitsOf({ vendor: 'apple', architecture: 'metal-3', description: '' }, 'gpu')).toBe(38);
    expect(computeUnitsOf({ vendor: 'some vendor', architecture: 'canada', description: '' }, 'gpu')).toBe(DEFAULT_COMPUTE_UNITS);
    expect(computeUnitsOf({ vendor: 'google', architecture: 'swiftshader', description: '' }, 'cpu', 6)).toBe(6);
    expect(computeUnitsOf({}, 'cpu', undefined)).toBeGreaterThanOrEqual(1);
  });
});
