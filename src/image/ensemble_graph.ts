/**
 * An ensemble as one graph: several classifiers with the same input and the
 * same classes side by side, each member's nodes and parameters namespaced
 * `m0.`, `m1.` …, their softmax outputs averaged. Optionally behind a
 * multi-crop front end (every member sees every crop). One compile, one
 * submit per picture.
 */
import { InvalidParameterError } from '../errors.js';
import { GraphBuilder } from '../graph/builder.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import type { CropRect, Size } from './crops.js';
import { prefixWeights, spliceGraph } from './graph_splice.js';
import { batchedImageInput, checkCropsFit, classCount, cropBatch, meanOfBlocks, PROBABILITIES_OUTPUT, rowSoftmax } from './multi_crop.js';

/** The namespace of member i's parameters and nodes. */
export const memberPrefix = (i: number): string => `m${i}.`;

export interface EnsembleGraphOptions {
  /** Crops of the canvas every member sees (checked rectangles: cropRects); the members are then built at batch crops.length × B. */
  crops?: readonly CropRect[];
  /** The canvas the crops are cut from (needed with crops). */
  canvas?: Size;
}

/**
 * The members (each with one input [B, C, H, W], or [crops·B, C, h, w]
 * with crops, and first output [·, K]; all the same shapes) as one graph
 * whose input, under member 0's input name, is [B, C, H, W] (the canvas
 * with crops) and whose output `probabilities` [B, K] is the mean over
 * members (and crops) of their softmax. A member that disagrees with member
 * 0 on its input or its class count is an InvalidParameterError naming it.
 *
 * @example
 * const graph = ensembleGraph([lenet5(), lenet5(), lenet5()]);
 * const model = await compile(ctx, graph, ensembleWeights([w0, w1, w2]));
 */
export function ensembleGraph(members: readonly Graph[], o: EnsembleGraphOptions = {}): Graph {
  if (!Array.isArray(members) || members.length === 0) throw new InvalidParameterError('members', 'an ensemble needs at least one member');
  const first = batchedImageInput(members[0]!, 'members[0]');
  const classes = classCount(members[0]!, 'members[0]');
  members.forEach((m, i) => {
    const d = batchedImageInput(m, `members[${i}]`);
    if (d.batch !== first.batch || d.channels !== first.channels || d.height !== first.height || d.width !== first.width) {
      throw new InvalidParameterError(`members[${i}]`, `takes [${d.batch}, ${d.channels}, ${d.height}, ${d.width}]; members[0] takes [${first.batch}, ${first.channels}, ${first.height}, ${first.width}]: the members of an ensemble share one input`);
    }
    const k = classCount(m, `members[${i}]`);
    if (k !== classes) throw new InvalidParameterError(`members[${i}]`, `has ${k} classes; members[0] has ${classes}: the members of an ensemble score the same classes`);
  });
  const g = new GraphBuilder();
  const name = members[0]!.inputs[0]!.name;
  let crops = 1;
  let batch;
  if (o.crops) {
    if (!o.canvas) throw new InvalidParameterError('canvas', 'crops are cut from a canvas: give its size');
    const { images } = checkCropsFit(members[0]!, o.crops, 'ensemble');
    batch = cropBatch(g, g.input(name, [images, first.channels, o.canvas.height, o.canvas.width]), o.crops);
    crops = o.crops.length;
  } else {
    batch = g.input(name, [first.batch, first.channels, first.height, first.width]);
  }
  const probabilities = members.map((m, i) => rowSoftmax(g, spliceGraph(g, m, [batch], memberPrefix(i))[0]!, `${memberPrefix(i)}softmax`));
  const all = probabilities.length === 1 ? probabilities[0]! : g.concatAxis(probabilities, 0, 'ensemble.members');
  g.output(meanOfBlocks(g, all, members.length * crops, 'ensemble.mean'), PROBABILITIES_OUTPUT);
  return g.build();
}

/**
 * The members' weights under their namespaces (`m0.conv1.weight` …), for
 * ensembleGraph; the data is shared, not copied.
 *
 * @example ensembleWeights([await loadPretrainedWeights('lenet5'), seed1, seed2]).get('m1.fc2.bias')
 */
export function ensembleWeights(weights: readonly WeightMap[]): Map<string, Float32Array> {
  const all = new Map<string, Float32Array>();
  weights.forEach((w, i) => {
    for (const [name, data] of prefixWeights(w, memberPrefix(i))) all.set(name, data);
  });
  return all;
}
