/**
 * What an operator module's ONNX import handler sees: the node's inputs as
 * values (constants on the CPU or runtime tensors with their ONNX shape),
 * its attributes, and the ways to make graph nodes. onnx/context.ts
 * implements it; handlers build nodes through the operators' build
 * functions with `c.build`.
 */
import type { BuildContext, Shape, Tensor } from './types.js';

/** A constant on the CPU (ONNX element type, dims, values widened to float32 or float64). */
export interface ConstTensor {
  /** The ONNX element type (DataType). */
  readonly dtype: number;
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** ONNX's DataType FLOAT. */
export const ONNX_FLOAT = 1;

export interface RuntimeValue {
  readonly kind: 'runtime';
  readonly tensor: Tensor;
  /** The ONNX shape; its element count equals the tensor's, in the same row-major order. */
  readonly shape: readonly number[];
}

export interface ConstValue {
  readonly kind: 'const';
  readonly value: ConstTensor;
}

export type Value = RuntimeValue | ConstValue;

export const runtime = (tensor: Tensor, shape: readonly number[] = tensor.shape): RuntimeValue => ({ kind: 'runtime', tensor, shape: [...shape] });
export const constant = (value: ConstTensor): ConstValue => ({ kind: 'const', value });
export const shapeOfValue = (v: Value): readonly number[] => (v.kind === 'const' ? v.value.dims : v.shape);
/** The same data under other dims of equal element count (a relabelled runtime value, or the constant with new dims). */
export const relabel = (v: Value, dims: readonly number[]): Value => (v.kind === 'const' ? constant({ ...v.value, dims: [...dims] }) : runtime(v.tensor, dims));
export const scalarConst = (v: number): ConstTensor => ({ dtype: ONNX_FLOAT, dims: [1], data: new Float32Array([v]) });
export const floatData = (t: ConstTensor): Float32Array => (t.data instanceof Float32Array ? t.data : Float32Array.from(t.data));

/** Typed access to a node's attributes (a wrong type is an OnnxFormatError naming the node). */
export interface OnnxAttributes {
  has(name: string): boolean;
  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  ints(name: string): number[] | undefined;
  string(name: string, fallback: string): string;
}

export type UnsupportedKind = 'attribute' | 'shape' | 'dtype';

export interface OnnxNodeContext {
  /** Unique; used for the graph nodes it creates and in errors. */
  readonly name: string;
  readonly opType: string;
  readonly opset: number;
  readonly attrs: OnnxAttributes;
  /** The node's input and output value names (empty string: an absent optional one). */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly (Value | undefined)[];
  /** Makes graph nodes: pass it to the operators' build functions. */
  readonly build: BuildContext;
  /** Input i, which must be present. */
  input(i: number): Value;
  /** Input i as a runtime tensor value (a constant becomes a constant tensor). */
  runtimeInput(i: number): RuntimeValue;
  /** Input i, which must be a constant (a weight, a shape, an axis list). */
  constInput(i: number, what: string): ConstTensor;
  /** Optional constant input i as numbers; undefined when absent. */
  optionalInts(i: number, what: string): number[] | undefined;
  /** The builder tensor of a runtime value in `shape` (default its ONNX shape, any rank up to 6), reshaping if held differently. */
  tensor(v: RuntimeValue, shape?: Shape, suffix?: string): Tensor;
  /** Any value as a builder tensor in its own shape (a constant becomes a constant tensor). */
  tensorOf(v: Value, nameHint: string): Tensor;
  /** A float constant as a graph tensor of `shape` (same element count); one tensor per constant and shape. */
  constantTensor(c: ConstTensor, shape: Shape, nameHint: string): Tensor;
  /** Records a parameter's data under the name its build function declared. */
  setWeight(param: string, data: Float32Array): void;
  /** A constant permuted (a weight re-layout, e.g. Gemm's B). */
  transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor;
  /** A fresh graph node name derived from this node's. */
  sub(suffix: string): string;
  format(message: string): Error;
  unsupported(kind: UnsupportedKind, message: string): Error;
}

export type OnnxHandler = (c: OnnxNodeContext) => Value[];
