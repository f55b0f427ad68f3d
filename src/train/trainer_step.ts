/**
 * One training step of a dense head as GPU dispatches: forward through every
 * layer, softmax cross-entropy (its mean added to the GPU-side stats), the
 * backward pass, one optimizer step. The step reads its batch from two
 * bindings, `x` [rows][width] and `labels` [rows] u32, and nothing else from
 * the CPU — so whatever writes those two earlier in the same command encoder
 * can feed it: the trainer's gather from features held on the GPU
 * (kernels/train_batch.ts), or a backbone run over an augmented batch.
 */
import type { BufferBinding, DispatchSpec } from '../kernels/dispatch.js';
import { denseBackwardInput, denseBackwardParams, denseForward, denseParameterCount } from '../kernels/train_dense.js';
import { softmaxCrossEntropy } from '../kernels/train_loss.js';
import type { DenseActivation } from './head.js';
import { optimizerDispatch, type ResolvedOptimizer } from './optimizer.js';

/** A layer's shape and where its weights lie in the head's parameter buffer. */
export interface StepLayer {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly activation: DenseActivation;
  readonly paramOffset: number;
}

/** Lays the layers out one after another: W then b of each. */
export function stepLayers(layers: readonly { name: string; inFeatures: number; outFeatures: number; activation: DenseActivation }[]): { layers: StepLayer[]; count: number } {
  let offset = 0;
  const out = layers.map((l) => {
    const s = { name: l.name, inFeatures: l.inFeatures, outFeatures: l.outFeatures, activation: l.activation, paramOffset: offset };
    offset += denseParameterCount(l.inFeatures, l.outFeatures);
    return s;
  });
  return { layers: out, count: offset };
}

/** The buffers a step binds; activations and gradients hold ≥ rows × outFeatures floats per layer. */
export interface StepBuffers {
  /** The batch's features [rows][layers[0].inFeatures]. */
  readonly x: BufferBinding;
  /** The batch's labels [rows], u32, each < the last layer's outFeatures. */
  readonly labels: BufferBinding;
  /** Every layer's W and b (stepLayers' layout), and their gradients, same layout. */
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  /** [loss sum, steps since reset, steps in all] (kernels/train_loss.ts). */
  readonly stats: GPUBuffer;
  /** The optimizer's state (optimizerStateBuffers of it), zeroed before the first step. */
  readonly state: readonly GPUBuffer[];
  /** Per layer: its output, and the loss's gradient w.r.t. that output. */
  readonly activations: readonly GPUBuffer[];
  readonly gradients: readonly GPUBuffer[];
}

/**
 * The dispatches of one step on a batch of `rows`, in order. The first
 * layer's input gradient is not computed: the features are frozen.
 * @example
 * const { layers, count } = stepLayers(head.layers);
 * const specs = trainStepDispatches(layers, count, 128, buffers, resolveOptimizer({ kind: 'adam', lr: 1e-3 }));
 */
export function trainStepDispatches(layers: readonly StepLayer[], count: number, rows: number, b: StepBuffers, optimizer: ResolvedOptimizer): DispatchSpec[] {
  const specs: DispatchSpec[] = [];
  const input = (l: number): BufferBinding => (l === 0 ? b.x : b.activations[l - 1]!);
  layers.forEach((l, i) => {
    specs.push(denseForward({ rows, ...l }, { x: input(i), weights: b.params, y: b.activations[i]! }, `${l.name} forward`));
  });
  const last = layers.length - 1;
  specs.push(softmaxCrossEntropy({ rows, classes: layers[last]!.outFeatures }, { logits: b.activations[last]!, labels: b.labels, grad: b.gradients[last]!, stats: b.stats }));
  for (let i = last; i >= 0; i--) {
    const l = layers[i]!;
    specs.push(denseBackwardParams({ rows, ...l }, { x: input(i), y: b.activations[i]!, dy: b.gradients[i]!, grads: b.grads }, `${l.name} backward params`));
    if (i > 0) specs.push(denseBackwardInput({ rows, ...l }, { y: b.activations[i]!, dy: b.gradients[i]!, weights: b.params, dx: b.gradients[i - 1]! }, `${l.name} backward input`));
  }
  specs.push(optimizerDispatch(optimizer, count, { weights: b.params, grads: b.grads, stats: b.stats, state: b.state }));
  return specs;
}
