/**
 * The vocabulary of the graph IR that operators are written in: shapes,
 * tensors, parameters, and the fields every IR and executable node has.
 * graph/ir.ts re-exports these; operator modules import them from here so
 * that ops/ never depends on graph/.
 */

export type Shape = readonly number[];

/**
 * The element type of a tensor. Everything on the GPU is float32; `int64`
 * marks integer results (ArgMax/ArgMin, TopK's indices), held on the GPU as
 * float32-exact integers and handed to the caller as BigInt64Array. Integer
 * tensors may only be graph outputs or be relabelled on their way there
 * (reshape, flatten, identity): ops/dtype.ts.
 */
export type ElementType = 'float32' | 'int64';

export interface TensorInfo {
  readonly id: number;
  /** Logical shape: [N, C, H, W] or [N, F]; constants may also be rank 1 or 3 (broadcast operands). */
  readonly shape: Shape;
  /** The node that writes it (-1 for graph inputs). */
  readonly producer: number;
  /** Absent: float32. */
  readonly dtype?: ElementType;
}

/** A named parameter: torchvision state_dict keys where a model has them. */
export interface ParameterInfo {
  readonly name: string;
  readonly shape: Shape;
  /** Learnable (weights, biases, BN γ/β) vs buffer (BN running statistics). */
  readonly learnable: boolean;
}

/** A tensor handle returned by the builder. */
export interface Tensor {
  readonly id: number;
  readonly shape: Shape;
  /** Absent: float32. */
  readonly dtype?: ElementType;
}

/** What every IR node has besides its op and attributes. */
export interface NodeBase {
  readonly id: number;
  /** Unique; errors and profiles name nodes by it. */
  readonly name: string;
  readonly inputs: readonly number[];
  readonly output: number;
}

/** An IR node as an operator module declares it: the base fields, its op name and its own fields. */
export type IrNode = NodeBase & { readonly op: string };

/** What a build function may ask of the graph being built. */
export interface BuildContext {
  /** A unique node name: `given` (which must be new), else `${op}_${k}`. */
  nodeName(given: string | undefined, op: string): string;
  /** Declares a parameter (a name used once) and returns its name. */
  param(name: string, shape: Shape, learnable: boolean): string;
  /** Appends the node (id, inputs and output filled in) and returns its output tensor of `shape` (`dtype` default float32, or int64 through a relabelling op). */
  node<N extends IrNode>(fields: Omit<N, 'id' | 'inputs' | 'output'>, inputs: readonly Tensor[], shape: Shape, dtype?: ElementType): Tensor;
}

/** What every executable node has besides its kind. */
export interface ExecNodeBase {
  /** The node's name; a fused node keeps the name of the op that anchors it (the conv). */
  readonly name: string;
  /** Names of the graph nodes folded into this one, in order. */
  readonly sources: readonly string[];
  readonly inputs: readonly number[];
  readonly output: number;
}

export function elementCount(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[1, 2, 3]` as messages print shapes. */
export const showShape = (shape: Shape): string => `[${shape.join(', ')}]`;
