import { describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import { ACTIVATIONS } from '../../src/kernels/epilogue.js';
import { GEMM_TILE_NAMES, GEMM_TILES, gemm, gemmTileFor, gemmTileOutputs, gemmTileThatRuns, gemmUsesVec4, isGemmTileName, linearWeightToGemm, type GemmTile, type GemmTileName } from '../../src/kernels/gemm.js';
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
    // the epilogue's activations up to clip; the later ones (log, sqrt… undefined for negative sums) have activation_family and the fused conv tests
    const activation = rng.pick(ACTIVATIONS.slice(0, ACTIVATIONS.indexOf('clip') + 1));
    // the tile chosen for m×n, or any registry tile forced (as autotuning does)
    const tile: GemmTileName = rng.bool(0.6) ? gemmTileFor(m, n) : rng.pick(GEMM_TILE_NAMES);
    const vec4 = gemmUsesVec4({ m, n, k, batch, aBatchStride: m * k, bBatchStride: k * n, ldc, colOffset, residualStride: batch * n });
    it(`m=${m} n=${n} k=${k} batch=${batch} ldc=${ldc} off=${colOffset} bias=${hasBias} res=${hasResidual} act=${activation} tile=${tile} ${vec4 ? 'vec4' : 'scalar'}`, async () => {
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
    expect(gemmTileFor(1, 1000)).toBe('4x256');
    expect(gemmTileFor(12, 16)).toBe('16x128');
    expect(gemmTileFor(12544, 16)).toBe('64x16');
    expect(gemmTileFor(3136, 24)).toBe('32x32');
    expect(gemmTileFor(3136, 33)).toBe('64x64');
    expect(gemmTileFor(100, 64)).toBe('64x64');
    expect(gemmTileFor(128, 64)).toBe('128x64');
    expect(gemmTileFor(3136)).toBe('128x64');
    // every tile the heuristic picks is in the registry, and the registry has no tile it never could
    const picked = new Set<string>();
    for (const m of [1, 4, 5, 16, 17, 100, 3136]) for (const n of [1, 16, 17, 32, 33, 1000]) picked.add(gemmTileFor(m, n));
    // (of the register-blocked tiles only 128x64; the others are autotune candidates and forced tiles)
    expect([...picked].sort()).toEqual([...GEMM_TILE_NAMES.filter((n) => !(GEMM_TILES[n] as GemmTile).core), '128x64'].sort());
  });

  it('the tile registry: names are the outputs per workgroup (rows×cols; r: a register-blocked twin), K steps of 4, workgroups within WebGPU limits', () => {
    expect(GEMM_TILE_NAMES).toEqual(['64x64', '16x128', '4x256', '64x16', '32x32', '128x128', '128x64', '64x64r']);
    for (const name of GEMM_TILE_NAMES) {
      const t: GemmTile = GEMM_TILES[name];
      const { rows, cols } = gemmTileOutputs(name);
      expect([rows, cols]).toEqual(t.core ? [t.wgY * 8, t.wgX * 8] : [t.wgY * 4, t.wgX * 4]);
      expect(name.replace(/r$/, '')).toBe(`${rows}x${cols}`);
      expect(t.tileK % 4).toBe(0);
      expect(t.wgX * t.wgY).toBeLessThanOrEqual(256);
      expect(isGemmTileName(name)).toBe(true);
    }
    for (const other of ['9x9', '', 'toString', '__proto__', 3, undefined]) expect(isGemmTileName(other)).toBe(false);
  });

  it('the dispatch runs on the tile it is given (default: gemmTileFor) and its grid covers the output', () => {
    const f = {} as GPUBuffer;
    const rng = new Rng(12);
    for (let t = 0; t < 50; t++) {
      const [m, n, batch] = [rng.int(1, 300), rng.int(1, 300), rng.int(1, 3)];
      for (const tile of [undefined, ...GEMM_TILE_NAMES]) {
        const spec = gemm({ m, n, k: 8, batch }, { a: f, b: f, output: f, unused: f }, {}, tile);
        // a register-blocked tile on a shape that is not vec4-aligned runs its 4×4-core fallback
        const ran = gemmTileThatRuns(tile ?? gemmTileFor(m, n), { m, n, k: 8, batch });
        const used: GemmTile = GEMM_TILES[ran];
        const { rows, cols } = gemmTileOutputs(ran);
        expect(spec.constants).toMatchObject({ WG_X: used.wgX, WG_Y: used.wgY, TILE_K: used.tileK });
        expect(spec.workgroups[0] * cols).toBeGreaterThanOrEqual(n);
        expect((spec.workgroups[0] - 1) * cols).toBeLessThan(n);
        if (used.core) {
          // the register-blocked core: row tiles in y, batches in z (its own grid)
          expect(spec.workgroups[1] * rows).toBeGreaterThanOrEqual(m);
          expect((spec.workgroups[1] - 1) * rows).toBeLessThan(m);
          expect(spec.workgroups[2]).toBe(batch);
        } else {
          // y numbers (row tile, batch) pairs, row tiles fastest (gemm_grid.wgsl); z folds only past 65,535
          expect(spec.workgroups[1]).toBe(Math.ceil(m / rows) * batch);
          expect(spec.workgroups[2]).toBe(1);
        }
      }
    }
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

  it('fully connected with PyTorch weight layout (the GEMM a linear layer runs)', async () => {
    const ctx = await testContext();
    const [batch, inF, outF] = [3, 50, 10];
    const x = rng.array(batch * inF);
    const w = rng.array(outF * inF);
    const bias = rng.array(outF);
    const got = await runKernel(ctx, { x, wt: linearWeightToGemm(w, outF, inF), bias }, batch * outF, (buf, output) => [
      gemm({ m: batch, n: outF, k: inF, ldc: outF, colOffset: 0 }, { a: buf.x!, b: buf.wt!, bias: buf.bias, output, unused: placeholderBuffer(ctx.device) }),
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
    const unknown = () => gemm({ m: 2, n: 8, k: 4 }, { a: f, b: f, output: f, unused: f }, {}, '9x9' as GemmTileName);
    expect(unknown).toThrow(InvalidParameterError);
    expect(unknown).toThrow('unknown GEMM tile "9x9" (known: 64x64, 16x128, 4x256, 64x16, 32x32, 128x128, 128x64, 64x64r)');
  });
});
