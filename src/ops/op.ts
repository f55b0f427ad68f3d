/**
 * The contract of an operator module. One module per operator (or small
 * family) declares everything about it, and ops/table.ts lists the modules:
 *
 * - a build function per builder method (validates its inputs and options,
 *   infers the output shape, declares the parameters) written against
 *   BuildContext, so GraphBuilder and the ONNX importer share it;
 * - `lower`: the IR node → the executable node the passes and kernels see
 *   (with its parameter data attached);
 * - a KernelDef per executable kind: the weights it uploads (in its kernel's
 *   layout), its scratch, and — once memory is placed — its dispatches;
 * - `parameters` / `macs` for summary();
 * - `exportOnnx`: the ONNX nodes it becomes, written against ExportContext;
 * - `onnx`: the ONNX op types it imports (ops/onnx_import.ts's context).
 *
 * The contexts are interfaces defined here, implemented by graph/ and onnx/,
 * so operator modules depend on kernels/ and this folder only.
 */
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import type { OnnxHandler } from './onnx_import.js';
import type { ExecNodeBase, IrNode, Shape } from './types.js';

export type { BuildContext, IrNode } from './types.js';

/** An executable node as an operator module declares it. */
export type ExecNodeOf = ExecNodeBase & { readonly kind: string };

/** What lowering one IR node may read. */
export interface LowerContext {
  /** The executable node's base fields (name, sources, inputs, output of the IR node). */
  readonly base: ExecNodeBase;
  shape(tensor: number): Shape;
  /** A parameter's data (checked against its declaration before lowering). */
  weight(name: string): Float32Array;
}

export interface OpDef<N extends IrNode = IrNode> {
  /** The IR op names this module owns. */
  readonly ops: readonly N['op'][];
  lower(node: N, c: LowerContext): ExecNodeOf;
  /** The parameters summary() counts for the node (default none). */
  parameters?(node: N): string[];
  /** Multiply-accumulates, for summary() (default 0). */
  macs?(node: N, shape: (tensor: number) => Shape): number;
  /** The ONNX nodes it becomes; absent: the exporter refuses the op with a GraphError naming it. */
  exportOnnx?(node: N, c: ExportContext): void;
  /** ONNX op type → how it is imported. */
  readonly onnx?: Readonly<Record<string, OnnxHandler>>;
}

/** What the executor hands a node once memory is placed. */
export interface NodeBindings {
  /** The whole (contiguous) binding of a tensor the node reads. */
  read(tensor: number): BufferBinding;
  /** Where the node writes its output, and which channel slice of it. */
  write: BufferBinding;
  slice: ChannelSlice;
  weights: Readonly<Record<string, BufferBinding>>;
  scratch?: BufferBinding;
  /** partialFloats of split-K partials, in another buffer than everything else the step binds. */
  partials?: BufferBinding;
  unused: BufferBinding;
  /** Whether `tensor` is stored NCHW: a graph input placement left as given for a node with readsNchw (absent: none is). */
  isNchw?(tensor: number): boolean;
}

export interface NodeKernel {
  /** Weight arrays to upload, by role, already in the kernel's layout. */
  weights: Record<string, Float32Array>;
  scratchFloats: number;
  /**
   * Floats of split-K partials (kernels/split_k.ts), absent or 0 for most: a
   * second scratch region, placed apart from the step's other buffers
   * because its GEMM writes them while reading the scratch (im2col columns).
   */
  partialFloats?: number;
  /** The node's output can be written straight into a channel slice (for concat). */
  writesSlices: boolean;
  /**
   * How placement treats the node when it is not a plain step (such nodes
   * have no dispatches of their own). 'row-major-view': the output is the
   * input read in row-major (NCHW) order — placement converts an NHWC input
   * to row-major and the result to an NHWC output where their storage is not
   * row-major already (ops/layout.ts), and where neither is, the output is
   * the input's memory. 'concat-channels': the output is the inputs side by
   * side along channels — each input is written there by its producer when
   * that can write slices and nothing else reads it, else copied in.
   */
  placement?: 'row-major-view' | 'concat-channels';
  /**
   * The node's first input may be stored NCHW (NodeBindings.isNchw): then
   * placement reads a rank-4 graph input that only such nodes read (as
   * their first input) straight from its staging buffer, with no permute.
   */
  readsNchw?: boolean;
  dispatches(b: NodeBindings): DispatchSpec[];
}

/** A kernel that uploads nothing and needs no scratch: only its dispatches. */
export function dispatchOnly(dispatches: NodeKernel['dispatches'], options: Pick<NodeKernel, 'writesSlices' | 'placement'> = { writesSlices: false }): NodeKernel {
  return { weights: {}, scratchFloats: 0, ...options, dispatches };
}

/** What building one executable node's kernel may read. */
export interface KernelContext {
  shape(tensor: number): Shape;
  /** The device's maxStorageBufferBindingSize. */
  readonly maxBindingBytes: number;
  /** Workgroups the device runs at once (one wave), for the GEMM grid planner (kernels/gemm_grid.ts). */
  readonly computeUnits: number;
  /**
   * Kernels may use subgroup operations: the device was created with the
   * `subgroups` feature and the compile did not turn them off. Without it
   * every kernel runs its workgroup-memory variant.
   */
  readonly subgroups: boolean;
  /** The dispatch label: the names of the graph nodes the node covers, joined by +. */
  readonly label: string;
}

export interface KernelDef<E extends ExecNodeOf = ExecNodeOf> {
  readonly kinds: readonly E['kind'][];
  kernel(node: E, c: KernelContext): NodeKernel;
}

/** An ONNX attribute value: number lists are INTS, a float is FLOAT, an integer INT, a string STRING. */
export type OnnxAttrValue = { ints: readonly number[] } | { float: number } | { int: number } | { string: string };

/** One ONNX node to write. */
export interface OnnxNodeSpec {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttrValue>;
}

/** What exporting one IR node may use. */
export interface ExportContext {
  /** The ONNX value name of a tensor (graph input/output names at the boundary, `t<id>` inside). */
  name(tensor: number): string;
  shape(tensor: number): Shape;
  /** Adds the parameter as an initializer (once) and returns its name. */
  param(name: string): string;
  /** A float scalar initializer (once per name). */
  scalar(name: string, value: number): string;
  /** A 1-D float initializer (once per name): a constant operand such as InstanceNormalization's unit scale. */
  floats(name: string, values: Float32Array): string;
  /** A 1-D int64 initializer (once per name): an operand such as Pad's pads. */
  int64s(name: string, values: readonly number[]): string;
  emit(node: OnnxNodeSpec): void;
}
