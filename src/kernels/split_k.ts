/**
 * Split-K: a GEMM too small to fill the device (see gemm_grid.ts) is run as
 * `splitK` GEMMs over slices of K side by side in one dispatch, each writing
 * its raw partial product to scratch, then one small dispatch sums the
 * slices and applies the epilogue (bias, residual, activation, channel
 * slice) the unsplit GEMM would have. The GEMM shaders take the K range per
 * slice as uniforms, so no other GEMM shader exists for it.
 */
import epilogueWgsl from '../../shaders/common/epilogue.wgsl?raw';
import floatMathWgsl from '../../shaders/common/float_math.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import nanWgsl from '../../shaders/common/nan.wgsl?raw';
import splitKReduceWgsl from '../../shaders/gemm/split_k_reduce.wgsl?raw';
import { InvalidParameterError, UnsupportedConfigurationError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import { GEMM_TILES, gemmParamsWithDefaults, gemmSliced, gemmTileFor, type GemmBindings, type GemmParams, type GemmTileName } from './gemm.js';
import { splitKSlices } from './gemm_grid.js';
import { linearWorkgroups } from './geometry.js';

export const splitKReduceShader = defineShader('split_k_reduce', nanWgsl, floatMathWgsl, epilogueWgsl, linearIndexWgsl, splitKReduceWgsl);
const WORKGROUP_SIZE = 64;

/** How a GEMM is launched: its tile (default gemmTileFor) and K slices (default 1). */
export interface GemmLaunch {
  tile?: GemmTileName;
  splitK?: number;
}

/** Floats of scratch the partials of a split-K launch take (0 when it is not split). */
export function splitKScratchFloats(params: GemmParams, launch: GemmLaunch = {}): number {
  const p = gemmParamsWithDefaults(params);
  const slices = slicesOf(p, launch);
  return slices > 1 ? slices * p.m * p.batch * p.n : 0;
}

function slicesOf(p: Required<GemmParams>, launch: GemmLaunch): number {
  const tile = launch.tile ?? gemmTileFor(p.m, p.n);
  return splitKSlices(p.k, GEMM_TILES[tile].tileK, launch.splitK ?? 1).slices;
}

export interface SplitGemmBindings extends GemmBindings {
  /** splitKScratchFloats(params, launch) floats; needed only when the launch splits. */
  partials?: BufferBinding;
}

/**
 * The dispatches of a GEMM launch: the plain GEMM when unsplit, else the
 * GEMM into K-slice partials and the reduce that applies the epilogue.
 *
 * @example
 * gemmDispatches({ m: 49, n: 512, k: 4608 }, { a, b, output, partials, unused }, { activation: 'relu' }, { splitK: 17 });
 */
export function gemmDispatches(params: GemmParams, io: SplitGemmBindings, epilogue: Epilogue, launch: GemmLaunch = {}, label = 'gemm'): DispatchSpec[] {
  const p = gemmParamsWithDefaults(params);
  const tile = launch.tile ?? gemmTileFor(p.m, p.n);
  if (!Object.hasOwn(GEMM_TILES, tile)) throw new InvalidParameterError('tile', `unknown GEMM tile ${JSON.stringify(tile)?.slice(0, 40)}`);
  const { kSlice, slices } = splitKSlices(p.k, GEMM_TILES[tile].tileK, launch.splitK ?? 1);
  if (slices === 1) return [gemmSliced(p, io, epilogue, tile, { kSlice: p.k, slices: 1, sliceStride: 0 }, label)];
  if (!io.partials) throw new UnsupportedConfigurationError(`${label}: a split-K GEMM needs a partials buffer of splitKScratchFloats(params, launch) floats`);
  const channels = p.batch * p.n;
  const sliceStride = p.m * channels;
  // the slices' raw sums, side by side: [slice][m][batch·n], no epilogue
  const partialParams: Required<GemmParams> = { ...p, ldc: channels, colOffset: 0, residualStride: channels };
  return [
    gemmSliced(partialParams, { a: io.a, b: io.b, output: io.partials, unused: io.unused }, {}, tile, { kSlice, slices, sliceStride }, `${label} split-K ×${slices}`),
    splitKReduce({ rows: p.m, channels, slices, ldc: p.ldc, colOffset: p.colOffset, residualStride: p.residualStride }, { ...io, partials: io.partials }, epilogue, label),
  ];
}

/** The partials of a split GEMM: `slices` blocks of [rows][channels], sliceStride = rows·channels apart. */
export interface SplitKPartials {
  readonly rows: number;
  readonly channels: number;
  readonly slices: number;
  /** Where the sums go: output[row·ldc + colOffset + channel], residual[row·residualStride + channel]. */
  readonly ldc: number;
  readonly colOffset: number;
  readonly residualStride: number;
}

/**
 * The dispatch that sums the K-slice partials and applies the epilogue the
 * unsplit GEMM would have (shared by the GEMM and the implicit-GEMM conv).
 */
export function splitKReduce(
  q: SplitKPartials,
  io: { partials: BufferBinding; bias?: BufferBinding; residual?: BufferBinding; output: BufferBinding; unused: BufferBinding },
  epilogue: Epilogue,
  label: string,
): DispatchSpec {
  const total = q.rows * q.channels;
  return {
    label: `${label} split-K reduce`,
    shader: splitKReduceShader,
    constants: { WORKGROUP_SIZE, ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }) },
    uniforms: { channels: q.channels, slices: q.slices, sliceStride: total, ldc: q.ldc, colOffset: q.colOffset, residualStride: q.residualStride, total },
    bindings: { partials: io.partials, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
