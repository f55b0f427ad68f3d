/**
 * What a multi-crop or ensemble classifier compiles: its members resolved
 * at batch = number of crops, checked against each other, the preprocessing
 * canvas, the crop rectangles on it, and the one graph (multiCropGraph or
 * ensembleGraph) with its weights. No GPU here: classifier.ts compiles it.
 */
import { InvalidParameterError } from '../errors.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import { resolveSource, type ClassifierSource, type ModelLoader, type SourceOptions } from './classifier_source.js';
import { cropRects, type CropRect, type CropSet } from './crops.js';
import { ensembleGraph, ensembleWeights } from './ensemble_graph.js';
import { batchedImageInput, classCount, multiCropGraph } from './multi_crop.js';
import { checkRecipe, cropCanvasRecipe, defaultRecipeFor, type ImageRecipe } from './recipe.js';

/** One source with its own loading options (weights, inputSize). */
export interface MemberSource {
  source: ClassifierSource;
  options: SourceOptions;
}

/** A combined model, ready for compile(). */
export interface CombinedPlan {
  graph: Graph;
  weights: WeightMap;
  recipe: ImageRecipe;
  /** The crops on the canvas (one, the whole input, without a crop set). */
  crops: readonly CropRect[];
  classes: number;
  /** Every member is a digit model (LeNet-5). */
  digits: boolean;
}

/** How many crops a set holds, known before the model's input size is (it fixes the batch the model is built at). */
export function cropCount(set: CropSet): number {
  if (set === 'center') return 1;
  if (set === '5-crop') return 5;
  if (set === '10-crop') return 10;
  if (Array.isArray(set)) {
    if (set.length === 0) throw new InvalidParameterError('crops', 'the list of crops is empty: give at least one rectangle');
    return set.length;
  }
  throw new InvalidParameterError('crops', `expected 'center', '5-crop', '10-crop' or a list of { x, y, width, height, mirror }, got ${typeof set === 'string' ? `"${set}"` : String(set)}`);
}

/**
 * Resolves the members at batch = crops (1 without), checks that they share
 * input size and class count, sizes the canvas and lays out the crops, and
 * builds the graph: multiCropGraph for one member (`ensemble` false),
 * ensembleGraph otherwise. Errors name the member (`members[i]`) or the option.
 */
export async function planCombined(members: readonly MemberSource[], crops: CropSet | undefined, preprocessing: Partial<ImageRecipe> | undefined, loader: ModelLoader, ensemble: boolean): Promise<CombinedPlan> {
  const count = crops === undefined ? 1 : cropCount(crops);
  const where = (i: number) => (ensemble ? `members[${i}]` : 'source');
  const resolved = await Promise.all(members.map((m) => resolveSource(m.source, m.options, loader, count)));
  const graphs = resolved.map((r, i) => {
    if (r.kind === 'compiled') {
      throw new InvalidParameterError(where(i), `a compiled model has its batch and graph fixed; ${ensemble ? 'an ensemble' : 'test-time crops'} need${ensemble ? 's' : ''} the model itself: pass its zoo id or ONNX file`);
    }
    const { batch } = batchedImageInput(r.graph, where(i));
    if (batch !== count) throw new InvalidParameterError(where(i), `${r.name} has a fixed batch of ${batch}; ${count} crop(s) run it at batch ${count} (export it with a symbolic batch)`);
    return r.graph;
  });
  const first = batchedImageInput(graphs[0]!, where(0));
  const classes = classCount(graphs[0]!, where(0));
  graphs.forEach((g, i) => {
    const d = batchedImageInput(g, where(i));
    if (d.channels !== first.channels || d.height !== first.height || d.width !== first.width) {
      throw new InvalidParameterError(where(i), `takes ${d.channels}×${d.height}×${d.width} pictures; members[0] takes ${first.channels}×${first.height}×${first.width}: ensemble members share one input`);
    }
    const k = classCount(g, where(i));
    if (k !== classes) throw new InvalidParameterError(where(i), `has ${k} classes; members[0] has ${classes}: ensemble members score the same classes`);
  });
  const digits = resolved.every((r) => r.kind === 'graph' && r.digits);
  const model = { width: first.width, height: first.height };
  const base = defaultRecipeFor(first.channels, first.height, first.width, digits);
  let recipe: ImageRecipe;
  let rects: CropRect[];
  if (crops === undefined) {
    recipe = checkRecipe({ ...base, ...preprocessing });
    if (recipe.width !== first.width || recipe.height !== first.height || recipe.channels !== first.channels) {
      throw new InvalidParameterError('preprocessing', `makes ${recipe.channels}×${recipe.height}×${recipe.width}; the model takes ${first.channels}×${first.height}×${first.width}`);
    }
    rects = [{ x: 0, y: 0, ...model }];
  } else {
    recipe = checkRecipe(cropCanvasRecipe(base, preprocessing ?? {}));
    if (recipe.channels !== first.channels) throw new InvalidParameterError('preprocessing.channels', `is ${recipe.channels}; the model takes ${first.channels}`);
    rects = cropRects(crops, recipe, model);
  }
  const weights = resolved.map((r) => (r.kind === 'graph' ? r.weights : new Map()));
  const canvas = { width: recipe.width, height: recipe.height };
  const graph = ensemble ? ensembleGraph(graphs, crops === undefined ? {} : { crops: rects, canvas }) : multiCropGraph(graphs[0]!, rects, canvas);
  return { graph, weights: ensemble ? ensembleWeights(weights) : weights[0]!, recipe, crops: rects, classes, digits };
}
