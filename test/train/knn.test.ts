/**
 * The kNN head (train/knn.ts): LeNet-5 cut at act4, stored examples' features
 * from the float64 interpreter, queries through the composed GPU graph
 * (normalise → similarities → TopK) against brute-force cosine nearest
 * neighbours in float64 and a vote written from its definition; the vote's
 * tie rule; the errors of bad heads.
 */
import { describe, expect, it } from 'vitest';
import { InputError, InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { lenet5 } from '../../src/models/lenet.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { classifyKnn, composeKnn, knnHead, knnVote, NEIGHBOURS_OUTPUT, SIMILARITIES_OUTPUT } from '../../src/train/knn.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { knnVoteRef, nearestRef } from '../reference/dense_head.js';
import { runGraphRef } from '../reference/graph.js';

describe('kNN head', () => {
  it('finds the float64 brute-force neighbours on the GPU and votes as the reference', async () => {
    const ctx = await testContext();
    const rng = new Rng(31);
    const batch = 3;
    const n = 24;
    const k = 5;
    const layer = 'act4';
    const backbone = lenet5({ batch });
    const weights = randomWeights(backbone, rng);
    const features = (images: Float32Array, count: number) => runGraphRef(cutBackbone(lenet5({ batch: count }), layer).graph, weights, new Map([['image', images]])).get(FEATURES_OUTPUT)!;
    const examples = features(rng.array(n * 32 * 32), n);
    const labels = Array.from({ length: n }, () => rng.int(0, 3));
    const knn = knnHead({ features: Float32Array.from(examples), width: 84, layer, labels, classes: ['a', 'b', 'c', 'd'], k });
    for (let r = 0; r < n; r++) expect(Math.hypot(...knn.samples.subarray(r * 84, (r + 1) * 84))).toBeCloseTo(1, 6);

    const image = rng.array(batch * 32 * 32);
    const queries = features(image, batch);
    const { graph, weights: w } = composeKnn(backbone, weights, knn);
    expect(graph.outputs.map((o) => o.name)).toEqual([SIMILARITIES_OUTPUT, NEIGHBOURS_OUTPUT]);
    const model = await compile(ctx, graph, w);
    try {
      const result = await model.run(image);
      const sims = result.float(SIMILARITIES_OUTPUT);
      const indices = result.int64(NEIGHBOURS_OUTPUT);
      const votes = await classifyKnn(model, knn, image);
      let minGap = Infinity;
      let simErr = 0;
      for (let q = 0; q < batch; q++) {
        const all = nearestRef(examples, 84, queries.subarray(q * 84, (q + 1) * 84), n);
        const ref = all.slice(0, k);
        // a rank is only pinned where its similarity stands apart from the next one's by more than f32 error
        for (let i = 0; i < k; i++) minGap = Math.min(minGap, all[i]!.similarity - all[i + 1]!.similarity);
        expect(Array.from(indices.subarray(q * k, (q + 1) * k), Number)).toEqual(ref.map((r) => r.index));
        simErr = Math.max(simErr, relativeL2(sims.subarray(q * k, (q + 1) * k), ref.map((r) => r.similarity)));
        const voteRef = knnVoteRef(ref, labels);
        expect(votes[q]!.map((v) => v.index)).toEqual(voteRef.map((v) => v.index));
        expect(votes[q]!.map((v) => v.label)).toEqual(voteRef.map((v) => knn.classes[v.index]));
        votes[q]!.forEach((v, i) => expect(Math.abs(v.score - voteRef[i]!.score)).toBeLessThan(1e-5));
      }
      console.log(`[knn] ${batch} queries × ${n} examples, k=${k}: similarities relative L2 ${simErr.toExponential(2)}, smallest gap between ranks ${minGap.toExponential(2)}; votes ${votes.map((v) => `${v[0]!.label}:${v[0]!.score.toFixed(3)}`).join(' ')}`);
      expect(minGap).toBeGreaterThan(1e-5);
      expect(simErr).toBeLessThan(F32_TOLERANCE);
    } finally {
      model.dispose();
    }
  });

  it('votes by similarity, equal votes to the nearer neighbour, one vote each when none is positive', () => {
    const knn = knnHead({ features: new Float32Array([1, 0, 0, 1, 1, 1, -1, 0]), width: 2, layer: 'x', labels: [0, 1, 1, 2], classes: ['p', 'q', 'r'], k: 3 });
    // class q: 0.3 + 0.3 = 0.6 beats p's 0.5
    expect(knnVote(knn, [0, 1, 2], [0.5, 0.3, 0.3]).map((v) => [v.label, +v.score.toFixed(4)])).toEqual([['q', 0.5455], ['p', 0.4545]]);
    // a tie: q (0.25 + 0.25) and p (0.5); p has the nearest neighbour
    expect(knnVote(knn, [0, 1, 2], [0.5, 0.25, 0.25]).map((v) => v.label)).toEqual(['p', 'q']);
    expect(knnVote(knn, [1, 0, 2], [0.5, 0.25, 0.25]).map((v) => v.label)).toEqual(['q', 'p']);
    // negative similarities carry no weight; all negative: one vote each
    expect(knnVote(knn, [3, 1, 2], [0.2, -0.5, -0.6]).map((v) => [v.label, v.score])).toEqual([['r', 1], ['q', 0]]);
    expect(knnVote(knn, [3, 1, 2], [-0.2, -0.5, -0.6]).map((v) => [v.label, +v.score.toFixed(4)])).toEqual([['q', 0.6667], ['r', 0.3333]]);
    expect(knnVote(knn, [3, 1, 2], [-0.2, -0.5, -0.6])[0]).toEqual({ label: 'q', index: 1, score: 2 / 3 });
  });

  it('refuses bad examples, labels, k and a backbone of another width', () => {
    const rng = new Rng(33);
    const f = rng.array(4 * 84);
    const ok = { features: f, width: 84, layer: 'act4', labels: [0, 1, 0, 1], classes: ['a', 'b'], k: 3 };
    expect(() => knnHead({ ...ok, features: f.subarray(1) })).toThrow(InputError);
    expect(thrown(() => knnHead({ ...ok, labels: [0, 1, 2, 0] })).message).toMatch(/entry 2 is 2, not a class index from 0 to 1/);
    expect(thrown(() => knnHead({ ...ok, labels: [0, 1] })).message).toMatch(/has 2 entries for 4 feature rows/);
    expect(() => knnHead({ ...ok, k: 5 })).toThrow(InvalidParameterError);
    expect(thrown(() => composeKnn(lenet5(), new Map(), knnHead({ ...ok, layer: 'act3' }))).message).toMatch(/stored features are 84 wide, but "act3" gives 120/);
    expect(thrown(() => composeKnn(lenet5(), new Map(), knnHead({ ...ok, layer: 'nope' }))).message).toMatch(/"nope" is no node or input of the backbone/);
  });
});
