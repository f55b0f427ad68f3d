/**
 * What a `<model>` on the command line is, whichever kind it is (a zoo id in
 * model_source.ts, an .onnx file in onnx_source.ts): the types both kinds
 * share, in a file of their own so neither opener imports the other.
 */
import type { Graph, WeightMap } from '../graph/ir.js';
import type { ZooEntry } from '../models/zoo.js';

export type ImageRecipe = 'lenet' | 'imagenet' | 'grayscale';

/** A declared dimension: a number, or null where the model leaves it free. */
export type Dim = number | null;

export interface DeclaredTensor {
  name: string;
  shape: readonly Dim[];
}

export interface ModelSource {
  /** For messages: the zoo id or the file's name. */
  label: string;
  zoo?: ZooEntry;
  inputs: readonly DeclaredTensor[];
  /** Zoo models can be built at any square input size (--shape N,C,S,S). */
  resizable: boolean;
  /**
   * How an image file becomes this model's input: 'lenet' MNIST's recipe
   * (LeNet-5, digit labels), 'imagenet' RGB with ImageNet's mean/std,
   * 'grayscale' luma in [0, 1] without normalization.
   */
  imageRecipe: ImageRecipe;
  /** A line for stderr about where the weights come from. */
  weightsNote: string;
  /**
   * The graph and its weights for these input shapes (by input name). With
   * `placeholders`, a model without weights gets zeros instead of random
   * ones (for summaries, where only shapes matter).
   */
  instantiate(shapes: ReadonlyMap<string, readonly number[]>, options?: { placeholders?: boolean }): Promise<{ graph: Graph; weights: WeightMap }>;
}

export interface ModelSourceOptions {
  weightsPath?: string;
  notice(message: string): void;
}
