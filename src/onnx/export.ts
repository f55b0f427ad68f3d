/**
 * exportOnnx(): our graph IR + weights → a standard ONNX model (opset 13,
 * float32, NCHW), so ONNX Runtime and other tools can run exactly the
 * network we run — the bench compares peers on the same file.
 *
 * Only the few ONNX messages a model needs are written, straight to the
 * protobuf wire format with protobufjs's Writer (field numbers from the
 * ONNX spec, noted at each message) — no .proto file is parsed here.
 */
import protobuf from 'protobufjs/minimal.js';
import { GraphError, UnsupportedConfigurationError } from '../errors.js';
import { type Graph, type GraphNode, type Shape, type WeightMap } from '../graph/ir.js';
import { checkWeights } from '../graph/exec_graph.js';

export const EXPORT_OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

/** TensorProto.DataType FLOAT. */
const FLOAT = 1;
/** The largest float32: Clip's bound when a side is open. */
const FLOAT_MAX = 3.4028234663852886e38;

const enum Wire {
  Varint = 0,
  Bytes = 2,
  Fixed32 = 5,
}

type Writer = protobuf.Writer;
const tag = (w: Writer, field: number, wire: Wire) => w.uint32((field << 3) | wire);

function message(w: Writer, field: number, body: (w: Writer) => void): void {
  tag(w, field, Wire.Bytes);
  w.fork();
  body(w);
  w.ldelim();
}

const str = (w: Writer, field: number, value: string) => (tag(w, field, Wire.Bytes), w.string(value));
const int = (w: Writer, field: number, value: number) => (tag(w, field, Wire.Varint), w.int64(value));

/** An ONNX attribute value: number lists are INTS, a float is FLOAT (marked), an integer INT. */
type AttrValue = { ints: readonly number[] } | { float: number } | { int: number };

interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, AttrValue>;
}

interface Initializer {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

/** AttributeProto: name 1, f 2, i 3, floats 7, ints 8, type 20 (FLOAT 1, INT 2, INTS 7). */
function writeAttribute(w: Writer, name: string, value: AttrValue): void {
  message(w, 5, (a) => {
    str(a, 1, name);
    if ('ints' in value) {
      for (const v of value.ints) int(a, 8, v);
      int(a, 20, 7);
    } else if ('float' in value) {
      tag(a, 2, Wire.Fixed32);
      a.float(value.float);
      int(a, 20, 1);
    } else {
      int(a, 3, value.int);
      int(a, 20, 2);
    }
  });
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function writeNode(w: Writer, n: OnnxNode): void {
  message(w, 1, (m) => {
    for (const i of n.inputs) str(m, 1, i);
    for (const o of n.outputs) str(m, 2, o);
    str(m, 3, n.name);
    str(m, 4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) writeAttribute(m, k, v);
  });
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian, as every platform we run on). */
function writeInitializer(w: Writer, t: Initializer): void {
  message(w, 5, (m) => {
    for (const d of t.dims) int(m, 1, d);
    int(m, 2, FLOAT);
    str(m, 8, t.name);
    tag(m, 9, Wire.Bytes);
    m.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

/** ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1. */
function writeValueInfo(w: Writer, field: number, name: string, shape: Shape): void {
  message(w, field, (v) => {
    str(v, 1, name);
    message(v, 2, (t) =>
      message(t, 1, (tt) => {
        int(tt, 1, FLOAT);
        message(tt, 2, (s) => {
          for (const d of shape) message(s, 1, (dim) => int(dim, 1, d));
        });
      }),
    );
  });
}

/**
 * Turns the IR into ONNX nodes. Tensor names are the graph's input/output
 * names at the boundary and `t<id>` inside; activations ONNX 13 lacks are
 * composed (SiLU = x·σ(x), hard-swish = x·hardσ(x), ReLU6 = Clip).
 */
function lowerNodes(graph: Graph, weights: WeightMap): { nodes: OnnxNode[]; initializers: Initializer[]; names: Map<number, string> } {
  const names = new Map<number, string>();
  for (const i of graph.inputs) names.set(i.tensor, i.name);
  for (const o of graph.outputs) if (!names.has(o.tensor)) names.set(o.tensor, o.name);
  const nameOf = (t: number) => names.get(t) ?? `t${t}`;
  const nodes: OnnxNode[] = [];
  const initializers: Initializer[] = [];
  const param = (name: string) => {
    if (!initializers.some((i) => i.name === name)) initializers.push({ name, dims: graph.parameters.get(name)!.shape, data: weights.get(name)! });
    return name;
  };
  const constant = (name: string, value: number) => {
    if (!initializers.some((i) => i.name === name)) initializers.push({ name, dims: [], data: new Float32Array([value]) });
    return name;
  };
  const activation = (n: GraphNode & { op: 'activation' }, x: string, y: string): OnnxNode[] => {
    // ONNX 13 has no SiLU or HardSwish: they are composed from the gate and a Mul
    const base = { name: n.name, inputs: [x], outputs: [y] };
    switch (n.activation) {
      case 'relu':
        return [{ ...base, op: 'Relu' }];
      case 'sigmoid':
        return [{ ...base, op: 'Sigmoid' }];
      case 'tanh':
        return [{ ...base, op: 'Tanh' }];
      case 'relu6':
        return [{ ...base, op: 'Clip', inputs: [x, constant('const_zero', 0), constant('const_six', 6)] }];
      case 'silu':
        return [
          { name: `${n.name}.sigmoid`, op: 'Sigmoid', inputs: [x], outputs: [`${y}.gate`] },
          { ...base, op: 'Mul', inputs: [x, `${y}.gate`] },
        ];
      case 'leaky_relu':
        return [{ ...base, op: 'LeakyRelu', attrs: { alpha: { float: n.params?.alpha ?? 0.01 } } }];
      case 'hardsigmoid':
        return [{ ...base, op: 'HardSigmoid', attrs: { alpha: { float: n.params?.alpha ?? 0.2 }, beta: { float: n.params?.beta ?? 0.5 } } }];
      case 'clip': {
        const [lo, hi] = [n.params?.min ?? -FLOAT_MAX, n.params?.max ?? FLOAT_MAX];
        return [{ ...base, op: 'Clip', inputs: [x, constant(`const_${lo}`, lo), constant(`const_${hi}`, hi)] }];
      }
      case 'hardswish':
        return [
          { name: `${n.name}.hardsigmoid`, op: 'HardSigmoid', inputs: [x], outputs: [`${y}.gate`], attrs: { alpha: { float: 1 / 6 }, beta: { float: 0.5 } } },
          { ...base, op: 'Mul', inputs: [x, `${y}.gate`] },
        ];
    }
  };
  const poolAttrs = (a: { kernelHeight: number; kernelWidth: number; strideH: number; strideW: number; padTop: number; padLeft: number; padBottom: number; padRight: number }) => ({
    kernel_shape: { ints: [a.kernelHeight, a.kernelWidth] },
    strides: { ints: [a.strideH, a.strideW] },
    pads: { ints: [a.padTop, a.padLeft, a.padBottom, a.padRight] },
  });

  for (const n of graph.nodes) {
    const x = nameOf(n.inputs[0]!);
    const y = nameOf(n.output);
    const inShape = graph.tensors[n.inputs[0]!]!.shape;
    const base = { name: n.name, inputs: n.inputs.map(nameOf), outputs: [y] };
    switch (n.op) {
      case 'conv2d':
        nodes.push({
          ...base,
          op: 'Conv',
          inputs: [x, param(n.weight), ...(n.bias ? [param(n.bias)] : [])],
          attrs: { ...poolAttrs(n.attrs), dilations: { ints: [n.attrs.dilationH, n.attrs.dilationW] }, group: { int: n.attrs.groups } },
        });
        break;
      case 'batchnorm':
        nodes.push({ ...base, op: 'BatchNormalization', inputs: [x, param(n.weight), param(n.bias), param(n.mean), param(n.variance)], attrs: { epsilon: { float: n.epsilon } } });
        break;
      case 'activation':
        nodes.push(...activation(n, x, y));
        break;
      case 'maxpool':
        nodes.push({ ...base, op: 'MaxPool', attrs: { ...poolAttrs(n.attrs), ceil_mode: { int: n.attrs.ceilMode ? 1 : 0 } } });
        break;
      case 'avgpool':
        nodes.push({ ...base, op: 'AveragePool', attrs: { ...poolAttrs(n.attrs), ceil_mode: { int: n.attrs.ceilMode ? 1 : 0 }, count_include_pad: { int: n.attrs.countIncludePad ? 1 : 0 } } });
        break;
      case 'globalavgpool':
        nodes.push({ ...base, op: 'GlobalAveragePool' });
        break;
      case 'adaptiveavgpool': {
        const [h, w] = [inShape[2]!, inShape[3]!];
        if (n.outHeight === 1 && n.outWidth === 1) nodes.push({ ...base, op: 'GlobalAveragePool' });
        else if (h % n.outHeight === 0 && w % n.outWidth === 0) {
          // evenly divisible: adaptive pooling is a plain average pool
          const [kh, kw] = [h / n.outHeight, w / n.outWidth];
          nodes.push({ ...base, op: 'AveragePool', attrs: { kernel_shape: { ints: [kh, kw] }, strides: { ints: [kh, kw] } } });
        } else {
          throw new UnsupportedConfigurationError(`${n.name}: adaptive average pooling ${h}×${w} → ${n.outHeight}×${n.outWidth} has uneven windows, which ONNX cannot express with one op`);
        }
        break;
      }
      case 'linear':
        nodes.push({ ...base, op: 'Gemm', inputs: [x, param(n.weight), ...(n.bias ? [param(n.bias)] : [])], attrs: { transB: { int: 1 } } });
        break;
      case 'add':
        nodes.push({ ...base, op: 'Add' });
        break;
      case 'mul':
        nodes.push({ ...base, op: 'Mul' });
        break;
      case 'sub':
        nodes.push({ ...base, op: 'Sub' });
        break;
      case 'div':
        nodes.push({ ...base, op: 'Div' });
        break;
      case 'matmul':
        nodes.push({ ...base, op: 'MatMul' });
        break;
      case 'transpose':
        nodes.push({ ...base, op: 'Transpose', attrs: { perm: { ints: n.perm } } });
        break;
      case 'reducemean':
        nodes.push({ ...base, op: 'ReduceMean', attrs: { axes: { ints: [2, 3] }, keepdims: { int: n.keepdims ? 1 : 0 } } });
        break;
      case 'concat':
        nodes.push({ ...base, op: 'Concat', attrs: { axis: { int: 1 } } });
        break;
      case 'flatten':
        nodes.push({ ...base, op: 'Flatten', attrs: { axis: { int: 1 } } });
        break;
      case 'softmax':
        nodes.push({ ...base, op: 'Softmax', attrs: { axis: { int: 1 } } });
        break;
      case 'lrn':
        // the ONNX spec (and ONNX Runtime) take odd sizes only; for those both conventions centre the window alike
        if (n.size % 2 === 0) throw new UnsupportedConfigurationError(`${n.name}: ONNX's LRN needs an odd size, got ${n.size}`);
        nodes.push({ ...base, op: 'LRN', attrs: { size: { int: n.size }, alpha: { float: n.alpha }, beta: { float: n.beta }, bias: { float: n.k } } });
        break;
      case 'dropout':
      case 'identity':
        nodes.push({ ...base, op: 'Identity' });
        break;
      default:
        throw new GraphError((n as GraphNode).name, `cannot export op "${(n as GraphNode).op}" to ONNX`);
    }
  }
  return { nodes, initializers, names };
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
  const w = protobuf.Writer.create();
  int(w, 1, IR_VERSION); // ModelProto.ir_version
  str(w, 2, 'webgpu-cnn'); // producer_name
  // GraphProto: node 1, name 2, initializer 5, input 11, output 12
  message(w, 7, (g) => {
    for (const n of nodes) writeNode(g, n);
    str(g, 2, options.name ?? 'webgpu-cnn');
    for (const t of initializers) writeInitializer(g, t);
    for (const i of graph.inputs) writeValueInfo(g, 11, i.name, graph.tensors[i.tensor]!.shape);
    for (const o of graph.outputs) writeValueInfo(g, 12, o.name, graph.tensors[o.tensor]!.shape);
  });
  // OperatorSetIdProto: domain 1 (empty: the default ai.onnx), version 2
  message(w, 8, (o) => int(o, 2, EXPORT_OPSET));
  return w.finish();
}
