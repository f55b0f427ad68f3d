/**
 * Builds small ONNX models with protobufjs and the official schema (the
 * importer's own encoder), and checks the importer against onnxruntime-node
 * on them.
 */
import { expect } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { parseOnnx, type OnnxModel, type ParseOnnxOptions } from '../../src/onnx/import.js';
import { AttributeType, DataType, encodeModelProto, type AttributeProto, type NodeProto, type TensorProto } from '../../src/onnx/proto.js';
import { testContext } from './gpu.js';
import { runOnnxRuntime } from './onnx_runtime.js';
import { Rng, relativeL2 } from './random.js';

export { DataType };

type AttrValue = number | readonly number[] | string | TensorProto | { float: number } | { floats: readonly number[] };

/** Attributes from plain values: integers → INT(S), `{ float }`/`{ floats }` or non-integers → FLOAT(S), strings, tensors. */
export function attributes(values: Record<string, AttrValue | undefined>): AttributeProto[] {
  const out: AttributeProto[] = [];
  for (const [name, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (typeof v === 'string') out.push({ name, type: AttributeType.STRING, s: new TextEncoder().encode(v) });
    else if (typeof v === 'number') out.push(Number.isInteger(v) ? { name, type: AttributeType.INT, i: v } : { name, type: AttributeType.FLOAT, f: v });
    else if (Array.isArray(v)) out.push({ name, type: AttributeType.INTS, ints: [...(v as number[])] });
    else if ('float' in (v as object)) out.push({ name, type: AttributeType.FLOAT, f: (v as { float: number }).float });
    else if ('floats' in (v as object)) out.push({ name, type: AttributeType.FLOATS, floats: [...(v as { floats: number[] }).floats] });
    else out.push({ name, type: AttributeType.TENSOR, t: v as TensorProto });
  }
  return out;
}

export function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  return { name, dims: [...dims], dataType: DataType.FLOAT, floatData: Array.from(data) };
}

export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return { name, dims: [...dims], dataType: DataType.INT64, int64Data: [...values] };
}

export interface ModelSpec {
  opset: number;
  nodes: NodeProto[];
  /** Float inputs; a string dimension is symbolic. */
  inputs: { name: string; shape: readonly (number | string)[] | undefined; elemType?: number }[];
  outputs: string[];
  initializers?: TensorProto[];
  irVersion?: number;
}

let nodeCount = 0;

/** A node with attributes from plain values; named `${opType}_${k}` (unique) unless `name` is given. */
export function node(opType: string, input: readonly string[], output: readonly string[], attrs: Record<string, AttrValue | undefined> = {}, name?: string): NodeProto {
  return { opType, input: [...input], output: [...output], attribute: attributes(attrs), name: name ?? `${opType}_${++nodeCount}` };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const valueInfo = (name: string, shape: readonly (number | string)[] | undefined, elemType: number = DataType.FLOAT) => ({
    name,
    type: { tensorType: { elemType, ...(shape ? { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } : {}) } },
  });
  return encodeModelProto({
    // IR 8 holds every opset up to 21's semantics for ORT's checker (opset ≥ 21 needs IR 10)
    irVersion: spec.irVersion ?? (spec.opset >= 21 ? 10 : spec.opset >= 15 ? 8 : 7),
    producerName: 'webgpu-cnn tests',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: {
      name: 'test',
      node: spec.nodes,
      input: spec.inputs.map((i) => valueInfo(i.name, i.shape, i.elemType)),
      output: spec.outputs.map((o) => ({ name: o, type: { tensorType: { elemType: DataType.FLOAT } } })),
      initializer: spec.initializers ?? [],
    },
  });
}

/**
 * Imports `bytes`, runs it on the GPU and in onnxruntime-node with the same
 * seeded random inputs, and asserts every output's relative L2 error.
 * Returns the imported model and the errors by output.
 */
export async function expectMatchesOrt(bytes: Uint8Array, options: { seed: number; tolerance?: number; parse?: ParseOnnxOptions; label?: string }): Promise<{ model: OnnxModel; errors: Record<string, number> }> {
  const imported = parseOnnx(bytes, options.parse);
  const rng = new Rng(options.seed);
  const inputs = Object.fromEntries(imported.inputs.map((i) => [i.name, { data: rng.array(i.shape.reduce((a, b) => a * b, 1), -2, 2), shape: i.shape }]));
  const expected = await runOnnxRuntime(bytes, inputs);
  const compiled = await compile(await testContext(), imported.graph, imported.weights);
  const errors: Record<string, number> = {};
  try {
    const { outputs } = await compiled.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
    for (const o of imported.outputs) {
      const ref = expected[o.name]!;
      expect(o.shape, `output ${o.name} shape`).toEqual(ref.shape);
      const error = relativeL2(outputs[o.name]!, ref.data);
      errors[o.name] = error;
      expect(error, `${options.label ?? ''} output ${o.name}`).toBeLessThanOrEqual(options.tolerance ?? 1e-4);
    }
  } finally {
    compiled.dispose();
  }
  return { model: imported, errors };
}
