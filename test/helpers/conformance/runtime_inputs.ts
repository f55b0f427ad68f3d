/**
 * Which graph inputs of a conformance case stay runtime inputs, and the
 * model rewritten so that the others are initializers holding the case's own
 * values. A runtime with constant weights runs Conv's W, BatchNormalization's
 * statistics, Pad's pads, Reshape's shape, Resize's scales… as initializers,
 * so (test/fixtures/conformance/README.md): the first input stays; so does
 * every input of an operator whose operands are all data, and every input
 * used only as some node's input 0; the rest become initializers.
 */
import { decodeModelProto, encodeModelProto, type ModelProto, type TensorProto } from '../../../src/onnx/proto.js';

/** Operators whose every operand is data (elementwise arithmetic, Concat, Where, comparisons, logic). */
const DATA_OPERAND_OPS: ReadonlySet<string> = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Max', 'Min', 'Mean', 'Concat', 'Pow', 'Where',
  'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Or', 'Xor', 'Not',
]);

export interface RuntimeInput {
  name: string;
  tensor: TensorProto;
}

export interface PreparedCase {
  /** The model with the constant inputs moved into graph.initializer. */
  model: Uint8Array;
  /** The inputs left to feed at run time, with the case's values. */
  runtime: RuntimeInput[];
  /** The names turned into initializers. */
  constants: string[];
}

/** True when `name` stays a runtime input by the rule above (`index` is its place among the data-carrying graph inputs). */
function staysRuntime(model: ModelProto, name: string, index: number): boolean {
  if (index === 0) return true;
  const uses = (model.graph?.node ?? []).flatMap((n) => (n.input ?? []).flatMap((input, slot) => (input === name ? [{ op: n.opType ?? '', slot }] : [])));
  if (uses.some((u) => DATA_OPERAND_OPS.has(u.op))) return true;
  return uses.length > 0 && uses.every((u) => u.slot === 0);
}

/**
 * Splits the graph inputs that carry test data (those that are not also
 * initializers, as before IR 4 initializers were listed as inputs too) into
 * runtime inputs and initializers, and re-encodes the model.
 */
export function prepareCase(bytes: Uint8Array, inputs: readonly TensorProto[]): PreparedCase {
  const model = decodeModelProto(bytes);
  const graph = (model.graph ??= {});
  const initialized = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const fed = (graph.input ?? []).filter((i) => !initialized.has(i.name ?? ''));
  if (fed.length !== inputs.length) throw new Error(`the model has ${fed.length} graph inputs without initializers but the data set has ${inputs.length} input files`);
  const runtime: RuntimeInput[] = [];
  const constants: string[] = [];
  fed.forEach((info, index) => {
    const name = info.name ?? '';
    const tensor = { ...inputs[index]!, name };
    if (staysRuntime(model, name, index)) return void runtime.push({ name, tensor });
    constants.push(name);
    (graph.initializer ??= []).push(tensor);
  });
  const moved = new Set(constants);
  graph.input = (graph.input ?? []).filter((i) => !moved.has(i.name ?? ''));
  return { model: encodeModelProto(model), runtime, constants };
}
