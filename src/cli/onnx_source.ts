/**
 * An .onnx file as a ModelSource. Its declared input shapes (symbolic
 * dimensions as null) are read from the graph's inputs; parseOnnx then
 * builds the graph once the CLI has fixed every dimension (from --shape or
 * the input file's size).
 */
import { basename } from 'node:path';
import { parseOnnx } from '../onnx/import.js';
import { decodeModelProto } from '../onnx/proto.js';
import type { DeclaredTensor, ModelSource, ModelSourceOptions } from './model_source_types.js';
import { MAX_TENSOR_BYTES } from './input_limits.js';
import { readBytes } from './tensor_files.js';

/** Graph inputs that are not initializers, with symbolic or unknown dimensions as null. */
function declaredInputs(bytes: Uint8Array): DeclaredTensor[] {
  const graph = decodeModelProto(bytes).graph ?? {};
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  return (graph.input ?? [])
    .filter((i) => !initializers.has(i.name))
    .map((i) => ({
      name: i.name ?? '',
      shape: (i.type?.tensorType?.shape?.dim ?? []).map((d) => (typeof d.dimValue === 'number' && d.dimValue > 0 ? d.dimValue : null)),
    }));
}

export async function loadOnnxModel(path: string, options: ModelSourceOptions): Promise<ModelSource> {
  const bytes = await readBytes(path, 'model', MAX_TENSOR_BYTES);
  const inputs = declaredInputs(bytes);
  const c = inputs.length === 1 ? inputs[0]!.shape[1] : undefined;
  const parse = (inputShapes: Record<string, number[]>) => {
    const model = parseOnnx(bytes, { inputShapes });
    for (const notice of model.notices) options.notice(notice);
    return model;
  };
  // parse at once where only the batch is free, so unsupported operators are reported before
  // anything else; the parse is kept for the common case of batch 1
  let eager: { key: string; model: ReturnType<typeof parseOnnx> } | undefined;
  if (inputs.every((i) => i.shape.slice(1).every((d) => d !== null))) {
    const shapes = Object.fromEntries(inputs.map((i) => [i.name, i.shape.map((d) => d ?? 1)]));
    eager = { key: JSON.stringify(shapes), model: parse(shapes) };
  }
  return {
    label: basename(path),
    inputs,
    resizable: false,
    imageRecipe: c === 1 ? 'grayscale' : 'imagenet',
    weightsNote: 'weights from the ONNX file',
    async instantiate(shapes) {
      const inputShapes = Object.fromEntries([...shapes].map(([name, shape]) => [name, [...shape]]));
      const model = eager?.key === JSON.stringify(inputShapes) ? eager.model : parse(inputShapes);
      eager = undefined;
      return { graph: model.graph, weights: model.weights };
    },
  };
}
