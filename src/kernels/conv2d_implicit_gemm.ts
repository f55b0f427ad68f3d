/**
 * The implicit-GEMM strategy: the tiled GEMM of im2col, but its patch tile
 * is gathered from the NHWC input inside the K loop, so no patch matrix is
 * materialized (no scratch: VGG-16 at batch 64 would need 7.4 GB of it).
 * Same tiles (GEMM_TILES) and the same weight layout as im2col; the vec4
 * file when a tap's channels and the output columns come in fours, the
 * scalar file (the RGB stem, odd and grouped channel counts) otherwise.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import implicitGemmWgsl from '../../shaders/conv/conv2d_implicit_gemm.wgsl?raw';
import implicitGemmScalarWgsl from '../../shaders/conv/conv2d_implicit_gemm_scalar.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import { im2colWeightLayout, kPadded, kPerGroup } from './conv2d_im2col.js';
import { validateSlice, type ChannelSlice, type Conv2dShape } from './conv2d_shape.js';
import { outputPixels, type ConvStrategy } from './conv2d_strategy.js';
import { epilogueConstants } from './epilogue.js';
import { GEMM_TILE_NAMES, GEMM_TILES, gemmTileFor, isGemmTileName, type GemmTile, type GemmTileName } from './gemm.js';
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
function fourByFourTile(name: GemmTileName): GemmTileName {
  const t: GemmTile = GEMM_TILES[name];
  return t.core ? (t.fallback as GemmTileName) : name;
}
const FOUR_BY_FOUR_TILES = GEMM_TILE_NAMES.filter((name) => !(GEMM_TILES[name] as GemmTile).core);

export const implicitGemmStrategy: ConvStrategy = {
  name: 'implicit_gemm',
  // the groups are workgroup z, whose count one dimension caps
  unsupportedReason: (s) => (s.groups > MAX_WORKGROUPS_PER_DIMENSION ? `implicit_gemm runs one workgroup layer per group, at most ${MAX_WORKGROUPS_PER_DIMENSION}; this conv has ${s.groups} groups` : undefined),
  layoutWeights: im2colWeightLayout,
  scratchLength: () => 0,
  defaultTile: (s) => fourByFourTile(gemmTileFor(outputPixels(s), s.outChannels / s.groups)),
  tiles: FOUR_BY_FOUR_TILES,
  dispatches(s, io, epilogue, slice, tile) {
    validateSlice(slice, s.outChannels);
    const requested = tile ?? implicitGemmStrategy.defaultTile!(s);
    if (!isGemmTileName(requested)) throw new InvalidParameterError('tile', `unknown GEMM tile ${JSON.stringify(requested)?.slice(0, 40)} (known: ${GEMM_TILE_NAMES.join(', ')})`);
    const name = fourByFourTile(requested);
    const t = GEMM_TILES[name];
    checkTile(name, t);
    const m = outputPixels(s);
    const n = s.outChannels / s.groups;
    const tiles = ceilDiv(m, t.wgY * 4) * ceilDiv(n, t.wgX * 4);
    const [x, y] = linearWorkgroups(tiles, 1);
    return [
      {
        label: 'conv2d_implicit_gemm',
        shader: implicitGemmUsesVec4(s, slice) ? implicitGemmShader : implicitGemmScalarShader,
        constants: {
          WG_X: t.wgX,
          WG_Y: t.wgY,
          TILE_K: t.tileK,
          ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }),
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
          bBatchStride: kPadded(s) * n,
          ldc: slice.channelStride,
          colOffset: slice.channelOffset,
          residualStride: s.outChannels,
        },
        bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
        workgroups: [x, y, s.groups],
      },
    ];
  },
};
