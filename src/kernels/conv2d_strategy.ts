/**
 * What every conv strategy offers: whether it can serve a shape, how it
 * wants its weights laid out (done once, at load, from PyTorch's OIHW), how
 * much scratch it needs, and the dispatches that compute the layer.
 */
import { UnsupportedConfigurationError } from '../errors.js';
import type { ShaderDef } from '../gpu/shader.js';
import { validateSlice, type Conv2dShape, type ChannelSlice } from './conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { epilogueConstants, type Epilogue } from './epilogue.js';
import type { GemmTileName } from './gemm.js';
import type { GemmProblem } from './gemm_grid.js';
import { linearWorkgroups } from './geometry.js';
import type { ConvStrategyName } from '../vocabulary.js';

export type { ConvStrategyName } from '../vocabulary.js';

/**
 * How a conv's input is stored: NHWC (every activation), or NCHW (a graph
 * input placement leaves as the caller gave it, because every layer that
 * reads it reads NCHW: graph/placement.ts decides).
 */
export type ConvInputLayout = 'nhwc' | 'nchw';

export interface ConvBindings {
  /** The input, stored as inputLayout says. */
  input: BufferBinding;
  /** Default 'nhwc'; 'nchw' only for strategies with readsNchw. */
  inputLayout?: ConvInputLayout;
  /** Weights in this strategy's layout (ConvStrategy.layoutWeights). */
  weight: BufferBinding;
  bias?: BufferBinding;
  /** NHWC, shaped like the output, added before the activation. */
  residual?: BufferBinding;
  /** NHWC output (or the wider tensor whose channel slice this conv fills). */
  output: BufferBinding;
  /** scratchLength(shape) floats, for strategies that need them. */
  scratch?: BufferBinding;
  /** partialLength(shape, tile, splitK) floats of split-K partials, in another buffer than the others. */
  partials?: BufferBinding;
  /** Bound in place of absent optional inputs (see placeholderBuffer). */
  unused: BufferBinding;
}

export interface ConvStrategy {
  readonly name: ConvStrategyName;
  /** Why this strategy cannot compute the layer, or undefined when it can. */
  unsupportedReason(shape: Conv2dShape): string | undefined;
  /** Its dispatches also read an NCHW input (ConvBindings.inputLayout); absent: NHWC only. */
  readonly readsNchw?: boolean;
  /** PyTorch OIHW weights [outChannels][inPerGroup][kh][kw] → this strategy's layout. */
  layoutWeights(shape: Conv2dShape, oihw: Float32Array): Float32Array;
  /** Floats of scratch memory the dispatches need (0 for most). */
  scratchLength(shape: Conv2dShape): number;
  /** With defaultTile: floats of split-K partials for this tile and split (0 when unsplit). */
  partialLength?(shape: Conv2dShape, tile?: GemmTileName, splitK?: number): number;
  /**
   * Present exactly on the strategies whose dispatches run the tiled GEMM
   * (im2col, implicit_gemm, pointwise): the GEMM tile they use for this shape when given
   * none. Every tile of GEMM_TILES may be passed to their dispatches.
   */
  defaultTile?(shape: Conv2dShape): GemmTileName;
  /** The tiles worth measuring for this strategy when not every registry tile is distinct (default: all of GEMM_TILES). */
  readonly tiles?: readonly GemmTileName[];
  /** With defaultTile: the GEMM the strategy runs for the shape (what the grid planner plans). */
  gemmProblem?(shape: Conv2dShape): GemmProblem;
  /**
   * The layer's dispatches; `tile` picks the GEMM tile of a GEMM strategy
   * (default: defaultTile(shape)) and `splitK` its K slices (default 1, see
   * kernels/split_k.ts); the others take neither.
   */
  dispatches(shape: Conv2dShape, io: ConvBindings, epilogue: Epilogue, slice: ChannelSlice, tile?: GemmTileName, splitK?: number): DispatchSpec[];
}

/** Uniforms describing the input window, shared by the direct, depthwise and im2col shaders. */
export function windowUniforms(s: Conv2dShape): Record<string, number> {
  return {
    inHeight: s.inHeight,
    inWidth: s.inWidth,
    inChannels: s.inChannels,
    outHeight: s.outHeight,
    outWidth: s.outWidth,
    strideH: s.strideH,
    strideW: s.strideW,
    dilationH: s.dilationH,
    dilationW: s.dilationW,
    padTop: s.padTop,
    padLeft: s.padLeft,
  };
}

/**
 * The input's element strides per logical axis (image, row, column,
 * channel), as the shaders that read either layout (direct, the implicit
 * GEMM's scalar file) walk it: one pipeline serves both layouts.
 */
export function inputStrideUniforms(s: Conv2dShape, layout: ConvInputLayout = 'nhwc'): Record<'inStrideN' | 'inStrideH' | 'inStrideW' | 'inStrideC', number> {
  const { inHeight: h, inWidth: w, inChannels: c } = s;
  return layout === 'nchw' ? { inStrideN: c * h * w, inStrideH: w, inStrideW: 1, inStrideC: h * w } : { inStrideN: h * w * c, inStrideH: w * c, inStrideW: c, inStrideC: 1 };
}

/** For the strategies without readsNchw: an NCHW input is refused, never read as NHWC. */
export function requireNhwcInput(io: ConvBindings, strategy: ConvStrategyName): void {
  if ((io.inputLayout ?? 'nhwc') !== 'nhwc') throw new UnsupportedConfigurationError(`conv strategy ${strategy} reads NHWC input only, got ${String(io.inputLayout)}`);
}

export function outputPixels(s: Conv2dShape): number {
  return s.batch * s.outHeight * s.outWidth;
}

/**
 * The dispatch of a kernel with one invocation per (output pixel, block of 4
 * output channels) reading its input window — direct and depthwise: shared
 * window uniforms, epilogue, slice and bindings; `uniforms` adds the
 * kernel's own fields.
 */
export function windowBlockDispatch(
  label: string,
  shader: ShaderDef,
  s: Conv2dShape,
  io: ConvBindings,
  epilogue: Epilogue,
  slice: ChannelSlice,
  blockCount: number,
  uniforms: Record<string, number>,
): DispatchSpec {
  validateSlice(slice, s.outChannels);
  const workgroupSize = 64;
  const total = outputPixels(s) * blockCount;
  return {
    label,
    shader,
    constants: { WORKGROUP_SIZE: workgroupSize, ...epilogueConstants({ ...epilogue, hasBias: !!io.bias, hasResidual: !!io.residual }) },
    uniforms: {
      ...windowUniforms(s),
      ...uniforms,
      outChannels: s.outChannels,
      kernelHeight: s.kernelHeight,
      kernelWidth: s.kernelWidth,
      blockCount,
      channelStride: slice.channelStride,
      channelOffset: slice.channelOffset,
      total,
    },
    bindings: { input: io.input, weight: io.weight, bias: io.bias ?? io.unused, residual: io.residual ?? io.unused, output: io.output },
    workgroups: linearWorkgroups(total, workgroupSize),
  };
}
