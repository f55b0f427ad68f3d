/**
 * What lowering one ONNX graph shares across its nodes: the builder, the
 * values by name (constants on the CPU or runtime tensors), the weight map
 * being filled, unique node and parameter names. Runtime values keep their
 * ONNX shape next to the builder tensor, so shape-only ops (Reshape,
 * Flatten, Squeeze, Unsqueeze) cost nothing until a consumer needs the
 * value as a tensor of that shape (a reshape node, free where both shapes
 * are stored row-major). NodeContext is the OnnxNodeContext
 * the operator modules' import handlers are written against.
 */
import { OnnxFormatError, UnsupportedOnnxError } from '../errors.js';
import type { GraphBuilder, Tensor } from '../graph/builder.js';
import type { BuildContext } from '../ops/op.js';
import { MAX_RANK } from '../ops/checks.js';
import { runtime, type ConstTensor, type OnnxNodeContext, type RuntimeValue, type UnsupportedKind, type Value } from '../ops/onnx_import.js';
import type { Attributes } from './attributes.js';
import type { MaterializeBudget } from './budget.js';
import { transpose } from './fold.js';
import type { NodeProto } from './proto.js';
import { elementCountOf, isFloatType } from './tensor.js';

export { constant, runtime, type ConstValue, type RuntimeValue, type Value } from '../ops/onnx_import.js';

export class LoweringState {
  readonly values = new Map<string, Value>();
  readonly weights = new Map<string, Float32Array>();
  readonly notices: string[] = [];
  private readonly nodeNames = new Set<string>();
  private readonly paramNames = new Set<string>();
  private readonly constants = new Map<ConstTensor, Map<string, Tensor>>();

  constructor(
    readonly g: GraphBuilder,
    readonly opset: number,
    /** What this import may still materialize on the CPU. */
    readonly budget: MaterializeBudget,
  ) {}

  /** A node name no other node has; the builder's own automatic names (`constant_3`) are avoided. */
  uniqueNodeName(base: string): string {
    const clean = base || 'node';
    let name = /^[a-z]+_\d+$/.test(clean) ? `${clean}'` : clean;
    for (let k = 2; this.nodeNames.has(name); k++) name = `${clean}#${k}`;
    this.nodeNames.add(name);
    return name;
  }

  /** A parameter name nobody has, preferring `base`. */
  uniqueParamName(base: string): string {
    let name = base || 'param';
    for (let k = 2; this.paramNames.has(name); k++) name = `${base}#${k}`;
    this.paramNames.add(name);
    return name;
  }

  /** Records a parameter under the name the builder declared for it. */
  setWeight(param: string, data: Float32Array): void {
    this.paramNames.add(param);
    this.weights.set(param, data);
  }

  /** A float constant as a graph tensor of `shape` (same element count); one tensor per constant and shape. */
  constantTensor(c: ConstTensor, shape: readonly number[], nameHint: string): Tensor {
    if (!isFloatType(c.dtype)) throw new UnsupportedOnnxError('dtype', `the integer constant "${nameHint}" is used as a runtime tensor: only float32 tensors run on the GPU`);
    if (elementCountOf(shape) !== c.data.length) throw new OnnxFormatError(`constant "${nameHint}" of shape [${c.dims.join(', ')}] cannot become [${shape.join(', ')}]`);
    const key = shape.join();
    let byShape = this.constants.get(c);
    if (!byShape) this.constants.set(c, (byShape = new Map()));
    const cached = byShape.get(key);
    if (cached) return cached;
    const param = this.uniqueParamName(nameHint);
    const t = this.g.constant(param, shape);
    this.weights.set(param, c.data instanceof Float32Array ? c.data : Float32Array.from(c.data));
    byShape.set(key, t);
    return t;
  }
}

/** One node being lowered: its inputs, attributes and a unique name. */
export class NodeContext implements OnnxNodeContext {
  constructor(
    readonly state: LoweringState,
    readonly node: NodeProto,
    /** Unique; used for the builder nodes it creates and in errors. */
    readonly name: string,
    readonly attrs: Attributes,
    readonly inputs: readonly (Value | undefined)[],
  ) {}

  get opset(): number {
    return this.state.opset;
  }

  get g(): GraphBuilder {
    return this.state.g;
  }

  get build(): BuildContext {
    return this.state.g.context;
  }

  get budget(): MaterializeBudget {
    return this.state.budget;
  }

  get opType(): string {
    return this.node.opType ?? '';
  }

  get inputNames(): readonly string[] {
    return this.node.input ?? [];
  }

  get outputNames(): readonly string[] {
    return this.node.output ?? [];
  }

  input(i: number): Value {
    const v = this.inputs[i];
    if (!v) throw this.format(`input ${i} is missing`);
    return v;
  }

  runtimeInput(i: number): RuntimeValue {
    const v = this.input(i);
    if (v.kind === 'runtime') return v;
    if (v.value.dims.length > MAX_RANK) throw this.unsupported('shape', `input ${i} is a rank-${v.value.dims.length} constant; runtime tensors have rank at most ${MAX_RANK}`);
    return runtime(this.state.constantTensor(v.value, v.value.dims, this.node.input?.[i] || `${this.name}.input${i}`));
  }

  constInput(i: number, what: string): ConstTensor {
    const v = this.input(i);
    if (v.kind !== 'const') throw this.unsupported('attribute', `${what} (input ${i}) must be a constant, but it is computed at run time`);
    return v.value;
  }

  optionalInts(i: number, what: string): number[] | undefined {
    if (!this.inputs[i]) return undefined;
    return Array.from(this.constInput(i, what).data);
  }

  tensor(v: RuntimeValue, shape: readonly number[] | undefined = v.shape, suffix = 'reshape'): Tensor {
    if (shape.length > MAX_RANK) throw this.unsupported('shape', `needs a tensor of shape [${shape.join(', ')}]; runtime tensors have rank at most ${MAX_RANK}`);
    if (shape.some((d) => d < 1)) throw this.unsupported('shape', `needs a tensor of shape [${shape.join(', ')}]; empty tensors are not supported`);
    if (v.tensor.shape.join() === shape.join()) return v.tensor;
    const name = this.state.uniqueNodeName(`${this.name}/${suffix}`);
    const t = v.tensor;
    // [N, C, H, W] → [N, C·H·W] is the builder's flatten
    if (t.shape.length === 4 && shape.length === 2 && shape[0] === t.shape[0] && shape[1] === t.shape[1]! * t.shape[2]! * t.shape[3]!) return this.g.flatten(t, name);
    return this.g.reshape(t, shape, name);
  }

  tensorOf(v: Value, nameHint: string): Tensor {
    if (v.kind === 'runtime') return this.tensor(v);
    if (v.value.dims.length > MAX_RANK) throw this.unsupported('shape', `a rank-${v.value.dims.length} constant cannot be a runtime tensor (rank at most ${MAX_RANK})`);
    return this.state.constantTensor(v.value, v.value.dims, nameHint);
  }

  constantTensor(c: ConstTensor, shape: readonly number[], nameHint: string): Tensor {
    return this.state.constantTensor(c, shape, nameHint);
  }

  setWeight(param: string, data: Float32Array): void {
    this.state.setWeight(param, data);
  }

  transposeConst(t: ConstTensor, perm: readonly number[]): ConstTensor {
    return transpose(t, perm);
  }

  sub(suffix: string): string {
    return this.state.uniqueNodeName(`${this.name}/${suffix}`);
  }

  format(message: string): OnnxFormatError {
    return new OnnxFormatError(message, { node: `${this.name}` });
  }

  unsupported(kind: UnsupportedKind, message: string): UnsupportedOnnxError {
    return new UnsupportedOnnxError(kind, `node "${this.name}" (${this.opType}): ${message}`);
  }
}
