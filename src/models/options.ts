/**
 * What every zoo builder takes: the batch, the input resolution and the
 * number of classes. The graph's input is 'image' [batch, 3, size, size]
 * (NCHW, already normalized) and its output 'logits' [batch, numClasses],
 * before any softmax.
 */
export interface ModelOptions {
  /** Images per run; default 1. */
  batch?: number;
  /** Height and width of the input; default the model's standard size (224 for most). */
  inputSize?: number;
  /** Size of the classifier's output; default 1000 (ImageNet). */
  numClasses?: number;
}

/** The options with every default filled in. */
export type ResolvedModelOptions = Required<ModelOptions>;

/** Fills in the defaults, with `standardSize` the model's usual resolution. */
export function resolveModelOptions(o: ModelOptions, standardSize = 224): ResolvedModelOptions {
  return { batch: o.batch ?? 1, inputSize: o.inputSize ?? standardSize, numClasses: o.numClasses ?? 1000 };
}
