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
import { loadPretrainedWeights as loadShipped, setPretrainedFileReader, type LoadPretrainedOptions, type PretrainedId } from './pretrained.js';

/** @internal Makes every loader of shipped weights (the classifier's too) read file: URLs with node:fs. */
export function registerPretrainedFileReader(): void {
  setPretrainedFileReader(loadSafetensorsFile);
}

/**
 * The trained weights shipped with the package, read from disk: see
 * loadPretrainedWeights in the browser entry.
 *
 * @example
 * import { createNodeGpuContext, compile, lenet5, lenet5Input, loadPretrainedWeights } from 'webgpu-cnn/node';
 * const model = await compile(await createNodeGpuContext(), lenet5(), await loadPretrainedWeights('lenet5'));
 * const logits = await model.predict(lenet5Input(digitPixels));
 */
export function loadPretrainedWeights(id: PretrainedId, options: LoadPretrainedOptions = {}): Promise<WeightMap> {
  registerPretrainedFileReader();
  return loadShipped(id, options);
}
