/**
 * DepthToSpace (ONNX's DCR and CRD modes; CRD is PyTorch's pixel_shuffle)
 * and SpaceToDepth (pixel_unshuffle's ONNX cousin, the inverse of DCR) on
 * NHWC activations: one gather, each output element reading one input element.
 */
import depthSpaceWgsl from '../../shaders/depth_space.wgsl?raw';
import linearIndexWgsl from '../../shaders/common/linear_index.wgsl?raw';
import { InvalidParameterError } from '../errors.js';
import { defineShader } from '../gpu/shader.js';
import type { BufferBinding, DispatchSpec } from './dispatch.js';
import { linearWorkgroups } from './geometry.js';

export const depthSpaceShader = defineShader('depth_space', linearIndexWgsl, depthSpaceWgsl);
const WORKGROUP_SIZE = 64;

/** The three rearrangements, in the order of the shader's MODE codes. */
export const DEPTH_SPACE_MODES = ['depth_to_space_dcr', 'depth_to_space_crd', 'space_to_depth'] as const;
export type DepthSpaceMode = (typeof DEPTH_SPACE_MODES)[number];

export interface DepthSpaceParams {
  batch: number;
  /** The input's dims. */
  height: number;
  width: number;
  channels: number;
  block: number;
  mode: DepthSpaceMode;
}

/**
 * The output [channels, height, width] of the rearrangement; throws
 * InvalidParameterError when the block does not divide what it must.
 * @example depthSpaceOutput({ batch: 1, height: 2, width: 3, channels: 8, block: 2, mode: 'depth_to_space_crd' })   // [2, 4, 6]
 */
export function depthSpaceOutput(p: DepthSpaceParams): [number, number, number] {
  for (const k of ['batch', 'height', 'width', 'channels', 'block'] as const) {
    if (!Number.isInteger(p[k]) || p[k] < 1) throw new InvalidParameterError(k, `must be a positive integer, got ${p[k]}`);
  }
  if (!DEPTH_SPACE_MODES.includes(p.mode)) throw new InvalidParameterError('mode', `must be one of ${DEPTH_SPACE_MODES.join(', ')}, got "${String(p.mode)}"`);
  const b = p.block;
  if (p.mode === 'space_to_depth') {
    if (p.height % b || p.width % b) throw new InvalidParameterError('block', `${b} must divide the height ${p.height} and the width ${p.width}`);
    return [p.channels * b * b, p.height / b, p.width / b];
  }
  if (p.channels % (b * b)) throw new InvalidParameterError('block', `${b}² = ${b * b} must divide the ${p.channels} channels`);
  return [p.channels / (b * b), p.height * b, p.width * b];
}

/**
 * NHWC [N, H, W, C] → [N, H·b, W·b, C/b²] (DepthToSpace) or [N, H/b, W/b, C·b²] (SpaceToDepth).
 * @example depthSpace({ batch: 1, height: 4, width: 4, channels: 12, block: 2, mode: 'depth_to_space_dcr' }, x, y)
 */
export function depthSpace(p: DepthSpaceParams, input: BufferBinding, output: BufferBinding, label: string = p.mode): DispatchSpec {
  const [outChannels, outHeight, outWidth] = depthSpaceOutput(p);
  const total = p.batch * outHeight * outWidth * outChannels;
  return {
    label,
    shader: depthSpaceShader,
    constants: { WORKGROUP_SIZE, MODE: DEPTH_SPACE_MODES.indexOf(p.mode) },
    uniforms: { inHeight: p.height, inWidth: p.width, inChannels: p.channels, outHeight, outWidth, outChannels, block: p.block, total },
    bindings: { input, output },
    workgroups: linearWorkgroups(total, WORKGROUP_SIZE),
  };
}
