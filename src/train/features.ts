/**
 * Features of many images at a backbone's feature layer, on the GPU: the
 * training set of a new head (the course's P128 with a frozen backbone —
 * the features are computed once, then the head trains on them alone).
 */
import { InputError, InvalidParameterError } from '../errors.js';
import { compile, type CompileOptions } from '../graph/executor.js';
import { elementCount, type Graph, type WeightMap } from '../graph/ir.js';
import type { GpuContext } from '../gpu/device.js';
import { cutBackbone, featureLayer, FEATURES_OUTPUT, weightsOf } from './backbone.js';

export interface ExtractFeaturesOptions {
  /** The feature layer (default: featureLayer(graph), the input of the last linear layer). */
  layer?: string;
  /** After each batch: images done so far, of all. */
  onProgress?: (done: number, total: number) => void;
  /** Compile options of the cut backbone; its `signal` also stops extraction between batches. */
  compile?: CompileOptions;
}

/**
 * Runs `images` ([n, ...input shape without batch], NCHW, already
 * preprocessed as the backbone expects) through the backbone cut at the
 * feature layer, in batches of the graph's own batch size; answers
 * [n, features] row-major.
 * @example
 * const { features, width } = await extractFeatures(ctx, lenet5({ batch: 256 }), weights, images);
 */
export async function extractFeatures(
  ctx: GpuContext,
  graph: Graph,
  weights: WeightMap,
  images: Float32Array,
  options: ExtractFeaturesOptions = {},
): Promise<{ features: Float32Array; width: number; layer: string }> {
  if (graph.inputs.length !== 1) throw new InvalidParameterError('graph', `a feature extractor takes one input; this graph has ${graph.inputs.length}`);
  const layer = options.layer ?? featureLayer(graph);
  const cut = cutBackbone(graph, layer);
  const inputShape = cut.graph.tensors[cut.graph.inputs[0]!.tensor]!.shape;
  const batch = inputShape[0]!;
  const perImage = elementCount(inputShape) / batch;
  if (images.length % perImage !== 0) {
    throw new InputError('images', `holds ${images.length} floats, not a whole number of [${inputShape.slice(1).join(', ')}] images (${perImage} floats each)`);
  }
  const count = images.length / perImage;
  const model = await compile(ctx, cut.graph, weightsOf(cut.graph, weights), options.compile);
  try {
    const features = new Float32Array(count * cut.features);
    const chunk = new Float32Array(batch * perImage);
    for (let start = 0; start < count; start += batch) {
      options.compile?.signal?.throwIfAborted();
      const n = Math.min(batch, count - start);
      // the last chunk is padded with the previous images' data, whose features are dropped
      chunk.set(images.subarray(start * perImage, (start + n) * perImage));
      const out = (await model.run(chunk)).float(FEATURES_OUTPUT);
      features.set(out.subarray(0, n * cut.features), start * cut.features);
      options.onProgress?.(start + n, count);
    }
    return { features, width: cut.features, layer };
  } finally {
    model.dispose();
  }
}
