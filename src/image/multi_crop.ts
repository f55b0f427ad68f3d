/**
 * Test-time multi-crop as a graph transformation: one canvas in, the crops
 * cut out on the GPU (a Slice per crop; a mirrored crop is the same Slice
 * walking W backwards), joined along the batch, the model run once at batch
 * = number of crops, softmax per crop and the mean over the crops out.
 * One compile, one submit per picture. Ensembles (ensemble.ts) put several
 * models behind the same crops.
 */
import { GraphError } from '../errors.js';
import { GraphBuilder, type Tensor } from '../graph/builder.js';
import { elementCount, type Graph } from '../graph/ir.js';
import type { CropRect, Size } from './crops.js';
import { spliceGraph } from './graph_splice.js';

/** multiCropGraph and ensembleGraph name their mean class probabilities ([1, classes]) as a composed head names its softmax. */
import { PROBABILITIES_OUTPUT } from '../train/compose.js';

export { PROBABILITIES_OUTPUT };

/** [channels, height, width] and batch of a classifier graph's single input [N, C, H, W]. */
export function batchedImageInput(graph: Graph, where: string): { batch: number; channels: number; height: number; width: number } {
  if (graph.inputs.length !== 1) throw new GraphError(where, `a classifier graph has one input; this one has ${graph.inputs.length}`);
  const shape = graph.tensors[graph.inputs[0]!.tensor]!.shape;
  if (shape.length !== 4) throw new GraphError(where, `the input is [${shape.join(', ')}]; an image classifier takes [N, C, H, W]`);
  const [batch, channels, height, width] = shape as [number, number, number, number];
  return { batch, channels, height, width };
}

/** The classes of a classifier graph's first output, [N, K] or [N, K, 1, 1]. */
export function classCount(graph: Graph, where: string): number {
  const output = graph.outputs[0];
  if (!output) throw new GraphError(where, 'the graph has no output');
  const shape = graph.tensors[output.tensor]!.shape;
  return elementCount(shape.slice(1));
}

/**
 * The crops of `canvas` ([B, C, H, W]) joined along the batch, crop-major:
 * [crops·B, C, h, w], crop i of image b at i·B + b.
 */
export function cropBatch(g: GraphBuilder, canvas: Tensor, crops: readonly CropRect[]): Tensor {
  const parts = crops.map((r, i) =>
    g.sliceWindows(
      canvas,
      [
        { axis: 2, start: r.y, step: 1, count: r.height },
        r.mirror ? { axis: 3, start: r.x + r.width - 1, step: -1, count: r.width } : { axis: 3, start: r.x, step: 1, count: r.width },
      ],
      `multicrop.crop${i}`,
    ),
  );
  return parts.length === 1 ? parts[0]! : g.concatAxis(parts, 0, 'multicrop.batch');
}

/** Softmax of a model output [N, K] (or [N, K, 1, 1], flattened first) per row. */
export function rowSoftmax(g: GraphBuilder, logits: Tensor, name: string): Tensor {
  const rows = logits.shape.length === 2 ? logits : g.reshape(logits, [logits.shape[0]!, elementCount(logits.shape.slice(1))], `${name}.rows`);
  return g.softmax(rows, name);
}

/**
 * The mean of `groups` blocks of rows of [groups·B, K] (block i = rows
 * i·B … i·B + B − 1): [B, K]. A free reshape to [groups, B, K] (both
 * row-major) and a mean over the first axis.
 */
export function meanOfBlocks(g: GraphBuilder, rows: Tensor, groups: number, name: string): Tensor {
  if (groups === 1) return rows;
  const [n, k] = rows.shape as [number, number];
  return g.reduce(g.reshape(rows, [groups, n / groups, k], `${name}.blocks`), 'mean', { axes: [0], keepdims: false, name });
}

/**
 * The model behind a crop front end. `model` is the classifier built at
 * batch crops.length × B (its input [crops.length·B, C, h, w], its first
 * output the logits [crops.length·B, K]); the result takes B canvases
 * [B, C, canvas.height, canvas.width] under the model's input name and
 * outputs `probabilities` [B, K]: for each image, the mean over the crops
 * of each crop's softmax. B is 1 for a classifier, more to evaluate many
 * pictures per run. The crops must be checked rectangles (cropRects) of the
 * model's h × w. Parameter and node names stay the model's, so its weights
 * fit unchanged.
 *
 * @example
 * const crops = cropRects('5-crop', { width: 256, height: 256 }, { width: 224, height: 224 });
 * const graph = multiCropGraph(resnet18({ batch: crops.length }), crops, { width: 256, height: 256 });
 * const model = await compile(ctx, graph, weights);  // run it on a 1 × 3 × 256 × 256 canvas
 */
export function multiCropGraph(model: Graph, crops: readonly CropRect[], canvas: Size): Graph {
  const { images, channels } = checkCropsFit(model, crops, 'multi-crop');
  const g = new GraphBuilder();
  const input = g.input(model.inputs[0]!.name, [images, channels, canvas.height, canvas.width]);
  const [logits] = spliceGraph(g, model, [cropBatch(g, input, crops)]);
  g.output(meanOfBlocks(g, rowSoftmax(g, logits!, 'multicrop.softmax'), crops.length, 'multicrop.mean'), PROBABILITIES_OUTPUT);
  return g.build();
}

/** The images per run (B) and channels of a model built at batch crops.length × B for these crops; a mismatch is an error naming it. */
export function checkCropsFit(model: Graph, crops: readonly CropRect[], where: string): { images: number; channels: number } {
  const { batch, channels, height, width } = batchedImageInput(model, where);
  if (crops.length === 0) throw new GraphError(where, 'no crops');
  if (batch % crops.length !== 0) throw new GraphError(where, `the model is built at batch ${batch}, not a multiple of the ${crops.length} crop(s)`);
  for (const [i, r] of crops.entries()) {
    if (r.width !== width || r.height !== height) throw new GraphError(where, `crop ${i} is ${r.width}×${r.height}; the model takes ${width}×${height}`);
  }
  return { images: batch / crops.length, channels };
}
