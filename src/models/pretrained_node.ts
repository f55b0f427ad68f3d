/**
 * The shipped weights in Node: their file: URLs are read from disk (Node's
 * fetch cannot read file: URLs). Kept apart from pretrained.ts so the
 * browser entry never reaches node: modules.
 *
 * @example
 * import { loadPretrainedWeights } from 'webgpu-cnn/node';
 * const weights = await loadPretrainedWeights('lenet5'); // read from the installed package
 */
import type { WeightMap } from '../graph/ir.js';
import { loadSafetensorsFile } from '../io/safetensors_node.js';
import { lenet5 } from './lenet.js';
import { loadPretrainedWeights as loadShipped, loadShippedWeights, setPretrainedFileReader, type LoadPretrainedOptions, type PretrainedId, type Shipped } from './pretrained.js';

/**
 * Weights that ship in the package but only the Node entry loads by id: two
 * more LeNet-5s trained like 'lenet5' with seeds 1 and 2 (ensemble
 * members). Their URLs live here, not in pretrained.ts, so that a browser
 * app's bundler, which copies every asset the browser entry names, ships
 * only lenet5.safetensors; a web app serves these files itself and passes
 * their URLs as `weights`.
 */
export type NodePretrainedId = PretrainedId | 'lenet5_seed1' | 'lenet5_seed2';

const NODE_SHIPPED: Record<Exclude<NodePretrainedId, PretrainedId>, Shipped> = {
  lenet5_seed1: { url: () => new URL('./weights/lenet5_seed1.safetensors', import.meta.url), graph: () => lenet5({ variant: 'relu' }), variant: 'relu' },
  lenet5_seed2: { url: () => new URL('./weights/lenet5_seed2.safetensors', import.meta.url), graph: () => lenet5({ variant: 'relu' }), variant: 'relu' },
};

/**
 * The ids the Node entry's loadPretrainedWeights accepts.
 *
 * @example NODE_PRETRAINED_IDS // ['lenet5', 'lenet5_seed1', 'lenet5_seed2']
 */
export const NODE_PRETRAINED_IDS: readonly NodePretrainedId[] = ['lenet5', ...(Object.keys(NODE_SHIPPED) as NodePretrainedId[])];

/** @internal Makes every loader of shipped weights (the classifier's too) read file: URLs with node:fs. */
export function registerPretrainedFileReader(): void {
  setPretrainedFileReader(loadSafetensorsFile);
}

/**
 * The trained weights shipped with the package, read from disk: see
 * loadPretrainedWeights in the browser entry. In Node it also loads
 * 'lenet5_seed1' and 'lenet5_seed2', LeNet-5s trained with other seeds
 * (ensemble members).
 *
 * @example
 * import { createNodeGpuContext, compile, lenet5, lenet5Input, loadPretrainedWeights } from 'webgpu-cnn/node';
 * const model = await compile(await createNodeGpuContext(), lenet5(), await loadPretrainedWeights('lenet5'));
 * const logits = await model.predict(lenet5Input(digitPixels));
 * const member = await loadPretrainedWeights('lenet5_seed1'); // Node only
 */
export function loadPretrainedWeights(id: NodePretrainedId, options: LoadPretrainedOptions = {}): Promise<WeightMap> {
  registerPretrainedFileReader();
  const extra = (NODE_SHIPPED as Record<string, Shipped | undefined>)[id];
  return extra ? loadShippedWeights(id, extra, options) : loadShipped(id as PretrainedId, options);
}
