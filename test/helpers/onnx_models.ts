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
  /** Element types of outputs by name (default FLOAT), e.g. INT64 for ArgMax. */
  outputTypes?: Record<string, number>;
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
      output: spec.outputs.map((o) => ({ name: o, type: { tensorType: { elemType: spec.outputTypes?.[o] ?? DataType.FLOAT } } })),
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
    const { float } = await compiled.run(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.data])));
    for (const o of imported.outputs) {
      const ref = expected[o.name]!;
      expect(o.shape, `output ${o.name} shape`).toEqual(ref.shape);
      const error = relativeL2(float(o.name), ref.data);
      errors[o.name] = error;
      expect(error, `${options.label ?? ''} output ${o.name}`).toBeLessThanOrEqual(options.tolerance ?? 1e-4);
    }
  } finally {
    compiled.dispose();
  }
  return { model: imported, errors };
}

/**
 * A model whose output is `x + value`, x a [1, ...] input: wraps `nodes`
 * that compute `value` from constants only, so the folded value is live
 * (reaches an output) and the importer must fold it.
 */
export function liveConstantModel(spec: { nodes: NodeProto[]; value: string; initializers?: TensorProto[]; opset?: number; inputShape?: readonly number[] }): Uint8Array {
  return buildModel({
    opset: spec.opset ?? 13,
    nodes: [...spec.nodes, node('Add', ['x', spec.value], ['y'], {}, 'use')],
    inputs: [{ name: 'x', shape: spec.inputShape ?? [1, 1] }],
    outputs: ['y'],
    initializers: spec.initializers ?? [],
  });
}

/** A rank-0 or 1-D float tensor of the given values (NaN and Infinity included). */
export function floatScalar(name: string, value: number): TensorProto {
  return { name, dims: [], dataType: DataType.FLOAT, floatData: [value] };
}

export interface FoldBomb {
  name: string;
  bytes: Uint8Array;
  /** The node that must refuse it; undefined for an initializer. */
  node: string | undefined;
  /** Which limit the default budget reports. */
  limit: 'maxTensorBytes' | 'maxTotalBytes' | 'invalid';
}

/**
 * Tiny files whose constant folding once asked for gigabytes (issue #11):
 * each must end quickly in an OnnxFormatError naming `node`.
 */
export function foldBombs(): FoldBomb[] {
  const range = (name: string, start: number, limit: number, delta: number, kind: FoldBomb['limit']): FoldBomb => ({
    name,
    node: 'bomb',
    limit: kind,
    bytes: liveConstantModel({
      nodes: [node('Range', ['s', 'l', 'd'], ['r'], {}, 'bomb')],
      value: 'r',
      initializers: [floatScalar('s', start), floatScalar('l', limit), floatScalar('d', delta)],
    }),
  });
  const shapeOf = (dims: readonly number[]): TensorProto => int64Tensor('shape', dims);
  return [
    range('Range to 2^30', 0, 2 ** 30, 1, 'maxTensorBytes'),
    range('Range with a tiny delta', 0, 1, 1e-9, 'maxTensorBytes'),
    range('Range to NaN', 0, NaN, 1, 'invalid'),
    range('Range to Infinity', 0, Infinity, 1, 'invalid'),
    range('Range by NaN', 0, 10, NaN, 'invalid'),
    {
      name: 'four ConstantOfShape [2^30]',
      node: 'bomb',
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({
        nodes: [
          node('ConstantOfShape', ['shape'], ['c1'], {}, 'bomb'),
          node('ConstantOfShape', ['shape'], ['c2'], {}, 'cos2'),
          node('ConstantOfShape', ['shape'], ['c3'], {}, 'cos3'),
          node('ConstantOfShape', ['shape'], ['c4'], {}, 'cos4'),
          node('Add', ['c1', 'c2'], ['a'], {}, 'a1'),
          node('Add', ['c3', 'c4'], ['b'], {}, 'a2'),
          node('Add', ['a', 'b'], ['v'], {}, 'a3'),
        ],
        value: 'v',
        initializers: [shapeOf([2 ** 30])],
      }),
    },
    {
      name: 'ConstantOfShape then ReduceMean',
      node: 'bomb',
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({
        nodes: [node('ConstantOfShape', ['shape'], ['c'], {}, 'bomb'), node('ReduceMean', ['c'], ['m'], { axes: [1], keepdims: 1 }, 'mean')],
        value: 'm',
        initializers: [shapeOf([2 ** 30, 1])],
      }),
    },
    {
      name: 'Expand to [2^15, 2^15]',
      node: 'bomb',
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({ nodes: [node('Expand', ['one', 'shape'], ['e'], {}, 'bomb')], value: 'e', initializers: [floatScalar('one', 1), shapeOf([2 ** 15, 2 ** 15])] }),
    },
    {
      name: 'Expand to a NaN dimension',
      node: 'bomb',
      limit: 'invalid',
      bytes: liveConstantModel({ nodes: [node('Expand', ['one', 'shape'], ['e'], {}, 'bomb')], value: 'e', initializers: [floatScalar('one', 1), { name: 'shape', dims: [2], dataType: DataType.FLOAT, floatData: [NaN, 4] }] }),
    },
    {
      name: 'Cast of a huge ConstantOfShape',
      node: 'bomb',
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({
        nodes: [node('ConstantOfShape', ['shape'], ['c'], { value: int64Tensor('v', [1], [1]) }, 'bomb'), node('Cast', ['c'], ['f'], { to: DataType.FLOAT }, 'cast')],
        value: 'f',
        initializers: [shapeOf([2 ** 28])],
      }),
    },
    {
      name: 'Tile by 2^30',
      node: 'bomb',
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({ nodes: [node('Tile', ['one', 'reps'], ['t'], {}, 'bomb')], value: 't', initializers: [floatTensor('one', [1], [1]), int64Tensor('reps', [2 ** 30])] }),
    },
    {
      name: 'an initializer of 2^40 elements',
      node: undefined,
      limit: 'maxTensorBytes',
      bytes: liveConstantModel({ nodes: [], value: 'w', initializers: [{ name: 'w', dims: [2 ** 20, 2 ** 20], dataType: DataType.FLOAT }] }),
    },
  ];
}
