/**
 * `<model>` on the command line — a zoo id or an .onnx file — as one
 * interface: the inputs it declares (with free dimensions), and a graph +
 * weights for concrete input shapes.
 */
import { existsSync } from 'node:fs';
import { elementCount, type Graph, type WeightMap } from '../graph/ir.js';
import { readSafetensors } from '../io/safetensors.js';
import { loadSafetensorsFile } from '../io/safetensors_node.js';
import { registerPretrainedFileReader } from '../models/pretrained_node.js';
import { randomWeights } from '../models/random_weights.js';
import { weightsForGraph, type ShapedTensor } from '../models/weights.js';
import { ZOO, type ZooEntry } from '../models/zoo.js';
import type { ModelSource, ModelSourceOptions } from './model_source_types.js';
import { loadOnnxModel } from './onnx_source.js';
import { CliFileError, UsageError } from './usage_error.js';

export function zeroWeights(graph: Graph): WeightMap {
  return new Map([...graph.parameters].map(([name, p]) => [name, new Float32Array(elementCount(p.shape))]));
}

export function looksLikeFile(model: string): boolean {
  return /\.onnx$/i.test(model) || model.includes('/') || model.includes('\\') || existsSync(model);
}

export async function openModel(model: string, options: ModelSourceOptions): Promise<ModelSource> {
  if (looksLikeFile(model)) {
    if (!/\.onnx$/i.test(model)) throw new CliFileError(`${model}: only .onnx model files are supported (or a zoo id: ${ZOO.map((e) => e.id).join(', ')})`);
    if (options.weightsPath) throw new UsageError('--weights applies to zoo models; an .onnx file carries its own weights');
    return loadOnnxModel(model, options);
  }
  const zoo = ZOO.find((e) => e.id === model);
  if (!zoo) throw new CliFileError(`"${model}" is neither a file nor a zoo model; zoo ids: ${ZOO.map((e) => e.id).join(', ')}`);
  return zooSource(zoo, options);
}

async function zooSource(zoo: ZooEntry, options: ModelSourceOptions): Promise<ModelSource> {
  let tensors: ReadonlyMap<string, ShapedTensor> | undefined;
  // the package's own weights (models/pretrained.ts), checked against the zoo graph; they fit every batch size
  let shipped: WeightMap | undefined;
  let weightsNote: string;
  if (options.weightsPath) {
    tensors = readSafetensors(await loadSafetensorsFile(options.weightsPath));
    weightsNote = `weights from ${options.weightsPath}`;
  } else if (zoo.pretrained) {
    registerPretrainedFileReader();
    shipped = await zoo.pretrained();
    weightsNote = 'shipped trained weights';
  } else {
    weightsNote = `${zoo.id} has no shipped weights: running with RANDOM weights (predictions are meaningless; pass --weights file.safetensors)`;
  }
  const digits = zoo.id.startsWith('lenet5');
  return {
    label: zoo.id,
    zoo,
    inputs: [{ name: 'image', shape: [null, zoo.inputChannels, zoo.inputSize, zoo.inputSize] }],
    resizable: !digits,
    imageRecipe: digits ? 'lenet' : 'imagenet',
    weightsNote,
    async instantiate(shapes, instantiateOptions) {
      const shape = shapes.get('image')!;
      const graph = zoo.build({ batch: shape[0]!, inputSize: shape[2]! });
      const built = graph.tensors[graph.inputs[0]!.tensor]!.shape;
      if (built.some((d, i) => d !== shape[i])) throw new UsageError(`${zoo.id} cannot take input [${shape.join(', ')}]; it builds [${built.join(', ')}]`);
      const weights =
        shipped ??
        (tensors
          ? weightsForGraph(graph, tensors, { skipPrefixes: zoo.skipPrefixes, skipReason: 'not part of the inference graph', onNotice: options.notice })
          : instantiateOptions?.placeholders
            ? zeroWeights(graph)
            : randomWeights(graph));
      return { graph, weights };
    },
  };
}
