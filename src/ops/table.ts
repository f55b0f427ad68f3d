/**
 * The operator table: every IR op and every executable kind, and the module
 * that owns it. The builder's node types, lowering, kernels, summary, ONNX
 * import and export all look operators up here; adding an operator is its
 * module plus one line in each record below (the records are keyed by op
 * name, so the compiler rejects a missing entry).
 */
import { activationKernel, activationOp, type ActivationExecNode, type ActivationNode } from './activation.js';
import { argReduceKernel, argReduceOp, type ArgReduceExecNode, type ArgReduceNode } from './arg_reduce.js';
import { batchMatmulKernel, batchMatmulOp, type BatchMatmulExecNode, type BatchMatmulNode } from './batch_matmul.js';
import { batchNormOp, type BatchNormNode } from './batchnorm.js';
import { binaryKernel, binaryOp, preluOp, type BinaryExecNode, type BinaryNode, type PreluNode } from './binary.js';
import { concatAxisKernel, concatKernel, concatOp, type ConcatAxisExecNode, type ConcatExecNode, type ConcatNode } from './concat.js';
import { constantKernel, constantOp, type ConstantExecNode, type ConstantNode } from './constant.js';
import { conv2dOp, convKernel, type Conv2dNode, type ConvNode } from './conv2d.js';
import { conv3dKernel, conv3dOp, type Conv3dExecNode, type Conv3dNode } from './conv3d.js';
import { convTranspose3dKernel, convTranspose3dOp, type ConvTranspose3dExecNode, type ConvTranspose3dNode } from './conv_transpose3d.js';
import { depthSpaceKernel, depthToSpaceOp, spaceToDepthOp, type DepthSpaceExecNode, type DepthToSpaceNode, type SpaceToDepthNode } from './depth_space.js';
import { convTransposeKernel, convTransposeOp, type ConvTranspose2dNode, type ConvTransposeExecNode } from './conv_transpose.js';
import {
  adaptiveAvgPoolKernel,
  adaptiveAvgPoolOp,
  globalAvgPoolKernel,
  globalAvgPoolOp,
  reduceMeanOp,
  type AdaptiveAvgPoolExecNode,
  type AdaptiveAvgPoolNode,
  type GlobalAvgPoolExecNode,
  type GlobalAvgPoolNode,
  type ReduceMeanNode,
} from './global_pool.js';
import { gatherKernel, gatherOp, type GatherExecNode, type GatherNode } from './gather.js';
import { globalMaxPoolOp, type GlobalMaxPoolNode } from './global_max_pool.js';
import { identityKernel, identityOp, type IdentityExecNode, type IdentityNode } from './identity.js';
import { instanceNormKernel, instanceNormOp, type InstanceNormExecNode, type InstanceNormNode } from './instance_norm.js';
import { linearKernel, linearOp, matmulKernel, matmulOp, type LinearExecNode, type LinearNode, type MatmulExecNode, type MatmulNode } from './linear.js';
import { lrnKernel, lrnOp, type LrnExecNode, type LrnNode } from './lrn.js';
import { minMaxPowOp, type MinMaxPowNode } from './min_max_pow.js';
import type { KernelDef, OpDef } from './op.js';
import type { OnnxHandler } from './onnx_import.js';
import type { Shape } from './types.js';
import { padKernel, padOp, type PadExecNode, type PadNode } from './pad.js';
import { poolKernel, poolOp, type PoolExecNode, type PoolNode } from './pool.js';
import { pool3dKernel, pool3dOp, type Pool3dExecNode, type Pool3dNode } from './pool3d.js';
import { flattenOp, reshapeKernel, reshapeOp, type FlattenExecNode, type FlattenNode, type ReshapeExecNode, type ReshapeNode } from './reshape.js';
import { reduceKernel, reduceOp, type ReduceExecNode, type ReduceNode } from './reduce.js';
import { expandKernel, expandOp, tileKernel, tileOp, type ExpandExecNode, type ExpandNode, type TileExecNode, type TileNode } from './repeat.js';
import { resizeKernel, resizeOp, type ResizeExecNode, type ResizeNode } from './resize.js';
import { sliceKernel, sliceOp, type SliceExecNode, type SliceNode } from './slice.js';
import { softmaxKernel, softmaxOp, type SoftmaxExecNode, type SoftmaxNode } from './softmax.js';
import { topKKernel, topKOp, type TopKExecNode, type TopKNode } from './top_k.js';
import { transposeKernel, transposeOp, type TransposeExecNode, type TransposeNode } from './transpose.js';

/** A node of the graph IR. */
export type GraphNode =
  | Conv2dNode
  | BatchNormNode
  | ActivationNode
  | PoolNode
  | GlobalAvgPoolNode
  | GlobalMaxPoolNode
  | AdaptiveAvgPoolNode
  | LinearNode
  | BinaryNode
  | PreluNode
  | ConstantNode
  | PadNode
  | TransposeNode
  | ReshapeNode
  | SliceNode
  | MatmulNode
  | ReduceMeanNode
  | ReduceNode
  | ExpandNode
  | TileNode
  | GatherNode
  | BatchMatmulNode
  | ConcatNode
  | FlattenNode
  | SoftmaxNode
  | LrnNode
  | InstanceNormNode
  | DepthToSpaceNode
  | SpaceToDepthNode
  | IdentityNode
  | ConvTranspose2dNode
  | ResizeNode
  | MinMaxPowNode
  | Conv3dNode
  | Pool3dNode
  | ConvTranspose3dNode
  | ArgReduceNode
  | TopKNode;

export type OpName = GraphNode['op'];

/** A node of the executable graph the passes rewrite and the kernels run. */
export type ExecNode =
  | ConvNode
  | LinearExecNode
  | PoolExecNode
  | GlobalAvgPoolExecNode
  | AdaptiveAvgPoolExecNode
  | BinaryExecNode
  | ActivationExecNode
  | MatmulExecNode
  | ReduceExecNode
  | ExpandExecNode
  | TileExecNode
  | GatherExecNode
  | BatchMatmulExecNode
  | ConstantExecNode
  | PadExecNode
  | TransposeExecNode
  | ReshapeExecNode
  | SliceExecNode
  | ConcatExecNode
  | ConcatAxisExecNode
  | FlattenExecNode
  | SoftmaxExecNode
  | LrnExecNode
  | InstanceNormExecNode
  | DepthSpaceExecNode
  | IdentityExecNode
  | ConvTransposeExecNode
  | ResizeExecNode
  | Conv3dExecNode
  | Pool3dExecNode
  | ConvTranspose3dExecNode
  | ArgReduceExecNode
  | TopKExecNode;

export type ExecKind = ExecNode['kind'];

/** The executable graph: what lowering makes of the IR and the passes rewrite (graph/exec_graph.ts). */
export interface ExecGraph {
  /** Logical shapes by tensor id (ids are the IR's). */
  readonly shapes: ReadonlyMap<number, Shape>;
  readonly nodes: readonly ExecNode[];
  readonly inputs: readonly { name: string; tensor: number }[];
  readonly outputs: readonly { name: string; tensor: number }[];
}

const OP_DEFS: Readonly<Record<OpName, OpDef<any>>> = {
  conv2d: conv2dOp,
  batchnorm: batchNormOp,
  activation: activationOp,
  maxpool: poolOp,
  avgpool: poolOp,
  globalavgpool: globalAvgPoolOp,
  globalmaxpool: globalMaxPoolOp,
  adaptiveavgpool: adaptiveAvgPoolOp,
  linear: linearOp,
  add: binaryOp,
  sub: binaryOp,
  mul: binaryOp,
  div: binaryOp,
  prelu: preluOp,
  constant: constantOp,
  pad: padOp,
  transpose: transposeOp,
  reshape: reshapeOp,
  slice: sliceOp,
  matmul: matmulOp,
  reducemean: reduceMeanOp,
  reduce: reduceOp,
  expand: expandOp,
  tile: tileOp,
  gather: gatherOp,
  batchmatmul: batchMatmulOp,
  concat: concatOp,
  flatten: flattenOp,
  softmax: softmaxOp,
  lrn: lrnOp,
  instancenorm: instanceNormOp,
  depthtospace: depthToSpaceOp,
  spacetodepth: spaceToDepthOp,
  resize: resizeOp,
  dropout: identityOp,
  identity: identityOp,
  convtranspose2d: convTransposeOp,
  min: minMaxPowOp,
  max: minMaxPowOp,
  pow: minMaxPowOp,
  conv3d: conv3dOp,
  maxpool3d: pool3dOp,
  avgpool3d: pool3dOp,
  convtranspose3d: convTranspose3dOp,
  argmax: argReduceOp,
  argmin: argReduceOp,
  topk: topKOp,
};

const KERNEL_DEFS: Readonly<Record<ExecKind, KernelDef<any>>> = {
  conv: convKernel,
  linear: linearKernel,
  pool: poolKernel,
  globalavgpool: globalAvgPoolKernel,
  adaptiveavgpool: adaptiveAvgPoolKernel,
  binary: binaryKernel,
  activation: activationKernel,
  matmul: matmulKernel,
  reduce: reduceKernel,
  expand: expandKernel,
  tile: tileKernel,
  gather: gatherKernel,
  batchmatmul: batchMatmulKernel,
  constant: constantKernel,
  pad: padKernel,
  transpose: transposeKernel,
  reshape: reshapeKernel,
  slice: sliceKernel,
  concat: concatKernel,
  concat_axis: concatAxisKernel,
  flatten: reshapeKernel,
  softmax: softmaxKernel,
  lrn: lrnKernel,
  instancenorm: instanceNormKernel,
  depthspace: depthSpaceKernel,
  resize: resizeKernel,
  identity: identityKernel,
  convtranspose: convTransposeKernel,
  conv3d: conv3dKernel,
  pool3d: pool3dKernel,
  convtranspose3d: convTranspose3dKernel,
  argreduce: argReduceKernel,
  topk: topKKernel,
};

/** The module of an IR op. */
export function opDef<N extends GraphNode>(op: N['op']): OpDef<N> {
  return OP_DEFS[op] as OpDef<N>;
}

/** The kernel of an executable kind. */
export function kernelDef<E extends ExecNode>(kind: E['kind']): KernelDef<E> {
  return KERNEL_DEFS[kind] as KernelDef<E>;
}

/** Every operator module once, in table order. */
export const OPERATORS: readonly OpDef[] = [...new Set(Object.values(OP_DEFS))] as OpDef[];

/** ONNX op type → its import handler, from every operator module; an op type two modules claim is a bug caught here. */
export const ONNX_IMPORTERS: Readonly<Record<string, OnnxHandler>> = (() => {
  const out: Record<string, OnnxHandler> = {};
  for (const def of OPERATORS) {
    for (const [opType, handler] of Object.entries(def.onnx ?? {})) {
      if (out[opType]) throw new Error(`ONNX op ${opType} is imported by two operator modules (${def.ops.join('/')} and another)`);
      out[opType] = handler;
    }
  }
  return out;
})();
