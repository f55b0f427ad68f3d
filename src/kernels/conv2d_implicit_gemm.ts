/**
 * The implicit-GEMM strategy: the tiled GEMM of im2col, but its patch tile
 * is gathered from the NHWC input inside the K loop, so no patch matrix is
 * materialized (no scratch: VGG-16 at batch 64 would need 7.4 GB of it).
 * Same tiles (GEMM_TILES) and the same weight layout as im2col; the vec4
 * file when a tap's channels and the output columns come in fours, the
 * scalar file (the RGB stem, odd and grouped channel counts, and an NCHW
 * input, which it reads through per-axis strides) otherwise.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import implicitGemmWgsl from '../../shaders/conv/conv2d_implicit_gemm.wgsl?raw';
import implicitGemmScalarWgsl from '../../shaders/conv/conv2d_implicit_gemm_scalar.wgsl?raw';
import { InvalidParameterError, UnsupportedConfigurationError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { im2colWeightLayout, kPadded, kPerGroup } from './conv2d_im2col.js';
import { fullSlice, validateSlice, type ChannelSlice, type Conv2dShape } from './conv2d_shape.js';
import { inputStrideUniforms, outputPixels, type ConvStrategy } from './conv2d_strategy.js';
import { epilogueConstants } from './epilogue.js';
import type { DispatchSpec } from './dispatch.js';
import { fourByFourTile, GEMM_TILE_NAMES, GEMM_TILES, gemmTileFor, isGemmTileName, type GemmTile, type GemmTileName } from './gemm.js';
import { splitKSlices, type GemmProblem } from './gemm_grid.js';
import { splitKReduce } from './split_k.js';
import { ceilDiv, linearWorkgroups, MAX_WORKGROUPS_PER_DIMENSION } from './geometry.js';

export const implicitGemmShader = defineShader('conv2d_implicit_gemm', nanWgsl, floatMathWgsl, epilogueWgsl, implicitGemmWgsl);
export const implicitGemmScalarShader = defineShader('conv2d_implicit_gemm_scalar', nanWgsl, floatMathWgsl, epilogueWgsl, implicitGemmScalarWgsl);

/** Whether the vec4 file serves the layer written into `slice`: every channel count and offset it indexes in fours. */
export function implicitGemmUsesVec4(s: Conv2dShape, slice: ChannelSlice): boolean {
  const inPerGroup = s.inChannels / s.groups;
  const outPerGroup = s.outChannels / s.groups;
  return [inPerGroup, outPerGroup, slice.channelStride, slice.channelOffset].every((v) => v % 4 === 0);
}

/**
 * The shaders hand each invocation the same A column in every K step, which
 * holds when the workgroup's invocations are a multiple of TILE_K / 4 (true
 * of every registry tile; checked so a new tile cannot break it silently).
 */
function checkTile(name: string, t: GemmTile): void {
  if (t.tileK % 4 || (t.wgX * t.wgY) % (t.tileK / 4)) {
    throw new InvalidParameterError('tile', `GEMM tile ${name} (${t.wgX}×${t.wgY} invocations, K step ${t.tileK}) cannot run the implicit GEMM: its invocations must be a multiple of TILE_K / 4`);
  }
}

/**
 * The implicit GEMM has the 4×4 core only: a register-blocked tile of the
 * registry runs as its 4×4 fallback (what gemm() does with a shape that
 * core cannot take), and is not measured as a candidate of its own.
 */
const FOUR_BY_FOUR_TILES = GEMM_TILE_NAMES.filter((name) => !(GEMM_TILES[name] as GemmTile).core);

/** The GEMM the implicit conv runs, per group (what the grid planner plans; its K is not padded). */
function implicitGemmProblem(s: Conv2dShape): GemmProblem {
  return { m: outputPixels(s), n: s.outChannels / s.groups, k: kPerGroup(s), batch: s.groups };
}

/** The K slices of a launch (one slice of all K when unsplit); slices are whole TILE_K steps. */
function slicesOf(s: Conv2dShape, tile: GemmTileName, splitK = 1): { kSlice: number; slices: number } {
  return splitKSlices(kPerGroup(s), GEMM_TILES[tile].tileK, splitK);
}

export const implicitGemmStrategy: ConvStrategy = {
  name: 'implicit_gemm',
  // the groups are workgroup z, whose count one dimension caps
  readsNchw: true,
  unsupportedReason: (s) => (s.groups > MAX_WORKGROUPS_PER_DIMENSION ? `implicit_gemm runs one workgroup layer per group, at most ${MAX_WORKGROUPS_PER_DIMENSION}; this conv has ${s.groups} groups` : undefined),
  layoutWeights: im2colWeightLayout,
  scratchLength: () => 0,
  partialLength(s, tile, splitK) {
    const { slices } = slicesOf(s, fourByFourTile(tile ?? implicitGemmStrategy.defaultTile!(s)), splitK);
    return slices > 1 ? slices * outputPixels(s) * s.outChannels : 0;
  },
  defaultTile: (s) => fourByFourTile(gemmTileFor(outputPixels(s), s.outChannels / s.groups)),
  tiles: FOUR_BY_FOUR_TILES,
  gemmProblem: implicitGemmProblem,
  dispatches(s, io, epilogue, slice, tile, splitK) {
    validateSlice(slice, s.outChannels);
    const requested = tile ?? implicitGemmStrategy.defaultTile!(s);
    if (!isGemmTileName(requested)) throw new InvalidParameterError('tile', `unknown GEMM tile ${JSON.stringify(requested)?.slice(0, 40)} (known: ${GEMM_TILE_NAMES.join(', ')})`);
    const name = fourByFourTile(requested);
    const t = GEMM_TILES[name];
    checkTile(name, t);
    const m = outputPixels(s);
    const n = s.outChannels / s.groups;
    const { kSlice, slices } = slicesOf(s, name, splitK);
    if (slices > 1 && !io.partials) throw new UnsupportedConfigurationError('a split-K implicit GEMM needs a partials buffer of partialLength(shape, tile, splitK) floats');
    // split: every slice writes its raw sums to partials [slice][m][outChannels], the reduce applies the epilogue
    const split = slices > 1;
    const tiles = ceilDiv(m, t.wgY * 4) * ceilDiv(n, t.wgX * 4) * slices;
    const [x, y] = linearWorkgroups(tiles, 1);
    // the vec4 file loads 4 channels of a pixel at once: NHWC only
    const vec4 = io.inputLayout !== 'nchw' && implicitGemmUsesVec4(s, split ? fullSlice(s.outChannels) : slice);
    const gemmDispatch: DispatchSpec = {
      label: split ? `conv2d_implicit_gemm split-K ×${slices}` : 'conv2d_implicit_gemm',
      shader: vec4 ? implicitGemmShader : implicitGemmScalarShader,
      constants: {
        WG_X: t.wgX,
        WG_Y: t.wgY,
        TILE_K: t.tileK,
        ...epilogueConstants(split ? {} : { ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }),
      },
      uniforms: {
        m,
        n,
        k: kPerGroup(s),
        inHeight: s.inHeight,
        inWidth: s.inWidth,
        inChannels: s.inChannels,
        inPerGroup: s.inChannels / s.groups,
        outHeight: s.outHeight,
        outWidth: s.outWidth,
        kernelWidth: s.kernelWidth,
        strideH: s.strideH,
        strideW: s.strideW,
        dilationH: s.dilationH,
        dilationW: s.dilationW,
        padTop: s.padTop,
        padLeft: s.padLeft,
        ...(vec4 ? {} : inputStrideUniforms(s, io.inputLayout)),
        bBatchStride: kPadded(s) * n,
        ldc: split ? s.outChannels : slice.channelStride,
        colOffset: split ? 0 : slice.channelOffset,
        residualStride: s.outChannels,
        kSlice,
        sliceStride: split ? m * s.outChannels : 0,
      },
      bindings: split
        ? { input: io.input, weight: io.weight, bias: io.unused, residual: io.unused, output: io.partials! }
        : { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
      workgroups: [x, y, s.groups],
    };
    if (!split) return [gemmDispatch];
    const reduce = splitKReduce(
      { rows: m, channels: s.outChannels, slices, ldc: slice.channelStride, colOffset: slice.channelOffset, residualStride: s.outChannels },
      { partials: io.partials!, bias: io.bias, residual: io.residual, output: io.output, unused: io.unused },
      epilogue,
      'conv2d_implicit_gemm',
    );
    return [gemmDispatch, reduce];
  },
};
