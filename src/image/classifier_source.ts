/**
 * What createClassifier was given → a graph and its weights (or the
 * caller's compiled model): a zoo id with its shipped or given weights, an
 * ONNX file (URL, path or bytes), or a CompiledModel. Loading files is the
 * platform's (browsers fetch URLs, Node also reads paths).
 */
import { InvalidParameterError } from '../errors.js';
import { CompiledModel } from '../graph/executor.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { progressOf, type LoadProgress } from '../io/fetch_progress.js';
import { parseSafetensors, readSafetensors, SafetensorsFile } from '../io/safetensors.js';
import { randomWeights } from '../models/random_weights.js';
import { weightsForGraph } from '../models/weights.js';
import { zooModel } from '../models/zoo.js';
import type { OnnxModel } from '../onnx/import.js';

/** A zoo id ('lenet5', 'resnet18', …), an ONNX file (URL or path ending in .onnx, or its bytes), or a compiled model. */
export type ClassifierSource = string | URL | Uint8Array | ArrayBuffer | CompiledModel;

/**
 * Weights for a zoo model: a WeightMap (PyTorch layouts), a torchvision
 * state_dict as safetensors (bytes, a parsed file, a URL or, in Node, a path),
 * or 'random' (seeded, for trying shapes and speed: predictions are
 * meaningless).
 */
export type WeightsSource = WeightMap | SafetensorsFile | Uint8Array | ArrayBuffer | string | URL | 'random';

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?(progress: LoadProgress): void;
  /** @internal The batch an ONNX model's symbolic first dimension gets (test-time crops run at batch = crops). */
  batch?: number;
}

/** How a platform reads the files a source names. */
export interface ModelLoader {
  loadOnnx(location: string | URL, options: LoadOptions): Promise<OnnxModel>;
  loadSafetensors(location: string | URL, options: LoadOptions): Promise<SafetensorsFile>;
}

export interface SourceOptions extends LoadOptions {
  /** Weights of a zoo model (default: its shipped trained weights, where it has some). */
  weights?: WeightsSource;
  /** Input size (height = width) a zoo model is built at (default: its standard size). */
  inputSize?: number;
}

/** A source resolved: a graph + weights to compile, or the caller's model. */
export type ResolvedSource =
  | { kind: 'graph'; graph: Graph; weights: WeightMap; /** LeNet-5 and kin: digits in, digits out */ digits: boolean; name: string }
  | { kind: 'compiled'; model: CompiledModel; name: string };

/** A string names a file when it looks like one (a path, a URL, *.onnx); otherwise it is a zoo id. */
export function namesFile(source: string): boolean {
  return /[/\\:]/.test(source) || /\.onnx(\?.*)?$/i.test(source);
}

async function zooWeights(graph: Graph, id: string, skipPrefixes: readonly string[] | undefined, given: WeightsSource, loader: ModelLoader, o: LoadOptions): Promise<WeightMap> {
  if (given === 'random') return randomWeights(graph);
  if (given instanceof Map) return given;
  let file: SafetensorsFile;
  if (given instanceof SafetensorsFile) file = given;
  else if (given instanceof Uint8Array || given instanceof ArrayBuffer) {
    const bytes = given instanceof Uint8Array ? given : new Uint8Array(given);
    file = parseSafetensors(bytes);
    o.onProgress?.(progressOf(bytes.length, bytes.length));
  } else if (typeof given === 'string' || given instanceof URL) file = await loader.loadSafetensors(given, o);
  else throw new InvalidParameterError('weights', `expected a Map of name → Float32Array, safetensors bytes or a URL/path, or 'random'; got ${typeof given}`);
  return weightsForGraph(graph, readSafetensors(file), { skipPrefixes, skipReason: `not part of the ${id} inference graph` });
}

/** Resolves a source: see ClassifierSource. The graph is built (zoo) or imported (ONNX, symbolic batch) at `batch`. */
export async function resolveSource(source: ClassifierSource, o: SourceOptions, loader: ModelLoader, batch = 1): Promise<ResolvedSource> {
  if (source instanceof CompiledModel) {
    if (o.weights !== undefined) throw new InvalidParameterError('weights', 'a compiled model has its weights already');
    return { kind: 'compiled', model: source, name: 'compiled model' };
  }
  if (typeof source === 'string' && !namesFile(source)) {
    const entry = zooModel(source);
    const graph = entry.build({ batch, ...(o.inputSize !== undefined ? { inputSize: o.inputSize } : {}) });
    let weights: WeightMap;
    if (o.weights !== undefined) weights = await zooWeights(graph, entry.id, entry.skipPrefixes, o.weights, loader, o);
    else if (entry.pretrained) weights = await entry.pretrained({ signal: o.signal, onProgress: o.onProgress });
    else {
      throw new InvalidParameterError(
        'weights',
        `${entry.id} ships no trained weights: pass { weights } (a torchvision state_dict as safetensors: bytes, URL or path; or a WeightMap), or weights: 'random' to try it with random ones`,
      );
    }
    return { kind: 'graph', graph, weights, digits: entry.id.startsWith('lenet5'), name: entry.id };
  }
  if (o.weights !== undefined) throw new InvalidParameterError('weights', 'an ONNX model carries its own weights');
  if (o.inputSize !== undefined) throw new InvalidParameterError('inputSize', 'applies to zoo models; an ONNX model has its input shape');
  let onnx: OnnxModel;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    // loaded when needed: a zoo-only app does not carry the ONNX importer (protobufjs)
    const { parseOnnx } = await import('../onnx/import.js');
    onnx = parseOnnx(source, { batch });
  } else if (typeof source === 'string' || source instanceof URL) {
    onnx = await loader.loadOnnx(source, { signal: o.signal, onProgress: o.onProgress, batch });
  } else {
    throw new InvalidParameterError('source', `expected a zoo id, an ONNX URL, path or bytes, or a CompiledModel; got ${source === null ? 'null' : typeof source}`);
  }
  return { kind: 'graph', graph: onnx.graph, weights: onnx.weights, digits: false, name: typeof source === 'string' ? source : source instanceof URL ? source.href : 'ONNX model' };
}
