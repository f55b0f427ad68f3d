/**
 * DepthToSpace (ONNX's DCR and CRD modes; CRD is PyTorch's pixel_shuffle)
 * and SpaceToDepth on [N, C, H, W]. Both execute as a `depthspace` node:
 * one gather dispatch on the NHWC data.
 */
import { GraphError, InvalidParameterError } from '../errors.js';
import { depthSpace, depthSpaceOutput, type DepthSpaceMode } from '../kernels/depth_space.js';
import { requireImage } from './checks.js';
import { dispatchOnly, type BuildContext, type ExportContext, type KernelContext, type KernelDef, type NodeKernel, type OpDef } from './op.js';
import { runtime, type OnnxHandler } from './onnx_import.js';
import { onnxImage } from './onnx_window.js';
import type { ExecNodeBase, NodeBase, Tensor } from './types.js';

/** ONNX DepthToSpace's modes: depth-column-row (the default) or column-row-depth (pixel_shuffle). */
export type DepthToSpaceMode = 'DCR' | 'CRD';

export interface DepthToSpaceNode extends NodeBase {
  readonly op: 'depthtospace';
  readonly block: number;
  readonly mode: DepthToSpaceMode;
}

export interface SpaceToDepthNode extends NodeBase {
  readonly op: 'spacetodepth';
  readonly block: number;
}

export interface DepthSpaceExecNode extends ExecNodeBase {
  readonly kind: 'depthspace';
  readonly block: number;
  readonly mode: DepthSpaceMode;
}

function rearrange<N extends DepthToSpaceNode | SpaceToDepthNode>(b: BuildContext, x: Tensor, fields: Omit<N, 'id' | 'inputs' | 'output' | 'name'>, mode: DepthSpaceMode, name: string): Tensor {
  const [batch, channels, height, width] = requireImage(x, name);
  let out: [number, number, number];
  try {
    out = depthSpaceOutput({ batch, channels, height, width, block: fields.block, mode });
  } catch (e) {
    if (e instanceof InvalidParameterError) throw new GraphError(name, `cannot rearrange [${x.shape.join(', ')}] with block ${fields.block}: ${e.message}`);
    throw e;
  }
  return b.node<N>({ ...fields, name } as Omit<N, 'id' | 'inputs' | 'output'>, [x], [batch, ...out]);
}

/** [N, C, H, W] → [N, C/b², H·b, W·b]; mode 'CRD' is PyTorch's pixel_shuffle, 'DCR' ONNX's default. */
export function depthToSpace(b: BuildContext, x: Tensor, block: number, mode: DepthToSpaceMode = 'DCR', name?: string): Tensor {
  const n = b.nodeName(name, 'depthtospace');
  if (mode !== 'DCR' && mode !== 'CRD') throw new GraphError(n, `mode must be "DCR" or "CRD", got "${String(mode)}"`);
  return rearrange<DepthToSpaceNode>(b, x, { op: 'depthtospace', block, mode }, mode === 'DCR' ? 'depth_to_space_dcr' : 'depth_to_space_crd', n);
}

/** [N, C, H, W] → [N, C·b², H/b, W/b], the inverse of DepthToSpace DCR. */
export function spaceToDepth(b: BuildContext, x: Tensor, block: number, name?: string): Tensor {
  const n = b.nodeName(name, 'spacetodepth');
  return rearrange<SpaceToDepthNode>(b, x, { op: 'spacetodepth', block }, 'space_to_depth', n);
}

function blocksize(c: Parameters<OnnxHandler>[0]): number {
  const block = c.attrs.int('blocksize');
  if (block === undefined) throw c.format(`${c.opType} needs a blocksize`);
  if (!Number.isSafeInteger(block) || block < 1) throw c.format(`blocksize must be a positive integer, got ${block}`);
  return block;
}

const importDepthToSpace: OnnxHandler = (c) => {
  const { t } = onnxImage(c);
  const mode = c.attrs.string('mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') throw c.unsupported('attribute', `DepthToSpace mode "${mode}" is not one of DCR, CRD`);
  return [runtime(depthToSpace(c.build, t, blocksize(c), mode, c.name))];
};

const importSpaceToDepth: OnnxHandler = (c) => {
  const { t } = onnxImage(c);
  return [runtime(spaceToDepth(c.build, t, blocksize(c), c.name))];
};

const io = (n: NodeBase, c: ExportContext) => ({ name: n.name, inputs: [c.name(n.inputs[0]!)], outputs: [c.name(n.output)] });

export const depthToSpaceOp: OpDef<DepthToSpaceNode> = {
  ops: ['depthtospace'],
  lower: (n, c): DepthSpaceExecNode => ({ ...c.base, kind: 'depthspace', block: n.block, mode: n.mode === 'DCR' ? 'depth_to_space_dcr' : 'depth_to_space_crd' }),
  exportOnnx: (n, c) => c.emit({ ...io(n, c), op: 'DepthToSpace', attrs: { blocksize: { int: n.block }, mode: { string: n.mode } } }),
  onnx: { DepthToSpace: importDepthToSpace },
};

export const spaceToDepthOp: OpDef<SpaceToDepthNode> = {
  ops: ['spacetodepth'],
  lower: (n, c): DepthSpaceExecNode => ({ ...c.base, kind: 'depthspace', block: n.block, mode: 'space_to_depth' }),
  exportOnnx: (n, c) => c.emit({ ...io(n, c), op: 'SpaceToDepth', attrs: { blocksize: { int: n.block } } }),
  onnx: { SpaceToDepth: importSpaceToDepth },
};

export const depthSpaceKernel: KernelDef<DepthSpaceExecNode> = {
  kinds: ['depthspace'],
  kernel: (n, c: KernelContext): NodeKernel => {
    const [batch, channels, height, width] = c.shape(n.inputs[0]!) as [number, number, number, number];
    return dispatchOnly((b) => [depthSpace({ batch, channels, height, width, block: n.block, mode: n.mode }, b.read(n.inputs[0]!), b.write, c.label)]);
  },
};
