/**
 * composeHead / composedWeights (train/compose.ts): LeNet-5 cut at a feature
 * layer with a random 2-layer head appended, compiled as one model on the
 * GPU, against the float64 interpreter on the composed graph and against a
 * dense-head reference written from the definition on the cut backbone's
 * features; an unfrozen head that reuses the backbone's 'fc1' name; the
 * errors of heads that do not fit.
 */
import { describe, expect, it } from 'vitest';
import { GraphError, InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { lenet5 } from '../../src/models/lenet.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { composedWeights, composeHead, LOGITS_OUTPUT, PROBABILITIES_OUTPUT } from '../../src/train/compose.js';
import type { ClassifierHead } from '../../src/train/head.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { denseHeadRef, softmaxRowsRef } from '../reference/dense_head.js';
import { runGraphRef } from '../reference/graph.js';
import { randomHead } from '../reference/random_head.js';

describe('composeHead', () => {
  it('runs backbone + head as one model, matching float64 (composed graph and cut features + dense reference)', async () => {
    const ctx = await testContext();
    const rng = new Rng(16);
    const batch = 3;
    const backbone = lenet5({ batch });
    const weights = randomWeights(backbone, rng);
    const image = rng.array(batch * 32 * 32);
    const cases: { label: string; head: ClassifierHead }[] = [
      { label: 'act4 → 16 → 3', head: randomHead(rng, 'act4', [84, 16, 3]) },
      // unfrozen: the trainer hands back the backbone's own 'fc1' name, which the cut has freed
      { label: 'flatten → fc1(84) → 5', head: randomHead(rng, 'flatten', [120, 84, 5], ['fc1', 'head.1']) },
    ];
    for (const { label, head } of cases) {
      const graph = composeHead(backbone, head, { softmax: true });
      expect(graph.outputs.map((o) => o.name)).toEqual([LOGITS_OUTPUT, PROBABILITIES_OUTPUT]);
      expect(graph.tensors[graph.outputs[0]!.tensor]!.shape).toEqual([batch, head.classes.length]);
      const w = composedWeights(backbone, weights, head);
      expect([...w.keys()].sort()).toEqual([...graph.parameters.keys()].sort());
      const model = await compile(ctx, graph, w);
      try {
        expect(model.info.dispatches).toBeGreaterThan(0);
        const result = await model.run(image);
        const inputs = new Map([['image', image]]);
        const ref = runGraphRef(graph, w, inputs);
        const features = runGraphRef(cutBackbone(backbone, head.featureLayer).graph, weights, inputs).get(FEATURES_OUTPUT)!;
        const logitsRef = denseHeadRef(head, features);
        expect(relativeL2(ref.get(LOGITS_OUTPUT)!, logitsRef)).toBeLessThan(1e-12);
        const errLogits = relativeL2(result.float(LOGITS_OUTPUT), logitsRef);
        const errProb = relativeL2(result.float(PROBABILITIES_OUTPUT), softmaxRowsRef(logitsRef, head.classes.length));
        console.log(`[composeHead] ${label}: logits relative L2 ${errLogits.toExponential(2)}, probabilities ${errProb.toExponential(2)} (${model.info.dispatches} dispatches)`);
        expect(logitsRef.some((v) => Math.abs(v) > 0.05)).toBe(true);
        expect(errLogits).toBeLessThan(F32_TOLERANCE);
        expect(errProb).toBeLessThan(F32_TOLERANCE);
      } finally {
        model.dispose();
      }
    }
  });

  it('composedWeights: the head’s arrays win over the backbone’s under a shared name', () => {
    const rng = new Rng(3);
    const backbone = lenet5();
    const weights = randomWeights(backbone, rng);
    const head = randomHead(rng, 'flatten', [120, 84, 2], ['fc1', 'out']);
    const w = composedWeights(backbone, weights, head);
    expect(w.get('fc1.weight')).toBe(head.layers[0]!.weight);
    expect(w.get('conv1.weight')).toBe(weights.get('conv1.weight'));
    expect(w.has('fc2.weight')).toBe(false);
  });

  it('refuses heads that do not fit the backbone or themselves, naming the problem', () => {
    const rng = new Rng(4);
    const backbone = lenet5();
    const good = randomHead(rng, 'act4', [84, 8, 3]);
    const wrongWidth = randomHead(rng, 'act3', [84, 3]);
    expect(() => composeHead(backbone, wrongWidth)).toThrow(InvalidParameterError);
    expect(thrown(() => composeHead(backbone, wrongWidth)).message).toMatch(/head takes 84 features, but "act3" gives 120/);
    expect(thrown(() => composeHead(backbone, { ...good, featureLayer: 'nope' })).message).toMatch(/"nope" is no node or input of the backbone/);
    const broken = { ...good, layers: [good.layers[0]!, { ...good.layers[1]!, inFeatures: 9, weight: new Float32Array(27) }] };
    expect(thrown(() => composeHead(backbone, broken)).message).toMatch(/takes 9 features, but the layer before gives 8: layer widths must chain/);
    expect(thrown(() => composeHead(backbone, { ...good, classes: ['a', 'b'] })).message).toMatch(/last layer gives 3 outputs for 2 classes/);
    expect(thrown(() => composeHead(backbone, { ...good, layers: [{ ...good.layers[0]!, weight: new Float32Array(5) }, good.layers[1]!] })).message).toMatch(/weight must be a Float32Array of 8×84 = 672 values, got 5/);
    // a head layer named like a node the cut keeps collides
    expect(() => composeHead(backbone, { ...good, layers: [{ ...good.layers[0]!, name: 'conv1' }, good.layers[1]!] })).toThrow(GraphError);
  });
});
