import { afterAll, describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import type { Activation } from '../../src/kernels/epilogue.js';
import { GEMM_TILES, GEMM_TILE_NAMES, gemm, gemmUsesVec4, type GemmTileName } from '../../src/kernels/gemm.js';
import { splitKSlices } from '../../src/kernels/gemm_grid.js';
import { gemmDispatches, splitKScratchFloats } from '../../src/kernels/split_k.js';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../../src/kernels/geometry.js';
import { InvalidParameterError, UnsupportedConfigurationError } from '../../src/errors.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { matmulRef } from '../reference/gemm.js';

/** The float64 GEMM with groups side by side, written into a copy of `initial` at its channel slice. */
function referenceOf(
  initial: Float32Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, batch: number, ldc: number, colOffset: number,
  bias: Float32Array | undefined, residual: Float32Array | undefined, activation: Activation,
): Float64Array {
  const expected = Float64Array.from(initial);
  for (let z = 0; z < batch; z++) {
    const resZ = residual ? new Float64Array(m * n) : undefined;
    if (resZ) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) resZ[i * n + j] = residual![i * batch * n + z * n + j]!;
    const c = matmulRef(a.subarray(z * m * k, (z + 1) * m * k), b.subarray(z * k * n, (z + 1) * k * n), m, n, k, bias?.subarray(z * n, (z + 1) * n), resZ, activation);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expected[i * ldc + colOffset + z * n + j] = c[i * n + j]!;
  }
  return expected;
}

describe('split-K GEMM', () => {
  const rng = new Rng(1401);
  const errors: number[] = [];
  afterAll(() => console.log(`split-K: ${errors.length} GPU cases, max relative L2 ${Math.max(...errors).toExponential(2)} (tolerance ${F32_TOLERANCE})`));

  for (let t = 0; t < 16; t++) {
    const m = rng.pick([5, 9, 17, 33, 49, 70]);
    const n = rng.pick([3, 8, 13, 16, 36, 64, 70]);
    // K long enough for the slices, often not a multiple of 4 (the scalar file) nor of the split
    const k = rng.pick([37, 64, 99, 130, 203, 256, 301]);
    const splitK = rng.int(2, 8);
    const batch = rng.bool(0.25) ? rng.int(2, 3) : 1;
    const extraCols = rng.bool(0.4) ? rng.pick([3, 4, 8]) : 0;
    const colOffset = extraCols ? rng.pick([0, extraCols]) : 0;
    const ldc = batch * n + extraCols;
    const hasBias = rng.bool(0.7);
    const hasResidual = rng.bool(0.4);
    const activation = rng.pick<Activation>(['none', 'relu', 'relu6', 'leaky_relu']);
    const tile: GemmTileName = rng.bool(0.5) ? '64x64' : rng.pick(GEMM_TILE_NAMES);
    const slices = splitKSlices(k, GEMM_TILES[tile].tileK, splitK).slices;
    const vec4 = gemmUsesVec4({ m, n, k, batch, aBatchStride: m * k, bBatchStride: k * n, ldc, colOffset, residualStride: batch * n });
    it(`m=${m} n=${n} k=${k} splitK=${splitK}→${slices} batch=${batch} ldc=${ldc} off=${colOffset} bias=${hasBias} res=${hasResidual} act=${activation} tile=${tile} ${vec4 ? 'vec4' : 'scalar'}`, async () => {
      const ctx = await testContext();
      const a = rng.array(batch * m * k);
      const b = rng.array(batch * k * n);
      const bias = rng.array(batch * n);
      const residual = rng.array(m * batch * n);
      const initial = rng.array(m * ldc);
      const params = { m, n, k, batch, ldc, colOffset };
      const partialFloats = splitKScratchFloats(params, { tile, splitK });
      expect(partialFloats).toBe(slices * m * batch * n);
      // garbage in the partials: every slot must be written before it is summed
      const got = await runKernel(ctx, { a, b, bias, residual, partials: rng.array(partialFloats, 100, 200) }, m * ldc, (buf, output) => {
        const specs = gemmDispatches(
          params,
          { a: buf.a!, b: buf.b!, bias: hasBias ? buf.bias : undefined, residual: hasResidual ? buf.residual : undefined, output, partials: buf.partials, unused: placeholderBuffer(ctx.device) },
          { activation },
          { tile, splitK },
        );
        expect(specs.map((s) => s.shader.name)).toEqual([vec4 ? 'gemm_tiled_vec4' : 'gemm_tiled', 'split_k_reduce']);
        return specs;
      }, initial);
      const err = relativeL2(got, referenceOf(initial, a, b, m, n, k, batch, ldc, colOffset, hasBias ? bias : undefined, hasResidual ? residual : undefined, activation));
      errors.push(err);
      expect(err).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('slices are whole TILE_K steps, none empty, together exactly K', () => {
    for (let k = 1; k <= 200; k += 7) for (const tileK of [8, 16]) for (let req = 1; req <= 12; req++) {
      const { kSlice, slices } = splitKSlices(k, tileK, req);
      expect(slices).toBeLessThanOrEqual(req);
      expect(slices).toBeGreaterThanOrEqual(1);
      if (slices > 1) {
        expect(kSlice % tileK).toBe(0);
        expect((slices - 1) * kSlice).toBeLessThan(k);
        expect(slices * kSlice).toBeGreaterThanOrEqual(k);
      } else expect(kSlice).toBeGreaterThanOrEqual(k);
    }
    expect(splitKSlices(10 * 16, 16, 4)).toEqual({ kSlice: 48, slices: 4 });
    expect(splitKSlices(9 * 16, 16, 4)).toEqual({ kSlice: 48, slices: 3 });
    expect(() => splitKSlices(64, 16, 0)).toThrow(InvalidParameterError);
  });

  it('splitK 1 (or a K of one step) is the plain GEMM, and a split without partials is a clear error', () => {
    const f = {} as GPUBuffer;
    const io = { a: f, b: f, output: f, unused: f };
    expect(gemmDispatches({ m: 9, n: 8, k: 64 }, io, {}, { splitK: 1 })).toEqual([gemm({ m: 9, n: 8, k: 64 }, io)]);
    expect(gemmDispatches({ m: 9, n: 8, k: 16 }, io, {}, { tile: '64x64', splitK: 4 })).toHaveLength(1);
    expect(splitKScratchFloats({ m: 9, n: 8, k: 16 }, { tile: '64x64', splitK: 4 })).toBe(0);
    expect(() => gemmDispatches({ m: 9, n: 8, k: 64 }, io, {}, { splitK: 2 })).toThrow(UnsupportedConfigurationError);
  });
});

describe('folded GEMM grid', () => {
  it('row tiles past 65,535 fold into z (VGG-16 conv1_2 at batch 84 on the 64-row tile)', () => {
    const f = {} as GPUBuffer;
    const m = 84 * 224 * 224;
    const spec = gemm({ m, n: 64, k: 576 }, { a: f, b: f, output: f, unused: f }, {}, '64x64');
    const [x, y, z] = spec.workgroups;
    expect(Math.ceil(m / 64)).toBeGreaterThan(MAX_WORKGROUPS_PER_DIMENSION);
    expect([x, y, z].every((d) => d <= MAX_WORKGROUPS_PER_DIMENSION)).toBe(true);
    expect(x).toBe(1);
    expect(y * z).toBeGreaterThanOrEqual(Math.ceil(m / 64));
    expect((y - 1) * z).toBeLessThan(Math.ceil(m / 64));
    // 65,535 column tiles of 256 is the one grid that cannot fold
    expect(() => gemm({ m: 4, n: 256 * 65536, k: 4 }, { a: f, b: f, output: f, unused: f }, {}, '4x256')).toThrow(InvalidParameterError);
  });

  // one GPU case: 65,538 workgroups take minutes on SwiftShader (both files unfold through the same gemm_place)
  for (const [n, k, vec4] of [[4, 4, true]] as const) {
    it(`⌈M/4⌉ > 65,535 on the 4-row tile, n=${n} k=${k} (${vec4 ? 'vec4' : 'scalar'})`, async () => {
      const ctx = await testContext();
      const rng = new Rng(1402 + n);
      const m = 4 * MAX_WORKGROUPS_PER_DIMENSION + 37;
      const a = rng.array(m * k);
      const b = rng.array(k * n);
      const bias = rng.array(n);
      const spec = gemm({ m, n, k }, { a: {} as GPUBuffer, b: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer }, {}, '4x256');
      expect(spec.workgroups[2]).toBe(2);
      expect(spec.shader.name).toBe(vec4 ? 'gemm_tiled_vec4' : 'gemm_tiled');
      const got = await runKernel(ctx, { a, b, bias }, m * n, (buf, output) => [
        gemm({ m, n, k }, { a: buf.a!, b: buf.b!, bias: buf.bias, output, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }, '4x256'),
      ]);
      // every row, the last ones (in the second z layer) included
      const expected = matmulRef(a, b, m, n, k, bias, undefined, 'relu');
      expect(relativeL2(got, expected)).toBeLessThanOrEqual(F32_TOLERANCE);
      let worst = 0;
      for (let i = (m - 64) * n; i < m * n; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-5);
    });
  }
});
