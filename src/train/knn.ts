/**
 * A k-nearest-neighbour head: the zero-training option beside a trained
 * head (the course's P128). It stores the L2-normalised features of labelled
 * examples; a query's neighbours are found on the GPU as one graph — the
 * backbone cut at the feature layer, the query L2-normalised, one linear
 * layer whose weight rows are the stored features (the cosine similarities),
 * TopK — and the neighbours vote on the CPU.
 */
import { InputError, InvalidParameterError } from '../errors.js';
import type { CompiledModel, TensorInput } from '../graph/executor.js';
import { GraphBuilder } from '../graph/builder.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { weightsOf } from './backbone.js';
import { cutAt } from './compose.js';

/** The composed kNN graph's outputs: the k best cosine similarities, largest first, and the stored examples they belong to. */
export const SIMILARITIES_OUTPUT = 'similarities';
export const NEIGHBOURS_OUTPUT = 'neighbours';
/** The linear node (and `${KNN_LAYER}.weight` parameter) holding the stored features. */
export const KNN_LAYER = 'knn';

/** Keeps a zero query from dividing by zero: its similarities are then all 0. */
const NORM_FLOOR = 1e-12;

/** Stored examples and how many of them vote. */
export interface KnnHead {
  /** The backbone node (or input) whose flattened output the examples' features were taken at. */
  readonly featureLayer: string;
  /** The feature width. */
  readonly features: number;
  readonly classes: readonly string[];
  /** How many nearest examples vote. */
  readonly k: number;
  /** [n, features] row-major, each row of unit L2 norm (or all zero where the example's features were). */
  readonly samples: Float32Array;
  /** [n] class indices into `classes`. */
  readonly labels: Int32Array;
}

export interface KnnHeadOptions {
  /** [n, width] row-major: the examples' features (extractFeatures's `features`). */
  features: Float32Array;
  width: number;
  /** Where they were taken (extractFeatures's `layer`). */
  layer: string;
  /** One class index per example. */
  labels: ArrayLike<number>;
  classes: readonly string[];
  /** How many neighbours vote (default 5, at most n). */
  k?: number;
}

/**
 * A kNN head over labelled feature rows, normalised to unit length here so
 * that a dot product is a cosine similarity.
 * @example
 * const extracted = await extractFeatures(ctx, backbone, weights, images);
 * const knn = knnHead({ ...extracted, labels, classes: ['cat', 'dog'], k: 5 });
 */
export function knnHead(options: KnnHeadOptions): KnnHead {
  const { features, width, layer, classes } = options;
  const k = options.k ?? 5;
  if (!(features instanceof Float32Array)) throw new InvalidParameterError('features', 'must be a Float32Array [n, width]');
  if (!Number.isInteger(width) || width < 1) throw new InvalidParameterError('width', `must be a positive integer, got ${width}`);
  if (typeof layer !== 'string' || !layer) throw new InvalidParameterError('layer', 'must name the feature layer the features were taken at');
  if (features.length === 0 || features.length % width !== 0) throw new InputError('features', `holds ${features.length} floats, not a whole, non-zero number of rows of ${width}`);
  const n = features.length / width;
  if (!Array.isArray(classes) || classes.length < 1 || !classes.every((c) => typeof c === 'string')) throw new InvalidParameterError('classes', 'must be a non-empty list of class names');
  if (options.labels?.length !== n) throw new InputError('labels', `has ${options.labels?.length} entries for ${n} feature rows`);
  const labels = Int32Array.from(options.labels, (label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes.length) throw new InputError('labels', `entry ${i} is ${label}, not a class index from 0 to ${classes.length - 1}`);
    return label;
  });
  if (!Number.isInteger(k) || k < 1 || k > n) throw new InvalidParameterError('k', `must be an integer from 1 to the ${n} examples, got ${k}`);
  const samples = new Float32Array(features.length);
  for (let r = 0; r < n; r++) {
    const row = features.subarray(r * width, (r + 1) * width);
    let sum = 0;
    for (const v of row) sum += v * v;
    if (!Number.isFinite(sum)) throw new InputError('features', `row ${r} is not finite`);
    // a zero row (a dead ReLU layer) stays zero: similarity 0 to everything
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = 0; i < width; i++) samples[r * width + i] = row[i]! * scale;
  }
  return { featureLayer: layer, features: width, classes: Object.freeze([...classes]), k, samples, labels };
}

/** Checks a kNN head made elsewhere (a loaded file): sizes that agree, labels in range. */
export function checkKnnHead(head: KnnHead): void {
  const fail = (field: string, message: string) => new InvalidParameterError(`knn.${field}`, message);
  if (typeof head.featureLayer !== 'string' || !head.featureLayer) throw fail('featureLayer', 'must name the feature layer');
  if (!Number.isInteger(head.features) || head.features < 1) throw fail('features', `must be a positive integer, got ${head.features}`);
  if (!Array.isArray(head.classes) || head.classes.length < 1 || !head.classes.every((c) => typeof c === 'string')) throw fail('classes', 'must be a non-empty list of class names');
  if (!(head.samples instanceof Float32Array) || head.samples.length === 0 || head.samples.length % head.features !== 0) throw fail('samples', `must be a Float32Array of whole rows of ${head.features}`);
  const n = head.samples.length / head.features;
  if (!(head.labels instanceof Int32Array) || head.labels.length !== n) throw fail('labels', `must be an Int32Array of ${n} class indices`);
  const bad = head.labels.findIndex((l) => l < 0 || l >= head.classes.length);
  if (bad >= 0) throw fail('labels', `entry ${bad} is ${head.labels[bad]}, not a class index from 0 to ${head.classes.length - 1}`);
  if (!Number.isInteger(head.k) || head.k < 1 || head.k > n) throw fail('k', `must be an integer from 1 to the ${n} examples, got ${head.k}`);
}

/**
 * The backbone cut at the head's feature layer, then the query's L2
 * normalisation, the similarities to every stored example and their TopK:
 * outputs SIMILARITIES_OUTPUT [N, k] and NEIGHBOURS_OUTPUT [N, k] (int64),
 * with the weights to compile it with.
 * @example
 * const { graph, weights } = composeKnn(lenet5(), lenetWeights, knn);
 * const model = await compile(ctx, graph, weights);
 * const [ranked] = await classifyKnn(model, knn, image);
 */
export function composeKnn(backbone: Graph, backboneWeights: WeightMap, head: KnnHead): { graph: Graph; weights: WeightMap } {
  checkKnnHead(head);
  const cut = cutAt(backbone, head.featureLayer, 'knn.featureLayer');
  if (cut.features !== head.features) throw new InvalidParameterError('knn.features', `the stored features are ${head.features} wide, but "${head.featureLayer}" gives ${cut.features}`);
  const g = GraphBuilder.from(cut.graph);
  const x = cut.graph.tensors[cut.graph.outputs[0]!.tensor]!;
  const norm = g.reduce(x, 'l2', { axes: [1], keepdims: true, name: 'knn.norm' });
  const floored = g.activation(norm, 'clip', { name: 'knn.norm_floor', min: NORM_FLOOR, max: Infinity });
  const unit = g.div(x, floored, 'knn.unit');
  const similarities = g.linear(unit, { name: KNN_LAYER, outFeatures: head.labels.length, bias: false });
  const top = g.topK(similarities, { k: head.k, name: 'knn.topk' });
  g.output(top.values, SIMILARITIES_OUTPUT);
  g.output(top.indices, NEIGHBOURS_OUTPUT);
  const weights = new Map(weightsOf(cut.graph, backboneWeights));
  weights.set(`${KNN_LAYER}.weight`, head.samples);
  return { graph: g.build(), weights };
}

/** One class of a kNN answer. */
export interface KnnClassification {
  label: string;
  /** The class index into the head's classes. */
  index: number;
  /** The class's share of the neighbours' vote, in [0, 1]. */
  score: number;
}

/**
 * The neighbours' vote for one query, most votes first: each neighbour
 * votes for its class with its similarity (cosines ≤ 0 carry no weight; if
 * none is positive, each neighbour gets one vote). Equal votes go to the
 * class of the nearer neighbour. `indices` and `similarities` are TopK's
 * order, nearest first.
 * @example knnVote(knn, [4, 9, 1], [0.93, 0.9, 0.4]) // [{ label: 'dog', index: 1, score: 0.82 }, …]
 */
export function knnVote(head: KnnHead, indices: ArrayLike<number | bigint>, similarities: ArrayLike<number>): KnnClassification[] {
  const votes = new Map<number, { weight: number; nearest: number }>();
  const positive = Array.from(similarities).some((s) => s > 0);
  for (let rank = 0; rank < indices.length; rank++) {
    const example = Number(indices[rank]!);
    const label = head.labels[example];
    if (label === undefined) throw new InputError('indices', `neighbour ${example} is not one of the ${head.labels.length} stored examples`);
    const weight = positive ? Math.max(similarities[rank]!, 0) : 1;
    const vote = votes.get(label);
    if (vote) vote.weight += weight;
    else votes.set(label, { weight, nearest: rank });
  }
  const total = [...votes.values()].reduce((sum, v) => sum + v.weight, 0);
  return [...votes]
    .sort(([, a], [, b]) => b.weight - a.weight || a.nearest - b.nearest)
    .map(([index, v]) => ({ label: head.classes[index]!, index, score: total > 0 ? v.weight / total : 0 }));
}

/**
 * Runs composeKnn's compiled model on `input` (NCHW, the model's batch) and
 * votes for every image of the batch.
 * @example const [ranked] = await classifyKnn(model, knn, image); // ranked[0].label
 */
export async function classifyKnn(model: CompiledModel, head: KnnHead, input: TensorInput): Promise<KnnClassification[][]> {
  const result = await model.run(input, { outputs: [SIMILARITIES_OUTPUT, NEIGHBOURS_OUTPUT] });
  return knnVotes(head, result.int64(NEIGHBOURS_OUTPUT), result.float(SIMILARITIES_OUTPUT));
}

/**
 * knnVote for each row of a batch's [N, k] outputs.
 * @example const votes = knnVotes(knn, result.int64(NEIGHBOURS_OUTPUT), result.float(SIMILARITIES_OUTPUT)); // votes[0][0].label
 */
export function knnVotes(head: KnnHead, indices: BigInt64Array, similarities: Float32Array): KnnClassification[][] {
  const rows = indices.length / head.k;
  return Array.from({ length: rows }, (_, r) => knnVote(head, indices.subarray(r * head.k, (r + 1) * head.k), similarities.subarray(r * head.k, (r + 1) * head.k)));
}
