/**
 * ONNX → graph: decodes a ModelProto, fixes the input shapes, then walks the
 * nodes in order. A node whose inputs are all constants is folded on the CPU
 * when the evaluator knows its op; otherwise it is lowered onto the graph
 * builder. Nodes no graph output depends on are skipped, never folded.
 * Unsupported ops are collected over the whole graph and reported together
 * in one UnsupportedOnnxError. Everything materialized on the CPU is charged
 * to one MaterializeBudget per import (see ParseOnnxOptions.materializeLimits).
 */
import { OnnxFormatError, UnsupportedOnnxError, WebGpuCnnError } from '../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import { MAX_RANK } from '../ops/checks.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { Attributes } from './attributes.js';
import { MaterializeBudget, type MaterializeLimits } from './budget.js';
import { LoweringState, NodeContext, runtime, constant, type Value } from './context.js';
import { ONNX_IMPORTERS } from '../ops/table.js';
import type { OnnxHandler } from '../ops/onnx_import.js';
import { FOLD_OPS } from './ops_fold.js';
import { SHAPE_OPS } from './ops_shape.js';
import { DataType, decodeModelProto, type GraphProto, type ModelProto, type ValueInfoProto } from './proto.js';
import { decodeTensor, dtypeName, isExternal } from './tensor.js';

export interface ParseOnnxOptions {
  /** The batch size for a symbolic first dimension of every input (default 1). */
  batch?: number;
  /** Full shapes for inputs with other symbolic (or missing) dimensions, by input name. */
  inputShapes?: Record<string, readonly number[]>;
  /**
   * How much the importer may hold on the CPU while it decodes initializers
   * and folds constant subgraphs: `maxTensorBytes` per tensor (default
   * 512 MiB) and `maxTotalBytes` over the whole import (default 2 GiB). Each
   * is checked before the array is allocated; past one the import fails with
   * an OnnxFormatError naming the node and the limit.
   * @example
   * parseOnnx(bytes, { materializeLimits: { maxTensorBytes: 2 ** 30, maxTotalBytes: 2 ** 32 } });
   */
  materializeLimits?: MaterializeLimits;
}

export interface OnnxModel {
  /** The graph for compile(). */
  graph: Graph;
  /** Its parameters: conv weights OIHW, linear weights [out][in], constants as the graph uses them. */
  weights: WeightMap;
  /** The graph inputs with their fixed shapes (NCHW). */
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** The ai.onnx opset the model imports. */
  opset: number;
  producer: string;
  /** Conversions the loader made, e.g. float16 initializers widened to float32. */
  notices: string[];
}

/** How each ONNX op becomes graph nodes: the operator modules' importers, and the ops that only relabel or pass a value. */
const RUNTIME_OPS: Readonly<Record<string, OnnxHandler | ((c: NodeContext) => Value[])>> = { ...ONNX_IMPORTERS, ...SHAPE_OPS };

/** Ops whose value is the same whatever their inputs hold: they fold even on runtime inputs. */
const SHAPE_ONLY = new Set(['Shape', 'Size']);

function opsetOf(model: ModelProto): number {
  const imports = model.opsetImport ?? [];
  const main = imports.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!main) throw new UnsupportedOnnxError('opset', 'the model imports no ai.onnx opset');
  const v = main.version ?? 0;
  if (!Number.isSafeInteger(v) || v < 1) throw new OnnxFormatError(`invalid ai.onnx opset version ${v}`);
  return v;
}

function fixInputShape(info: ValueInfoProto, options: ParseOnnxOptions): number[] {
  const name = info.name ?? '';
  const tensorType = info.type?.tensorType;
  if (!tensorType) throw new UnsupportedOnnxError('dtype', `input "${name}" is not a tensor`);
  if ((tensorType.elemType ?? 0) !== DataType.FLOAT) throw new UnsupportedOnnxError('dtype', `input "${name}" has element type ${dtypeName(tensorType.elemType ?? 0)}; model inputs must be float32`);
  const given = options.inputShapes?.[name];
  // a shape with no dims is a scalar (rank 0); no shape at all is an unknown rank
  const dims = tensorType.shape ? (tensorType.shape.dim ?? []) : undefined;
  if (given) {
    if (given.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new UnsupportedOnnxError('dynamic-shape', `inputShapes["${name}"] [${given.join(', ')}] must be positive integers`);
    if (dims && (dims.length !== given.length || dims.some((d, i) => d.dimValue !== undefined && d.dimValue > 0 && d.dimValue !== given[i]))) {
      throw new UnsupportedOnnxError('dynamic-shape', `inputShapes["${name}"] [${given.join(', ')}] contradicts the model's [${dims.map((d) => d.dimValue ?? d.dimParam ?? '?').join(', ')}]`);
    }
    return [...given];
  }
  if (!dims) throw new UnsupportedOnnxError('dynamic-shape', `input "${name}" has no shape: pass inputShapes: { "${name}": [...] } to loadOnnx`);
  const batch = options.batch ?? 1;
  if (!Number.isSafeInteger(batch) || batch < 1) throw new UnsupportedOnnxError('dynamic-shape', `batch must be a positive integer, got ${batch}`);
  // an explicit 0 is an empty tensor (ONNX allows them), not an unknown batch: refuse it rather than run on a made-up size
  if (dims.some((d) => d.dimValue === 0)) {
    throw new UnsupportedOnnxError('shape', `input "${name}" [${dims.map((x) => x.dimValue ?? x.dimParam ?? '?').join(', ')}] has a dimension of size 0: empty (zero-size) tensors are not supported`);
  }
  return dims.map((d, i) => {
    if (d.dimValue !== undefined && d.dimValue > 0) {
      if (!Number.isSafeInteger(d.dimValue)) throw new OnnxFormatError(`input "${name}" has an invalid dimension ${d.dimValue}`);
      return d.dimValue;
    }
    if (i === 0) return batch;
    throw new UnsupportedOnnxError(
      'dynamic-shape',
      `input "${name}" has a symbolic dimension ${i} (${d.dimParam ? `"${d.dimParam}"` : 'unknown'}) in [${dims.map((x) => x.dimValue || x.dimParam || '?').join(', ')}]: pass inputShapes: { "${name}": [...] } to loadOnnx`,
    );
  });
}

/** Every external-data initializer at once, so the message lists them all. */
function checkExternal(graph: GraphProto): void {
  const external = (graph.initializer ?? []).filter(isExternal).map((t) => t.name ?? '');
  if (external.length) {
    throw new UnsupportedOnnxError(
      'external-data',
      `${external.length} initializer(s) keep their data in external files (${external.slice(0, 5).join(', ')}${external.length > 5 ? ', …' : ''}); re-save the model with all tensors inside the .onnx file (onnx.save_model(model, path, save_as_external_data=False))`,
    );
  }
}

/**
 * Parses ONNX bytes into a graph and its weights, synchronously.
 * @example
 * const { graph, weights, inputs } = parseOnnx(bytes, { batch: 1 });
 * const model = await compile(ctx, graph, weights);
 */
export function parseOnnx(bytes: Uint8Array | ArrayBuffer, options: ParseOnnxOptions = {}): OnnxModel {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (data.byteLength === 0) throw new OnnxFormatError('the file is empty');
  try {
    return importModel(decodeModelProto(data), options);
  } catch (e) {
    if (e instanceof WebGpuCnnError) throw e;
    // anything else is a corrupted model reaching code that trusted it
    throw new OnnxFormatError(`the model is inconsistent (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
}

function importModel(model: ModelProto, options: ParseOnnxOptions): OnnxModel {
  const graph = model.graph;
  if (!graph) throw new OnnxFormatError('the model has no graph');
  const opset = opsetOf(model);
  checkExternal(graph);
  const g = new GraphBuilder();
  const budget = new MaterializeBudget(options.materializeLimits);
  const state = new LoweringState(g, opset, budget);
  const floatWidened = new Set<string>();

  for (const t of graph.initializer ?? []) {
    const name = t.name ?? '';
    const c = decodeTensor(t, name, budget);
    if (c.dtype === DataType.FLOAT16 || c.dtype === DataType.DOUBLE || c.dtype === DataType.BFLOAT16) floatWidened.add(dtypeName(c.dtype));
    state.values.set(name, constant(c));
  }
  if (floatWidened.size) state.notices.push(`${[...floatWidened].join(' and ')} initializers were converted to float32`);

  const inputs: OnnxModel['inputs'] = [];
  for (const info of graph.input ?? []) {
    const name = info.name ?? '';
    // before IR 4 initializers are listed as inputs too: the initializer wins
    if (state.values.has(name)) continue;
    const shape = fixInputShape(info, options);
    if (shape.length > MAX_RANK) throw new UnsupportedOnnxError('shape', `input "${name}" has shape [${shape.join(', ')}]; inputs have rank at most ${MAX_RANK}`);
    state.uniqueNodeName(name);
    state.values.set(name, runtime(g.input(name, shape)));
    inputs.push({ name, shape });
  }
  if (!inputs.length) throw new UnsupportedOnnxError('shape', 'the model has no runtime input');

  lowerNodes(graph, state);

  const outputs: OnnxModel['outputs'] = [];
  const used = new Set<number>(inputs.map((i) => (state.values.get(i.name) as { tensor: { id: number } }).tensor.id));
  for (const info of graph.output ?? []) {
    const name = info.name ?? '';
    const v = state.values.get(name);
    if (!v) throw new OnnxFormatError(`graph output "${name}" is not computed by any node`);
    if (v.kind === 'const') throw new UnsupportedOnnxError('shape', `graph output "${name}" is a constant; outputs must depend on an input`);
    const ctx = new NodeContext(state, { opType: 'Output' }, state.uniqueNodeName(`${name}/output`), new Attributes({}, name), []);
    let t = ctx.tensor(v);
    // an output that is an input, or already another output, gets its own tensor
    if (used.has(t.id)) t = g.identity(t, state.uniqueNodeName(`${name}/identity`));
    used.add(t.id);
    g.output(t, name);
    outputs.push({ name, shape: [...v.shape] });
  }
  if (!outputs.length) throw new OnnxFormatError('the graph has no outputs');

  return {
    graph: g.build(),
    weights: state.weights,
    inputs,
    outputs,
    opset,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    notices: state.notices,
  };
}

/** Which nodes some graph output depends on: a walk back from the outputs (a sorted graph's producers come first). */
function liveNodes(graph: GraphProto): boolean[] {
  const nodes = graph.node ?? [];
  const needed = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const live = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!(n.output ?? []).some((o) => o && needed.has(o))) continue;
    live[i] = true;
    for (const input of n.input ?? []) if (input) needed.add(input);
  }
  return live;
}

/** The ONNX ops an int64 runtime tensor (ArgMax, TopK's indices) may go through: they relabel it or pass it on (Cast only to an integer type). */
const INT64_PASSING_OPS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Cast', 'Shape', 'Size']);

/** GPU kernels compute in float32: an integer runtime tensor may only travel to a graph output. */
function refuseIntegerInputs(opType: string, name: string, inputNames: readonly string[], inputs: readonly (Value | undefined)[]): void {
  if (INT64_PASSING_OPS.has(opType)) return;
  const i = inputs.findIndex((v) => v?.kind === 'runtime' && v.tensor.dtype === 'int64');
  if (i < 0) return;
  throw new UnsupportedOnnxError('dtype', `node "${name}" (${opType}): input "${inputNames[i]}" is an int64 tensor computed on the GPU (ArgMax/ArgMin or TopK indices); integer tensors may only be graph outputs, reshaped or cast to an integer type on the way`);
}

function lowerNodes(graph: GraphProto, state: LoweringState): void {
  const unsupported = new Map<string, string[]>();
  const poisoned = new Set<string>();
  const live = liveNodes(graph);
  const skipped: string[] = [];
  (graph.node ?? []).forEach((node, index) => {
    const opType = node.opType ?? '';
    const domain = node.domain ?? '';
    const name = state.uniqueNodeName(node.name || `${opType || 'node'}_${index}`);
    // dead code costs nothing: an unused Expand to [2^15, 2^15] is never folded
    if (!live[index]) return void skipped.push(name);
    const inputNames = node.input ?? [];
    const outputNames = node.output ?? [];
    const markPoisoned = (): void => outputNames.forEach((o) => o && poisoned.add(o));
    const known = (domain === '' || domain === 'ai.onnx') && (opType in RUNTIME_OPS || opType in FOLD_OPS);
    if (!known) {
      const key = domain && domain !== 'ai.onnx' ? `${domain}.${opType}` : opType;
      unsupported.set(key, [...(unsupported.get(key) ?? []), name]);
      return markPoisoned();
    }
    // downstream of an unsupported op: only look for more unsupported ops
    if (inputNames.some((i) => poisoned.has(i))) return markPoisoned();
    const inputs = inputNames.map((i) => {
      if (!i) return undefined;
      const v = state.values.get(i);
      if (!v) throw new OnnxFormatError(`input "${i}" is not defined before this node (the graph must be topologically sorted)`, { node: name });
      return v;
    });
    refuseIntegerInputs(opType, name, inputNames, inputs);
    const ctx = new NodeContext(state, node, name, new Attributes(node, name), inputs);
    const allConst = inputs.every((v) => !v || v.kind === 'const');
    const handler = (allConst && FOLD_OPS[opType]) || (SHAPE_ONLY.has(opType) ? RUNTIME_OPS[opType] : undefined) || RUNTIME_OPS[opType];
    if (!handler) {
      // a fold-only op (Range, Where…) reached by a runtime tensor
      unsupported.set(opType, [...(unsupported.get(opType) ?? []), `${name} (on a runtime tensor)`]);
      return markPoisoned();
    }
    let results: Value[];
    try {
      results = handler(ctx);
    } catch (e) {
      if (e instanceof OnnxFormatError && e.node === undefined) throw new OnnxFormatError(e.message.replace(/^onnx: /, ''), { node: name, cause: e });
      throw e;
    }
    outputNames.forEach((o, i) => {
      if (!o) return;
      const r = results[i];
      if (r) state.values.set(o, r);
      else if (i > 0) poisoned.add(o);
    });
  });
  if (skipped.length) state.notices.push(`${skipped.length} node(s) that no output depends on were skipped: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ', …' : ''}`);
  if (unsupported.size) {
    const operators = [...unsupported].map(([opType, nodes]) => ({ opType, nodes }));
    const list = operators.map((o) => `${o.opType} (${o.nodes.slice(0, 8).join(', ')}${o.nodes.length > 8 ? `, … ${o.nodes.length} nodes` : ''})`).join('; ');
    throw new UnsupportedOnnxError('operators', `unsupported operators: ${list}`, operators);
  }
}
