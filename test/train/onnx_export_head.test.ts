/**
 * A composed model exports to ONNX as one file: LeNet-5's backbone cut at
 * act4 with a random 2-layer head (softmax output included), run by
 * onnxruntime-node (the independent oracle), by our compiled model on the
 * GPU and by a float64 reference (the interpreter on the cut backbone, then
 * the dense head written from its definition) on random weights and input;
 * and the kNN head (normalise → similarities → TopK) exports too, finding
 * float64's brute-force neighbours in onnxruntime-node.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { lenet5 } from '../../src/models/lenet.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { cutBackbone, FEATURES_OUTPUT } from '../../src/train/backbone.js';
import { composedWeights, composeHead, LOGITS_OUTPUT, PROBABILITIES_OUTPUT } from '../../src/train/compose.js';
import { composeKnn, knnHead, NEIGHBOURS_OUTPUT, SIMILARITIES_OUTPUT } from '../../src/train/knn.js';
import { testContext } from '../helpers/gpu.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { randomWeights } from '../helpers/random_graph.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { denseHeadRef, nearestRef, softmaxRowsRef } from '../reference/dense_head.js';
import { runGraphRef } from '../reference/graph.js';
import { randomHead } from '../reference/random_head.js';

// measured on SwiftShader: ORT vs float64 ≤ 2e-7, our GPU vs ORT ≤ 2e-7 (log lines); a few times that
const TOLERANCE = 2e-6;

describe('ONNX export of backbone + head', () => {
  it('LeNet-5 + a 2-layer head: ORT, our GPU and float64 give the same probabilities', async () => {
    const rng = new Rng(41);
    const batch = 2;
    const backbone = lenet5({ batch });
    const weights = randomWeights(backbone, rng);
    const head = randomHead(rng, 'act4', [84, 20, 6]);
    const graph = composeHead(backbone, head, { softmax: true });
    const w = composedWeights(backbone, weights, head);
    const image = rng.array(batch * 32 * 32);

    const features = runGraphRef(cutBackbone(backbone, 'act4').graph, weights, new Map([['image', image]])).get(FEATURES_OUTPUT)!;
    const logitsRef = denseHeadRef(head, features);
    const probabilitiesRef = softmaxRowsRef(logitsRef, 6);
    expect(Math.max(...probabilitiesRef) - Math.min(...probabilitiesRef)).toBeGreaterThan(0.05);

    const bytes = exportOnnx(graph, w, { name: 'lenet5+head' });
    const ort = await runOnnxRuntime(bytes, { image: { data: image, shape: [batch, 1, 32, 32] } });
    expect(ort[PROBABILITIES_OUTPUT]!.shape).toEqual([batch, 6]);
    const model = await compile(await testContext(), graph, w);
    try {
      const ours = await model.run(image);
      const ortVsRef = relativeL2(ort[PROBABILITIES_OUTPUT]!.data, probabilitiesRef);
      const oursVsRef = relativeL2(ours.float(PROBABILITIES_OUTPUT), probabilitiesRef);
      const oursVsOrt = relativeL2(ours.float(PROBABILITIES_OUTPUT), ort[PROBABILITIES_OUTPUT]!.data);
      const logitsErr = relativeL2(ort[LOGITS_OUTPUT]!.data, logitsRef);
      console.log(`[onnx export head] ${bytes.length} bytes; probabilities relative L2: ORT vs float64 ${ortVsRef.toExponential(2)}, GPU vs float64 ${oursVsRef.toExponential(2)}, GPU vs ORT ${oursVsOrt.toExponential(2)}; ORT logits vs float64 ${logitsErr.toExponential(2)}`);
      for (const e of [ortVsRef, oursVsRef, oursVsOrt, logitsErr]) expect(e).toBeLessThan(TOLERANCE);
    } finally {
      model.dispose();
    }
  });

  it('LeNet-5 + a kNN head: ORT finds the float64 neighbours and similarities', async () => {
    const rng = new Rng(43);
    const batch = 2;
    const [n, k, width] = [30, 4, 84];
    const weights = randomWeights(lenet5(), rng);
    const features = (images: Float32Array, count: number) => runGraphRef(cutBackbone(lenet5({ batch: count }), 'act4').graph, weights, new Map([['image', images]])).get(FEATURES_OUTPUT)!;
    const examples = features(rng.array(n * 32 * 32), n);
    const labels = Array.from({ length: n }, () => rng.int(0, 2));
    const knn = knnHead({ features: Float32Array.from(examples), width, layer: 'act4', labels, classes: ['a', 'b', 'c'], k });
    const image = rng.array(batch * 32 * 32);
    const queries = features(image, batch);
    const { graph, weights: w } = composeKnn(lenet5({ batch }), weights, knn);
    const bytes = exportOnnx(graph, w, { name: 'lenet5+knn' });
    const ort = await runOnnxRuntime(bytes, { image: { data: image, shape: [batch, 1, 32, 32] } });
    expect(ort[NEIGHBOURS_OUTPUT]!.shape).toEqual([batch, k]);
    let simErr = 0;
    let minGap = Infinity;
    for (let q = 0; q < batch; q++) {
      const all = nearestRef(examples, width, queries.subarray(q * width, (q + 1) * width), n);
      for (let i = 0; i < k; i++) minGap = Math.min(minGap, all[i]!.similarity - all[i + 1]!.similarity);
      expect(Array.from(ort[NEIGHBOURS_OUTPUT]!.data.slice(q * k, (q + 1) * k), Number)).toEqual(all.slice(0, k).map((r) => r.index));
      simErr = Math.max(simErr, relativeL2(ort[SIMILARITIES_OUTPUT]!.data.slice(q * k, (q + 1) * k), all.slice(0, k).map((r) => r.similarity)));
    }
    console.log(`[onnx export knn] ${bytes.length} bytes; ORT similarities vs float64 relative L2 ${simErr.toExponential(2)}, smallest gap between ranks ${minGap.toExponential(2)}`);
    expect(minGap).toBeGreaterThan(1e-5);
    expect(simErr).toBeLessThan(TOLERANCE);
  });
});
