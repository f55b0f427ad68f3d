/**
 * The head trained over a frozen backbone (the course's P128): a small stack
 * of dense layers from the backbone's feature layer to the user's classes.
 * The trainer (train/trainer.ts) fills it, compose.ts appends it to the
 * backbone as one graph, head_file.ts saves and loads it.
 */

/** What a dense layer applies after its affine map; the trainer backpropagates through these. */
export type DenseActivation = 'none' | 'relu' | 'tanh';

/** One fully connected layer, in PyTorch's nn.Linear layout. */
export interface DenseLayer {
  /** Its node name when appended to the backbone (e.g. 'head.0', or the backbone's own 'fc1' when unfrozen). */
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** [outFeatures, inFeatures], row-major. */
  readonly weight: Float32Array;
  /** [outFeatures]. */
  readonly bias: Float32Array;
  /** Applied to this layer's output; the last layer's is 'none' (it gives logits). */
  readonly activation: DenseActivation;
}

/** A classifier head: features at `featureLayer` of a backbone → logits over `classes`. */
export interface ClassifierHead {
  /** The backbone node (or input) whose output, flattened to [N, features], feeds the head. */
  readonly featureLayer: string;
  readonly features: number;
  readonly classes: readonly string[];
  readonly layers: readonly DenseLayer[];
}
