/**
 * The implicit-GEMM conv against the float64 reference, beyond the 300
 * random layers conv2d.test.ts gives every strategy: the channel counts that
 * pick each shader file (odd 1/3/5/7 and grouped → scalar, multiples of 4 →
 * vec4), every registry tile on both files, stride 1–3, dilation 1–2,
 * asymmetric pads, batch > 1, groups > 1 that are not depthwise, bias /
 * residual / activation, channel slices, and a grid folded past 65,535
 * workgroups (its GPU run only with WEBGPU_CNN_FULL=1). Tolerance: relative
 * L2 ≤ 1e-4 (F32_TOLERANCE).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CONV_STRATEGIES, chooseConvStrategy } from '../../src/kernels/conv2d.js';
import { implicitGemmScalarShader, implicitGemmShader, implicitGemmStrategy, implicitGemmUsesVec4 } from '../../src/kernels/conv2d_implicit_gemm.js';
import { conv2dShape, fullSlice, type ChannelSlice, type Conv2dParams, type Conv2dShape } from '../../src/kernels/conv2d_shape.js';
import type { Epilogue } from '../../src/kernels/epilogue.js';
import { GEMM_TILE_NAMES, GEMM_TILES, type GemmTile, type GemmTileName } from '../../src/kernels/gemm.js';
import { MAX_WORKGROUPS_PER_DIMENSION } from '../../src/kernels/geometry.js';
import { runConvNchw } from '../helpers/conv.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { conv2dRef } from '../reference/conv2d.js';

const FULL = process.env.WEBGPU_CNN_FULL === '1';
/** Bounds the reference's work per case (SwiftShader in CI). */
const MAX_MACS = 800_000;

const EPILOGUES: Epilogue[] = [
  { activation: 'none', hasBias: false },
  { activation: 'relu', hasBias: true },
  { activation: 'silu', hasBias: true, hasResidual: true },
  { activation: 'tanh', hasBias: false, hasResidual: true },
];

type Channels = 'odd' | 'four' | 'grouped';

/** A random layer whose per-group input channels are odd (1, 3, 5, 7), a multiple of 4, or split in 2–4 groups. */
function randomLayer(rng: Rng, channels: Channels): Conv2dShape {
  for (;;) {
    const groups = channels === 'grouped' ? rng.int(2, 4) : 1;
    const inPerGroup = channels === 'odd' ? rng.pick([1, 3, 5, 7]) : channels === 'four' ? rng.pick([4, 8, 12, 16, 32]) : rng.pick([1, 2, 3, 4, 8]);
    const p: Conv2dParams = {
      batch: rng.bool(0.4) ? rng.int(2, 3) : 1,
      inHeight: rng.int(1, 15),
      inWidth: rng.int(1, 15),
      inChannels: groups * inPerGroup,
      // multiples of 4 (vec4 output) and not (scalar output)
      outChannels: groups * rng.pick([1, 3, 4, 8, 12, 17, 32, 68]),
      kernelHeight: rng.int(1, 5),
      kernelWidth: rng.int(1, 5),
      strideH: rng.int(1, 3),
      strideW: rng.int(1, 3),
      dilationH: rng.int(1, 2),
      dilationW: rng.int(1, 2),
      padTop: rng.int(0, 2),
      padBottom: rng.int(0, 2),
      padLeft: rng.int(0, 2),
      padRight: rng.int(0, 2),
      groups,
    };
    let s: Conv2dShape;
    try {
      s = conv2dShape(p);
    } catch {
      continue;
    }
    if (s.batch * s.outHeight * s.outWidth * s.outChannels * inPerGroup * s.kernelHeight * s.kernelWidth > MAX_MACS) continue;
    return s;
  }
}

function describeLayer(s: Conv2dShape, e: Epilogue, slice?: ChannelSlice): string {
  return `x=[${s.batch},${s.inHeight},${s.inWidth},${s.inChannels}] f=[${s.kernelHeight},${s.kernelWidth},${s.inChannels / s.groups},${s.outChannels}] ` +
    `s=${s.strideH},${s.strideW} d=${s.dilationH},${s.dilationW} p=${s.padTop},${s.padBottom},${s.padLeft},${s.padRight} g=${s.groups} ` +
    `${e.activation}${e.hasBias ? '+bias' : ''}${e.hasResidual ? '+res' : ''}${slice ? ` slice=${slice.channelOffset}/${slice.channelStride}` : ''}`;
}

const stats = { cases: 0, worst: 0, vec4: 0, scalar: 0 };
afterAll(() => console.log(`[implicit_gemm] ${stats.cases} layers (${stats.vec4} vec4, ${stats.scalar} scalar), worst relative L2 ${stats.worst.toExponential(2)}`));

/** Runs one layer and checks it against the reference; with a slice, that the channels outside it stay unwritten (NaN). */
async function check(s: Conv2dShape, epilogue: Epilogue, seed: number, slice?: ChannelSlice, tile?: GemmTileName, splitK?: number): Promise<void> {
  const data = new Rng(seed);
  const x = data.array(s.batch * s.inChannels * s.inHeight * s.inWidth);
  const w = data.array(s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth);
  const bias = epilogue.hasBias ? data.array(s.outChannels) : undefined;
  const residual = epilogue.hasResidual ? data.array(s.batch * s.outChannels * s.outHeight * s.outWidth) : undefined;
  const expected = conv2dRef(s, x, w, bias, residual, epilogue.activation);
  const got = await runConvNchw(await testContext(), s, 'implicit_gemm', { x, w, bias, residual }, epilogue, slice, tile, splitK);
  const error = relativeL2(got.nchw, expected.y);
  stats.cases++;
  stats.worst = Math.max(stats.worst, error);
  stats[implicitGemmUsesVec4(s, slice ?? fullSlice(s.outChannels)) ? 'vec4' : 'scalar']++;
  expect(error).toBeLessThanOrEqual(F32_TOLERANCE);
  if (slice) {
    const pixels = s.batch * s.outHeight * s.outWidth;
    const outside = [...Array(slice.channelOffset).keys(), ...Array.from({ length: slice.channelStride - slice.channelOffset - s.outChannels }, (_, i) => slice.channelOffset + s.outChannels + i)];
    for (let p = 0; p < pixels; p++) for (const c of outside) expect(got.nhwcSlice[p * slice.channelStride + c]).toBeNaN();
  }
}

describe('implicit GEMM on random layers, by channel kind', () => {
  const rng = new Rng(2024);
  for (const channels of ['odd', 'four', 'grouped'] as const) {
    for (let i = 0; i < 24; i++) {
      const s = randomLayer(rng, channels);
      const epilogue = rng.pick(EPILOGUES);
      // a slice with offsets in fours keeps the vec4 file; an odd one takes the scalar file
      const slice = rng.bool(0.25) ? rng.pick([{ channelStride: s.outChannels + 8, channelOffset: 4 }, { channelStride: s.outChannels + 3, channelOffset: 1 }]) : undefined;
      const seed = rng.int(1, 1 << 30);
      it(`${channels}: ${describeLayer(s, epilogue, slice)}`, () => check(s, epilogue, seed, slice));
    }
  }
});

describe('split-K implicit GEMM: K slices into partials, then the reduce applies the epilogue', () => {
  const rng = new Rng(4242);
  for (const channels of ['odd', 'four', 'grouped'] as const) {
    for (let i = 0; i < 5; i++) {
      const s = randomLayer(rng, channels);
      const epilogue = rng.pick(EPILOGUES);
      const seed = rng.int(1, 1 << 30);
      const tile = rng.pick(GEMM_TILE_NAMES.filter((t) => !(GEMM_TILES[t] as GemmTile).core));
      const steps = Math.ceil((s.kernelHeight * s.kernelWidth * (s.inChannels / s.groups)) / GEMM_TILES[tile].tileK);
      // edges: 2 slices, as many slices as steps (one step each), more slices asked than there are steps
      const splitK = [2, steps, steps + 3, rng.int(2, Math.max(2, steps))][i % 4]!;
      const sliced = rng.bool(0.4) && channels !== 'grouped';
      const slice = sliced ? { channelOffset: 4, channelStride: s.outChannels + 8 } : undefined;
      it(`${tile} ${channels} splitK=${splitK} (${steps} steps)${sliced ? ' slice' : ''}: ${describeLayer(s, epilogue)}`, async () => {
        const io = { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, partials: {} as GPUBuffer, unused: {} as GPUBuffer };
        const specs = implicitGemmStrategy.dispatches(s, io, epilogue, slice ?? fullSlice(s.outChannels), tile, splitK);
        const slices = Math.min(splitK, steps) > 1 ? Math.ceil(steps / Math.ceil(steps / Math.min(splitK, steps))) : 1;
        expect(specs.map((d) => d.label)).toEqual(slices > 1 ? [`conv2d_implicit_gemm split-K ×${slices}`, 'conv2d_implicit_gemm split-K reduce'] : ['conv2d_implicit_gemm']);
        expect(implicitGemmStrategy.partialLength!(s, tile, splitK)).toBe(slices > 1 ? slices * s.batch * s.outHeight * s.outWidth * s.outChannels : 0);
        await check(s, epilogue, seed, slice, tile, splitK);
      });
    }
  }

  it('a split without a partials buffer is a clear error', () => {
    const s = conv2dShape({ batch: 1, inHeight: 7, inWidth: 7, inChannels: 64, outChannels: 64, kernelHeight: 3, kernelWidth: 3, pad: 1 });
    const io = { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer };
    expect(() => implicitGemmStrategy.dispatches(s, io, {}, fullSlice(64), '64x64', 4)).toThrow(/partials buffer/);
  });
});

describe('implicit GEMM on every registry tile, both shader files', () => {
  const rng = new Rng(31337);
  for (const tile of GEMM_TILE_NAMES) {
    for (const channels of ['odd', 'four', 'grouped'] as const) {
      for (let i = 0; i < 2; i++) {
        const s = randomLayer(rng, channels);
        const epilogue = rng.pick([EPILOGUES[1]!, EPILOGUES[2]!]);
        const seed = rng.int(1, 1 << 30);
        it(`${tile} ${channels}: ${describeLayer(s, epilogue)}`, async () => {
          const spec = implicitGemmStrategy.dispatches(s, { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer }, epilogue, fullSlice(s.outChannels), tile)[0]!;
          // a register-blocked tile runs as its 4×4 fallback (the implicit GEMM has the 4×4 core only)
          const core: GemmTile = GEMM_TILES[tile];
          const ran = GEMM_TILES[(core.core ? core.fallback : tile) as GemmTileName];
          expect(spec.constants).toMatchObject({ WG_X: ran.wgX, WG_Y: ran.wgY, TILE_K: ran.tileK });
          await check(s, epilogue, seed, undefined, tile);
        });
      }
    }
  }

  it('both files are reached: vec4 for channels in fours, scalar otherwise', () => {
    const io = { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer };
    const vgg = conv2dShape({ batch: 1, inHeight: 8, inWidth: 8, inChannels: 64, outChannels: 64, kernelHeight: 3, kernelWidth: 3, pad: 1 });
    const rgb = conv2dShape({ ...vgg, inChannels: 3 });
    expect(implicitGemmStrategy.dispatches(vgg, io, {}, fullSlice(64))[0]!.shader).toBe(implicitGemmShader);
    expect(implicitGemmStrategy.dispatches(rgb, io, {}, fullSlice(64))[0]!.shader).toBe(implicitGemmScalarShader);
    // a slice at an odd channel cannot be written in fours
    expect(implicitGemmStrategy.dispatches(vgg, io, {}, { channelStride: 67, channelOffset: 3 })[0]!.shader).toBe(implicitGemmScalarShader);
  });
});

describe('implicit GEMM grid', () => {
  it('folds more than 65,535 tiles into x and y, and covers every tile once', () => {
    const io = { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer };
    // VGG-16 conv1_2 at batch 64: 64·224·224 rows
    const s = conv2dShape({ batch: 64, inHeight: 224, inWidth: 224, inChannels: 64, outChannels: 64, kernelHeight: 3, kernelWidth: 3, pad: 1 });
    for (const tile of GEMM_TILE_NAMES) {
      const named: GemmTile = GEMM_TILES[tile];
      const t = GEMM_TILES[(named.core ? named.fallback : tile) as GemmTileName];
      const tiles = Math.ceil((64 * 224 * 224) / (t.wgY * 4)) * Math.ceil(64 / (t.wgX * 4));
      const [x, y, z] = implicitGemmStrategy.dispatches(s, io, {}, fullSlice(64), tile)[0]!.workgroups;
      expect(Math.max(x, y, z)).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIMENSION);
      expect(x * y).toBeGreaterThanOrEqual(tiles);
      expect((x - 1) * y).toBeLessThan(tiles);
    }
  });

  // ~200 s on SwiftShader (66,822 workgroups with barriers), so only in `npm run test:full`
  it.runIf(FULL)('a folded grid computes the conv (4x256 tile: 267,288 rows, 66,822 tiles)', async () => {
    // 1×1 over 4 channels keeps it cheap on SwiftShader; pad 1 makes the border rows read padding
    const s = conv2dShape({ batch: 1, inHeight: 514, inWidth: 516, inChannels: 4, outChannels: 4, kernelHeight: 1, kernelWidth: 1, pad: 1 });
    expect(s.outHeight * s.outWidth).toBe(267_288);
    const [x, y] = implicitGemmStrategy.dispatches(s, { input: {} as GPUBuffer, weight: {} as GPUBuffer, output: {} as GPUBuffer, unused: {} as GPUBuffer }, {}, fullSlice(4), '4x256')[0]!.workgroups;
    expect(y).toBeGreaterThan(1);
    expect(x * y).toBeGreaterThan(MAX_WORKGROUPS_PER_DIMENSION);
    await check(s, EPILOGUES[1]!, 99, undefined, '4x256');
  });
});

describe('implicit GEMM replaces im2col under the GPU rules', () => {
  it('auto picks it where im2col was picked; im2col stays applicable, the CPU rules are unchanged', () => {
    const base = { batch: 1, inHeight: 14, inWidth: 14, kernelHeight: 3, kernelWidth: 3, pad: 1 };
    const big = conv2dShape({ ...base, inChannels: 64, outChannels: 128 });
    const grouped = conv2dShape({ ...base, inChannels: 64, outChannels: 128, groups: 2 });
    expect(chooseConvStrategy(big, 'gpu')).toBe('implicit_gemm');
    expect(chooseConvStrategy(grouped, 'gpu')).toBe('implicit_gemm');
    expect(chooseConvStrategy(big, 'cpu')).toBe('direct');
    expect(CONV_STRATEGIES.im2col.unsupportedReason(big)).toBeUndefined();
    expect(implicitGemmStrategy.scratchLength(big)).toBe(0);
    expect(CONV_STRATEGIES.im2col.scratchLength(big)).toBe(14 * 14 * 64 * 9);
  });
});
