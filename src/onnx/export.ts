/**
 * exportOnnx(): our graph IR + weights → a standard ONNX model (opset 13,
 * float32, NCHW), so ONNX Runtime and other tools can run exactly the
 * network we run — the bench compares peers on the same file. Each operator
 * module says which ONNX nodes it becomes (OpDef.exportOnnx); the model is
 * encoded through the official onnx.proto schema, the one the importer reads.
 */
import { GraphError } from '../errors.js';
import { checkWeights } from '../graph/exec_graph.js';
import type { ElementType, Graph, Shape, WeightMap } from '../graph/ir.js';
import type { ExportContext, OnnxAttrValue, OnnxNodeSpec } from '../ops/op.js';
import { opDef } from '../ops/table.js';
import { AttributeType, DataType, encodeModelProto, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';

export const EXPORT_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

function attribute(name: string, value: OnnxAttrValue): AttributeProto {
  if ('ints' in value) return { name, type: AttributeType.INTS, ints: [...value.ints] };
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ('string' in value) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value.string) };
  return { name, type: AttributeType.INT, i: value.int };
}

function nodeProto(n: OnnxNodeSpec): NodeProto {
  return { input: n.inputs, output: n.outputs, name: n.name, opType: n.op, attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)) };
}

/** Float32 data as raw little-endian bytes (every platform we run on). */
function initializer(name: string, dims: Shape, data: Float32Array): TensorProto {
  return { name, dims: [...dims], dataType: DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** A graph input or output: float32, or int64 for an index output (ArgMax, TopK). */
function valueInfo(name: string, shape: Shape, dtype: ElementType = 'float32'): ValueInfoProto {
  return { name, type: { tensorType: { elemType: dtype === 'int64' ? DataType.INT64 : DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } };
}

/**
 * Turns the IR into ONNX nodes. Tensor names are the graph's input/output
 * names at the boundary and `t<id>` inside.
 */
function lowerNodes(graph: Graph, weights: WeightMap): { nodes: OnnxNodeSpec[]; initializers: TensorProto[]; names: Map<number, string> } {
  const names = new Map<number, string>();
  for (const i of graph.inputs) names.set(i.tensor, i.name);
  for (const o of graph.outputs) if (!names.has(o.tensor)) names.set(o.tensor, o.name);
  const nodes: OnnxNodeSpec[] = [];
  const initializers = new Map<string, TensorProto>();
  const c: ExportContext = {
    name: (t) => names.get(t) ?? `t${t}`,
    shape: (t) => graph.tensors[t]!.shape,
    param: (name) => {
      if (!initializers.has(name)) initializers.set(name, initializer(name, graph.parameters.get(name)!.shape, weights.get(name)!));
      return name;
    },
    scalar: (name, value) => {
      if (!initializers.has(name)) initializers.set(name, initializer(name, [], new Float32Array([value])));
      return name;
    },
    floats: (name, values) => {
      if (!initializers.has(name)) initializers.set(name, initializer(name, [values.length], values));
      return name;
    },
    int64s: (name, values) => {
      if (!initializers.has(name)) initializers.set(name, { name, dims: [values.length], dataType: DataType.INT64, int64Data: [...values] });
      return name;
    },
    emit: (node) => void nodes.push(node),
  };
  for (const n of graph.nodes) {
    const def = opDef(n.op);
    if (!def.exportOnnx) throw new GraphError(n.name, `cannot export op "${n.op}" to ONNX`);
    def.exportOnnx(n, c);
  }
  return { nodes, initializers: [...initializers.values()], names };
}

export interface ExportOnnxOptions {
  /** GraphProto.name (default "webgpu-cnn"). */
  name?: string;
}

/**
 * Writes a graph and its weights (PyTorch layouts, checked against the
 * graph's declarations) as an ONNX model.
 *
 * @example
 * const bytes = exportOnnx(lenet5(), weights);
 * await writeFile('lenet5.onnx', bytes);        // or: ort.InferenceSession.create(bytes)
 */
export function exportOnnx(graph: Graph, weights: WeightMap, options: ExportOnnxOptions = {}): Uint8Array {
  checkWeights(graph, weights);
  const { nodes, initializers, names } = lowerNodes(graph, weights);
  // an output that is also a graph input (or a second name for one tensor) needs its own node to be named
  for (const o of graph.outputs) {
    const produced = names.get(o.tensor);
    if (produced !== o.name) nodes.push({ name: `${o.name}.identity`, op: 'Identity', inputs: [produced ?? `t${o.tensor}`], outputs: [o.name] });
  }
  return encodeModelProto({
    irVersion: IR_VERSION,
    producerName: 'webgpu-cnn',
    graph: {
      node: nodes.map(nodeProto),
      name: options.name ?? 'webgpu-cnn',
      initializer: initializers,
      input: graph.inputs.map((i) => valueInfo(i.name, graph.tensors[i.tensor]!.shape)),
      output: graph.outputs.map((o) => valueInfo(o.name, graph.tensors[o.tensor]!.shape, graph.tensors[o.tensor]!.dtype)),
    },
    // the default domain (empty: ai.onnx)
    opsetImport: [{ version: EXPORT_OPSET }],
  });
}
