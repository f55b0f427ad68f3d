import { describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import { ACTIVATIONS } from '../../src/kernels/epilogue.js';
import {
  DEFAULT_GEMM_TILE, fullyConnected, gemm, gemmTileFor, gemmUsesVec4, linearWeightToGemm, NARROW_GEMM_TILE, SHORT_GEMM_TILE, SKINNY_GEMM_TILE, SMALL_GEMM_TILE,
} from '../../src/kernels/gemm.js';
import { InvalidParameterError } from '../../src/errors.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { matmulRef } from '../reference/gemm.js';

describe('tiled GEMM', () => {
  const rng = new Rng(11);
  const sizes = [1, 3, 4, 5, 7, 8, 13, 16, 17, 31, 64, 65, 67, 100, 129];

  for (let t = 0; t < 60; t++) {
    const m = rng.pick(sizes);
    const n = rng.pick(sizes);
    const k = rng.pick([...sizes, 147, 256, 300]);
    const batch = rng.bool(0.3) ? rng.int(2, 3) : 1;
    const extraCols = rng.bool(0.3) ? rng.pick([0, 3, 4, 8]) : 0;
    const colOffset = extraCols ? rng.pick([0, extraCols]) : 0;
    const ldc = batch * n + extraCols;
    const hasBias = rng.bool();
    const hasResidual = rng.bool(0.3);
    const activation = rng.pick(ACTIVATIONS);
    // the tile chosen for m×n, or any tile forced (as autotuning will)
    const tile = rng.bool(0.6) ? gemmTileFor(m, n) : rng.pick([DEFAULT_GEMM_TILE, SHORT_GEMM_TILE, SKINNY_GEMM_TILE, NARROW_GEMM_TILE, SMALL_GEMM_TILE]);
    const vec4 = gemmUsesVec4({ m, n, k, batch, aBatchStride: m * k, bBatchStride: k * n, ldc, colOffset, residualStride: batch * n });
    it(`m=${m} n=${n} k=${k} batch=${batch} ldc=${ldc} off=${colOffset} bias=${hasBias} res=${hasResidual} act=${activation} tile=${tile.wgX}x${tile.wgY}/${tile.tileK} ${vec4 ? 'vec4' : 'scalar'}`, async () => {
      const ctx = await testContext();
      const a = rng.array(batch * m * k);
      const b = rng.array(batch * k * n);
      const bias = rng.array(batch * n);
      const residual = rng.array(m * batch * n);
      const initial = rng.array(m * ldc);
      const inputs: Record<string, Float32Array> = { a, b, bias, residual };
      const got = await runKernel(ctx, inputs, m * ldc, (buf, output) => [
        gemm(
          { m, n, k, batch, ldc, colOffset },
          {
            a: buf.a!,
            b: buf.b!,
            bias: hasBias ? buf.bias : undefined,
            residual: hasResidual ? buf.residual : undefined,
            output,
            unused: placeholderBuffer(ctx.device),
          },
          { activation },
          tile,
        ),
      ], initial);
      // reference: each group's product lands in its column block; other columns keep their old values
      const expected = Float64Array.from(initial);
      for (let z = 0; z < batch; z++) {
        const resZ = new Float64Array(m * n);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) resZ[i * n + j] = residual[i * batch * n + z * n + j]!;
        const c = matmulRef(a.subarray(z * m * k, (z + 1) * m * k), b.subarray(z * k * n, (z + 1) * k * n), m, n, k,
          hasBias ? bias.subarray(z * n, (z + 1) * n) : undefined, hasResidual ? resZ : undefined, activation);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expected[i * ldc + colOffset + z * n + j] = c[i * n + j]!;
      }
      expect(relativeL2(got, expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('picks the tile by rows first, then by columns', () => {
    expect(gemmTileFor(1, 1000)).toBe(SKINNY_GEMM_TILE);
    expect(gemmTileFor(12, 16)).toBe(SHORT_GEMM_TILE);
    expect(gemmTileFor(12544, 16)).toBe(NARROW_GEMM_TILE);
    expect(gemmTileFor(3136, 24)).toBe(SMALL_GEMM_TILE);
    expect(gemmTileFor(3136, 33)).toBe(DEFAULT_GEMM_TILE);
    expect(gemmTileFor(3136)).toBe(DEFAULT_GEMM_TILE);
  });

  // pointwise convs with few channels (MobileNet v1 at width 0.25): many rows, N and K of a few vec4s or odd
  for (const [m, n, k] of [[300, 16, 8], [257, 8, 16], [130, 24, 12], [199, 13, 7], [150, 30, 40]] as const) {
    it(`narrow shapes m=${m} n=${n} k=${k} on their own tile`, async () => {
      const ctx = await testContext();
      const a = rng.array(m * k);
      const b = rng.array(k * n);
      const bias = rng.array(n);
      const got = await runKernel(ctx, { a, b, bias }, m * n, (buf, output) => [
        gemm({ m, n, k }, { a: buf.a!, b: buf.b!, bias: buf.bias, output, unused: placeholderBuffer(ctx.device) }, { activation: 'relu' }),
      ]);
      expect(relativeL2(got, matmulRef(a, b, m, n, k, bias, undefined, 'relu'))).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }

  it('fully connected with PyTorch weight layout', async () => {
    const ctx = await testContext();
    const [batch, inF, outF] = [3, 50, 10];
    const x = rng.array(batch * inF);
    const w = rng.array(outF * inF);
    const bias = rng.array(outF);
    const got = await runKernel(ctx, { x, wt: linearWeightToGemm(w, outF, inF), bias }, batch * outF, (buf, output) => [
      fullyConnected({ batch, inFeatures: inF, outFeatures: outF }, { a: buf.x!, b: buf.wt!, bias: buf.bias, output, unused: placeholderBuffer(ctx.device) }),
    ]);
    const expected = new Float64Array(batch * outF);
    for (let i = 0; i < batch; i++) for (let o = 0; o < outF; o++) {
      let s = bias[o]!;
      for (let j = 0; j < inF; j++) s += x[i * inF + j]! * w[o * inF + j]!;
      expected[i * outF + o] = s;
    }
    expect(relativeL2(got, expected)).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('names a bad parameter', () => {
    const f = {} as GPUBuffer;
    expect(() => gemm({ m: 0, n: 1, k: 1 }, { a: f, b: f, output: f, unused: f })).toThrow(InvalidParameterError);
    expect(() => gemm({ m: 2, n: 8, k: 1, ldc: 4 }, { a: f, b: f, output: f, unused: f })).toThrow(/ldc/);
  });
});
