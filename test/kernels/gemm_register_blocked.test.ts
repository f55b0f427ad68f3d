/**
 * The register-blocked GEMM core (8×8 per invocation, vec4 operands in
 * workgroup memory, prefetch, FITS, folded grid) against the float64
 * reference: every tile of the registry that runs it, on shapes that are a
 * whole number of tiles (FITS) and shapes that are not, batch with strides,
 * output slices, the epilogue, a deep K, a grid folded past 65,535 rows of
 * tiles, and convs through im2col and pointwise forced onto its tiles.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { conv2dShape } from '../../src/kernels/conv2d_shape.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { GEMM_TILE_NAMES, GEMM_TILES, gemm, gemmTileOutputs, gemmTileThatRuns, type GemmTile, type GemmTileName } from '../../src/kernels/gemm.js';
import {
  gemmRegisterBlockedShader,
  registerBlockedTileProblem,
  registerBlockedWorkgroupBytes,
  registerBlockedWorkgroups,
} from '../../src/kernels/gemm_register_blocked.js';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../../src/kernels/geometry.js';
import { runConvNchw } from '../helpers/conv.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';
import { matmulRef } from '../reference/gemm.js';

const BLOCKED: GemmTileName[] = GEMM_TILE_NAMES.filter((n) => (GEMM_TILES[n] as GemmTile).core === 'register_blocked_8x8');
const fallbackOf = (tile: GemmTileName) => (GEMM_TILES[tile] as GemmTile).fallback as GemmTileName;
const fake = {} as GPUBuffer;
const fakeIo = { a: fake, b: fake, output: fake, unused: fake };

interface Case {
  m: number;
  n: number;
  k: number;
  batch: number;
  extraCols: number;
  colOffset: number;
  hasBias: boolean;
  hasResidual: boolean;
  activation: Activation;
}

/** Runs one case on `tile` and returns the relative L2 error against the float64 reference. */
async function runCase(c: Case, tile: GemmTileName, rng: Rng): Promise<{ error: number; fits: number; shader: string }> {
  const ctx = await testContext();
  const { m, n, k, batch } = c;
  const ldc = batch * n + c.extraCols;
  const a = rng.array(batch * m * k);
  const b = rng.array(batch * k * n);
  const bias = rng.array(batch * n);
  const residual = rng.array(m * batch * n);
  const initial = rng.array(m * ldc);
  const params = { m, n, k, batch, ldc, colOffset: c.colOffset };
  const spec = gemm(params, { ...fakeIo }, { activation: c.activation }, tile);
  const got = await runKernel(ctx, { a, b, bias, residual }, m * ldc, (buf, output) => [
    gemm(params, {
      a: buf.a!, b: buf.b!, output, unused: placeholderBuffer(ctx.device),
      bias: c.hasBias ? buf.bias : undefined, residual: c.hasResidual ? buf.residual : undefined,
    }, { activation: c.activation }, tile),
  ], initial);
  // each batch's product lands in its column block; the other columns keep their old values
  const expected = Float64Array.from(initial);
  for (let z = 0; z < batch; z++) {
    const resZ = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) resZ[i * n + j] = residual[i * batch * n + z * n + j]!;
    const out = matmulRef(a.subarray(z * m * k, (z + 1) * m * k), b.subarray(z * k * n, (z + 1) * k * n), m, n, k,
      c.hasBias ? bias.subarray(z * n, (z + 1) * n) : undefined, c.hasResidual ? resZ : undefined, c.activation);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expected[i * ldc + c.colOffset + z * n + j] = out[i * n + j]!;
  }
  return { error: relativeL2(got, expected), fits: spec.constants.FITS!, shader: spec.shader.name };
}

describe('register-blocked GEMM core', () => {
  const rng = new Rng(808);
  let worst = 0;
  let count = 0;
  afterAll(() => console.log(`[gemm_register_blocked] ${count} random cases, worst relative L2 ${worst.toExponential(2)}`));
  // few epilogues keep the pipelines few (~0.7 s each on SwiftShader): tile × FITS × epilogue
  const epilogues: Pick<Case, 'hasBias' | 'hasResidual' | 'activation'>[] = [
    { hasBias: false, hasResidual: false, activation: 'none' },
    { hasBias: true, hasResidual: true, activation: 'relu' },
  ];

  for (const tile of BLOCKED) {
    const { rows, cols } = gemmTileOutputs(tile);
    const tileK = GEMM_TILES[tile].tileK;
    for (let i = 0; i < 8; i++) {
      const fits = i % 2 === 0;
      // fitting: whole tiles; otherwise M odd or past a tile, N and K multiples of 4 but not of the tile
      const m = fits ? rows * rng.int(1, 2) : rng.pick([1, 3, rows - 1, rows + 5, 2 * rows + 1, rng.int(1, 3 * rows)]);
      const n = fits ? cols * rng.int(1, 2) : 4 * rng.pick([1, 3, cols / 4 - 1, cols / 4 + 3, rng.int(1, cols / 2)]);
      const k = fits ? tileK * rng.int(1, 6) : 4 * rng.pick([1, 3, 5, tileK / 4 + 1, rng.int(1, 40)]);
      const batch = rng.bool(0.35) ? rng.int(2, 3) : 1;
      const extraCols = rng.bool(0.35) ? rng.pick([4, 8, 12]) : 0;
      const colOffset = extraCols ? rng.pick([0, extraCols]) : 0;
      const c: Case = { m, n, k, batch, extraCols, colOffset, ...rng.pick(epilogues) };
      const seed = rng.int(1, 1 << 30);
      const fitsShape = m % rows === 0 && n % cols === 0 && k % tileK === 0;
      it(`${tile} m=${m} n=${n} k=${k} batch=${batch} ldc=${batch * n + extraCols} off=${colOffset} bias=${c.hasBias} res=${c.hasResidual} act=${c.activation} ${fitsShape ? 'FITS' : 'checked'}`, async () => {
        const r = await runCase(c, tile, new Rng(seed));
        worst = Math.max(worst, r.error);
        count++;
        expect(r.shader).toBe(gemmRegisterBlockedShader.name);
        expect(r.fits).toBe(fitsShape ? 1 : 0);
        expect(r.error).toBeLessThanOrEqual(F32_TOLERANCE);
      });
    }
  }

  it('more epilogues: sigmoid and silu with bias and residual', async () => {
    for (const activation of ['sigmoid', 'silu'] as const) {
      const r = await runCase({ m: 70, n: 36, k: 20, batch: 2, extraCols: 4, colOffset: 4, hasBias: true, hasResidual: true, activation }, '64x64r', rng);
      expect(r.error).toBeLessThanOrEqual(F32_TOLERANCE);
    }
  });

  // K = 4608 (VGG-16's 3×3×512): f32 accumulation error grows like √K; measured 1.2e-7·√K-ish, bound 4·2⁻²⁴·√K
  for (const [tile, m] of [['128x64', 128], ['64x64r', 67]] as const) {
    it(`deep K=4608 on ${tile} (m=${m}), tolerance sized by K`, async () => {
      const k = 4608;
      const r = await runCase({ m, n: 64, k, batch: 1, extraCols: 0, colOffset: 0, hasBias: true, hasResidual: false, activation: 'none' }, tile, rng);
      console.log(`[gemm_register_blocked] K=${k} ${tile}: relative L2 ${r.error.toExponential(2)} (bound ${(4 * 2 ** -24 * Math.sqrt(k)).toExponential(2)})`);
      expect(r.error).toBeLessThanOrEqual(4 * 2 ** -24 * Math.sqrt(k));
    });
  }
});

describe('register-blocked GEMM: grid folded past 65,535 row tiles', () => {
  it('spec: grids stay within WebGPU limits and cover every tile, unfolded grids are column × row tiles', () => {
    const rng = new Rng(31);
    for (let t = 0; t < 200; t++) {
      const tile = rng.pick(BLOCKED);
      const { rows, cols } = gemmTileOutputs(tile);
      const m = rng.bool(0.3) ? rng.int(65535 * rows - 5, 70000 * rows) : rng.int(1, 5000);
      const n = 4 * rng.int(1, rng.bool(0.2) ? 1000 : 40);
      const batch = rng.int(1, 3);
      const g = registerBlockedWorkgroups({ m, n, batch }, GEMM_TILES[tile]);
      const [rowTiles, colTiles] = [Math.ceil(m / rows), Math.ceil(n / cols)];
      for (const d of g) expect(d).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIMENSION);
      expect(g[2]).toBe(batch);
      if (rowTiles <= MAX_WORKGROUPS_PER_DIMENSION) expect(g).toEqual([colTiles, rowTiles, batch]);
      else {
        expect(g[0] * g[1]).toBeGreaterThanOrEqual(rowTiles * colTiles);
        // at most one row of the folded grid is partly spare
        expect(g[0] * (g[1] - 1)).toBeLessThan(rowTiles * colTiles);
      }
    }
  });

  // the shader unfolds any grid through num_workgroups: a lowered limit folds small shapes the same way 65,535 folds big ones
  for (const [tile, m, n, limit] of [['64x64r', 4 * 64 + 3, 8, 3], ['128x64', 5 * 128 + 1, 200, 5], ['128x128', 640, 256, 4]] as const) {
    it(`runs folded: ${tile} m=${m} n=${n} on a grid folded at ${limit} per dimension`, async () => {
      const ctx = await testContext();
      const k = 12;
      const rng = new Rng(m);
      const a = rng.array(m * k);
      const b = rng.array(k * n);
      const bias = rng.array(n);
      const residual = rng.array(m * n);
      const workgroups = registerBlockedWorkgroups({ m, n, batch: 1 }, GEMM_TILES[tile], limit);
      const { rows, cols } = gemmTileOutputs(tile);
      expect(workgroups[1]).toBeGreaterThan(1);
      expect(workgroups[0] * workgroups[1]).toBeGreaterThan(Math.ceil(m / rows) * Math.ceil(n / cols) - 1);
      const got = await runKernel(ctx, { a, b, bias, residual }, m * n, (buf, output) => [{
        ...gemm({ m, n, k }, { a: buf.a!, b: buf.b!, bias: buf.bias, residual: buf.residual, output, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }, tile),
        workgroups,
      }], new Float32Array(m * n).fill(Number.NaN));
      expect(relativeL2(got, matmulRef(a, b, m, n, k, bias, residual, 'relu'))).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  // 65,537 workgroups of 64 invocations: minutes on SwiftShader, so with the full suite only (npm run test:full-style flag)
  it.runIf(!!process.env.WEBGPU_CNN_FULL)('runs: 64x64r with ⌈M/64⌉ = 65,537 (M = 4,194,307, N = K = 4)', async () => {
    const ctx = await testContext();
    const [m, n, k] = [65536 * 64 + 3, 4, 4];
    const spec = gemm({ m, n, k }, fakeIo, {}, '64x64r');
    expect(spec.workgroups[1]).toBeGreaterThan(1); // folded: 65,537 tiles do not fit x alone
    expect(spec.workgroups[0] * spec.workgroups[1]).toBeGreaterThanOrEqual(65537);
    const rng = new Rng(5);
    const a = rng.array(m * k);
    const b = rng.array(k * n);
    const bias = rng.array(n);
    const got = await runKernel(ctx, { a, b, bias }, m * n, (buf, output) => [
      gemm({ m, n, k }, { a: buf.a!, b: buf.b!, bias: buf.bias, output, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }, '64x64r'),
    ], new Float32Array(m * n).fill(Number.NaN));
    expect(relativeL2(got, matmulRef(a, b, m, n, k, bias, undefined, 'relu'))).toBeLessThanOrEqual(F32_TOLERANCE);
  }, 900_000);
});

describe('register-blocked GEMM: routing, FITS and the registry', () => {
  it('FITS is set exactly when M, N and K are whole tiles', () => {
    const rng = new Rng(44);
    for (let t = 0; t < 300; t++) {
      const tile = rng.pick(BLOCKED);
      const { rows, cols } = gemmTileOutputs(tile);
      const tileK = GEMM_TILES[tile].tileK;
      const m = rng.bool() ? rows * rng.int(1, 4) : rng.int(1, 600);
      const n = rng.bool() ? cols * rng.int(1, 4) : 4 * rng.int(1, 100);
      const k = rng.bool() ? tileK * rng.int(1, 4) : 4 * rng.int(1, 100);
      const spec = gemm({ m, n, k }, fakeIo, {}, tile);
      expect(spec.shader).toBe(gemmRegisterBlockedShader);
      expect(spec.constants).toMatchObject({ WG_X: GEMM_TILES[tile].wgX, WG_Y: GEMM_TILES[tile].wgY, TILE_K: tileK });
      expect(spec.constants.FITS).toBe(m % rows === 0 && n % cols === 0 && k % tileK === 0 ? 1 : 0);
    }
  });

  it('a shape that is not vec4-aligned runs the fallback tile of the 4×4 core, and computes the product', async () => {
    for (const tile of BLOCKED) {
      for (const p of [{ m: 70, n: 30, k: 20 }, { m: 70, n: 32, k: 21 }, { m: 9, n: 8, k: 8, ldc: 10, colOffset: 2 }]) {
        const spec = gemm(p, fakeIo, {}, tile);
        const fallback = fallbackOf(tile);
        expect(gemmTileThatRuns(tile, p)).toBe(fallback);
        expect(spec.shader.name).not.toBe(gemmRegisterBlockedShader.name);
        expect(spec.constants).toMatchObject({ WG_X: GEMM_TILES[fallback].wgX, WG_Y: GEMM_TILES[fallback].wgY, TILE_K: GEMM_TILES[fallback].tileK });
      }
    }
    const r = await runCase({ m: 70, n: 30, k: 21, batch: 2, extraCols: 3, colOffset: 3, hasBias: true, hasResidual: true, activation: 'relu' }, '128x64', new Rng(9));
    expect(r.shader).toBe('gemm_tiled');
    expect(r.error).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('every register-blocked tile: shader constraints hold, ≤ 16 KiB of workgroup memory, ≤ 256 invocations, a 4×4-core fallback', () => {
    expect(BLOCKED.length).toBeGreaterThanOrEqual(3);
    for (const tile of BLOCKED) {
      const t = GEMM_TILES[tile];
      expect(registerBlockedTileProblem(t)).toBeUndefined();
      expect(registerBlockedWorkgroupBytes(t)).toBeLessThanOrEqual(16384);
      expect(t.wgX * t.wgY).toBeLessThanOrEqual(256);
      expect((GEMM_TILES[fallbackOf(tile)] as GemmTile).core).toBeUndefined();
    }
    expect(registerBlockedTileProblem({ wgX: 16, wgY: 16, tileK: 4 })).toMatch(/do not split/);
    expect(registerBlockedTileProblem({ wgX: 32, wgY: 16, tileK: 16 })).toMatch(/256/);
  });
});

describe('convs through the register-blocked core (im2col and pointwise forced onto its tiles)', () => {
  const rng = new Rng(2024);
  const layers = [
    { strategy: 'pointwise', p: { batch: 2, inHeight: 9, inWidth: 11, inChannels: 24, outChannels: 68, kernelHeight: 1, kernelWidth: 1 } },
    { strategy: 'pointwise', p: { batch: 1, inHeight: 16, inWidth: 16, inChannels: 32, outChannels: 64, kernelHeight: 1, kernelWidth: 1 } },
    { strategy: 'im2col', p: { batch: 1, inHeight: 13, inWidth: 10, inChannels: 8, outChannels: 40, kernelHeight: 3, kernelWidth: 3, pad: 1 } },
    { strategy: 'im2col', p: { batch: 2, inHeight: 7, inWidth: 9, inChannels: 6, outChannels: 24, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, pad: 1, groups: 2 } },
  ] as const;
  for (const tile of BLOCKED) {
    for (const { strategy, p } of layers) {
      it(`${strategy}/${tile} ${JSON.stringify(p)}`, async () => {
        const s = conv2dShape(p);
        const spec = CONV_STRATEGIES[strategy].dispatches(s, { input: fake, weight: fake, output: fake, scratch: fake, unused: fake }, {}, { channelStride: s.outChannels, channelOffset: 0 }, tile).at(-1)!;
        expect(spec.shader).toBe(gemmRegisterBlockedShader);
        const x = rng.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
        const w = rng.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
        const bias = rng.array(s.outChannels);
        const residual = rng.array(s.batch * s.outChannels * s.outHeight * s.outWidth);
        const epilogue = { activation: 'relu6' as const, hasBias: true, hasResidual: true };
        const got = await runConvNchw(await testContext(), s, strategy, { x, w, bias, residual }, epilogue, undefined, tile);
        expect(relativeL2(got.nchw, conv2dRef(s, x, w, bias, residual, 'relu6').y)).toBeLessThanOrEqual(F32_TOLERANCE);
      });
    }
  }
});
