/**
 * extractFeatures on the GPU vs the float64 interpreter on the same cut
 * graph: random LeNet-5 weights, random images, a count that leaves a
 * partial last batch.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { lenet5 } from '../../src/models/lenet.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { extractFeatures } from '../../src/train/features.js';
import { runGraphRef } from '../reference/graph.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';

describe('extractFeatures', () => {
  it('matches float64 at the default layer (act4) and at act3, with a partial last batch', async () => {
    const ctx = await testContext();
    const rng = new Rng(11);
    const count = 7;
    const weights = randomWeights(lenet5(), rng);
    const images = rng.array(count * 32 * 32);
    const progress: number[] = [];
    for (const [layer, width] of [[undefined, 84], ['act3', 120]] as const) {
      const out = await extractFeatures(ctx, lenet5({ batch: 3 }), weights, images, { layer, onProgress: (done) => progress.push(done) });
      expect(out.width).toBe(width);
      expect(out.layer).toBe(layer ?? 'act4');
      const reference = runGraphRef(cutBackbone(lenet5({ batch: count }), out.layer).graph, weights, new Map([['image', images]])).get(FEATURES_OUTPUT)!;
      const err = relativeL2(out.features, reference);
      console.log(`[extractFeatures] ${out.layer}: ${count} images in batches of 3, relative L2 ${err.toExponential(2)}`);
      expect(reference.some((v) => v !== 0)).toBe(true);
      expect(err).toBeLessThan(F32_TOLERANCE);
    }
    expect(progress).toEqual([3, 6, 7, 3, 6, 7]);
    await expect(extractFeatures(ctx, lenet5({ batch: 3 }), weights, images.subarray(1))).rejects.toThrow(InputError);
  });
});
