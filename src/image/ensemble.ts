/**
 * createEnsembleClassifier: several classifiers with the same input and the
 * same classes as one — their softmax outputs averaged, compiled as ONE
 * graph (ensemble_graph.ts: members namespaced `m0.`, `m1.` …), so a
 * classify() is one GPU submit. Combines with test-time crops (every member
 * sees every crop). This is the browser's; webgpu-cnn/node exports one with
 * Dawn and file paths.
 */
import { InvalidParameterError } from '../errors.js';
import { browserClassifierPlatform, createCombinedOn, type Classifier, type ClassifierOptions, type ClassifierPlatform } from './classifier.js';
import type { ClassifierSource, WeightsSource } from './classifier_source.js';
import type { MemberSource } from './combined_model.js';

/** An ensemble member: a source (zoo id, ONNX file), or one with its own weights / input size (three LeNet-5s with three weight files). */
export type EnsembleMember = ClassifierSource | { source: ClassifierSource; weights?: WeightsSource; inputSize?: number };

/** Options of an ensemble: a classifier's, less `weights` and `inputSize`, which are per member. */
export type EnsembleOptions = Omit<ClassifierOptions, 'weights' | 'inputSize'>;

/** The members as sources with their loading options (the shared signal and progress, each member's weights). */
function memberSources(members: readonly EnsembleMember[], o: EnsembleOptions): MemberSource[] {
  if (!Array.isArray(members) || members.length === 0) throw new InvalidParameterError('members', 'an ensemble needs at least one member');
  const shared = { signal: o.signal, onProgress: o.onProgress };
  return members.map((m, i) => {
    if (m && typeof m === 'object' && 'source' in m) {
      const { source, weights, inputSize } = m;
      return { source, options: { ...shared, ...(weights !== undefined ? { weights } : {}), ...(inputSize !== undefined ? { inputSize } : {}) } };
    }
    if (m === null || m === undefined) throw new InvalidParameterError(`members[${i}]`, `expected a source or { source, weights }, got ${String(m)}`);
    return { source: m as ClassifierSource, options: shared };
  });
}

/** @internal createEnsembleClassifier on a platform (the browser's or Node's). */
export async function createEnsembleClassifierOn(platform: ClassifierPlatform, members: readonly EnsembleMember[], options: EnsembleOptions = {}): Promise<Classifier> {
  return createCombinedOn(platform, memberSources(members, options), options, true);
}

/**
 * Loads the members and compiles them as one classifier whose scores are
 * the mean of the members' softmax (and of the crops', with `crops`). The
 * members must take the same input size and channels and score the same
 * number of classes; one that does not is an InvalidParameterError naming
 * `members[i]`.
 *
 * @example
 * import { createEnsembleClassifier } from 'webgpu-cnn';
 * const ensemble = await createEnsembleClassifier([
 *   'lenet5',
 *   { source: 'lenet5', weights: '/weights/lenet5_seed1.safetensors' },
 *   { source: 'lenet5', weights: '/weights/lenet5_seed2.safetensors' },
 * ]);
 * const [best] = await ensemble.classify(canvas, { topK: 1 }); // { label: '7', score: 0.99 }
 */
export function createEnsembleClassifier(members: readonly EnsembleMember[], options: EnsembleOptions = {}): Promise<Classifier> {
  return createEnsembleClassifierOn(browserClassifierPlatform, members, options);
}
