/**
 * Ensembles: ensembleGraph on the GPU (members of different widths,
 * namespaced `m0.` …, with and without crops) against the float64 mean of
 * the members' softmax, each member run alone by the reference interpreter;
 * createEnsembleClassifier of three LeNet-5s against the mean of the three
 * members' softmax, each run one by one as its own classifier; members that
 * disagree on input or classes, and bad member lists, are typed errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import { cropRects } from '../../src/image/crops.js';
import { ensembleGraph, ensembleWeights } from '../../src/image/ensemble_graph.js';
import { PROBABILITIES_OUTPUT } from '../../src/image/multi_crop.js';
import { lenet5 } from '../../src/models/lenet.js';
import { createClassifier, createEnsembleClassifier, type Classifier } from '../../src/node.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { loadPretrainedWeights, NODE_PRETRAINED_IDS } from '../../src/models/pretrained_node.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mnistTestDigits } from '../e2e/mnist_images.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { thrown } from '../helpers/thrown.js';
import { meanProbabilitiesRef } from '../reference/multi_crop.js';
import { softmaxRef } from '../reference/softmax.js';
import { smallClassifier } from './small_classifier.js';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('ensembleGraph on the GPU vs the float64 mean of its members', () => {
  it('three random members of different widths, without and with 5 crops', async () => {
    const ctx = await testContext();
    const rng = new Rng(21);
    const [channels, h, w, classes] = [rng.pick([1, 3]), rng.int(6, 9), rng.int(6, 9), rng.int(3, 6)];
    const nets = [0, 1, 2].map(() => smallClassifier(rng, channels, h, w, classes, 3));
    const weights = nets.map((n) => randomWeights(n.build(1), rng));
    const members = nets.map((n, i) => ({ graph: n.build(1), weights: weights[i]! }));
    let worst = 0;
    for (const withCrops of [false, true]) {
      const canvas = withCrops ? { width: w + 3, height: h + 2 } : { width: w, height: h };
      const crops = withCrops ? cropRects('5-crop', canvas, { width: w, height: h }) : [{ x: 0, y: 0, width: w, height: h }];
      const graph = withCrops ? ensembleGraph(nets.map((n) => n.build(crops.length)), { crops, canvas }) : ensembleGraph(nets.map((n) => n.build(1)));
      expect([...graph.parameters.keys()].filter((k) => k.startsWith('m2.'))).toEqual([...nets[2]!.build(1).parameters.keys()].map((k) => `m2.${k}`));
      const input = rng.array(channels * canvas.height * canvas.width);
      const model = await compile(ctx, graph, ensembleWeights(weights));
      try {
        const got = (await model.run(input)).float(PROBABILITIES_OUTPUT);
        const image = { data: input, channels, ...canvas };
        const ref = meanProbabilitiesRef(members, image, crops);
        // informative: the members disagree
        expect(maxAbs(meanProbabilitiesRef([members[0]!], image, crops), ref)).toBeGreaterThan(1e-3);
        const err = maxAbs(got, ref);
        worst = Math.max(worst, err);
        expect(err, withCrops ? '5 crops' : 'no crops').toBeLessThan(2e-6);
      } finally {
        model.dispose();
      }
    }
    console.log(`ensembleGraph (3 members) vs float64: max |p − p_ref| ${worst.toExponential(2)}, without and with 5 crops`);
  });

  it('members that disagree on input or classes are InvalidParameterErrors naming the member', () => {
    const rng = new Rng(4);
    const a = smallClassifier(rng, 1, 8, 8, 5).build(1);
    const wider = smallClassifier(rng, 1, 8, 10, 5).build(1);
    const rgb = smallClassifier(rng, 3, 8, 8, 5).build(1);
    const more = smallClassifier(rng, 1, 8, 8, 6).build(1);
    const check = (members: unknown, pattern: RegExp, parameter: string) => {
      const e = thrown(() => ensembleGraph(members as never));
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect((e as InvalidParameterError).parameter).toBe(parameter);
      expect(e.message).toMatch(pattern);
    };
    check([a, a, wider], /takes \[1, 1, 8, 10\]; members\[0\] takes \[1, 1, 8, 8\]/, 'members[2]');
    check([a, rgb], /takes \[1, 3, 8, 8\]/, 'members[1]');
    check([a, more], /has 6 classes; members\[0\] has 5/, 'members[1]');
    check([], /at least one member/, 'members');
  });
});

describe('the seed weights (ensemble members) in Node', () => {
  it("loadPretrainedWeights('lenet5_seed1' | 'lenet5_seed2'): every LeNet-5 parameter, the file's tensors, other numbers than 'lenet5'", async () => {
    expect(NODE_PRETRAINED_IDS).toEqual(['lenet5', 'lenet5_seed1', 'lenet5_seed2']);
    const base = await loadPretrainedWeights('lenet5');
    for (const id of ['lenet5_seed1', 'lenet5_seed2'] as const) {
      const weights = await loadPretrainedWeights(id);
      expect([...weights.keys()].sort()).toEqual([...lenet5().parameters.keys()].sort());
      const file = readSafetensors(parseSafetensors(new Uint8Array(readFileSync(fileURLToPath(new URL(`../../src/models/weights/${id}.safetensors`, import.meta.url))))));
      for (const [name, tensor] of file) expect(weights.get(name), `${id} ${name}`).toEqual(tensor.data);
      expect(maxAbs(weights.get('conv1.weight')!, base.get('conv1.weight')!)).toBeGreaterThan(0.05);
    }
  });
});

describe('createEnsembleClassifier: three LeNet-5s', () => {
  const rng = new Rng(31);
  const lenet = lenet5();
  // the shipped weights and two random-but-sensible sets: the members must disagree for the mean to be tested
  const memberWeights = [undefined, randomWeights(lenet, rng), randomWeights(lenet, rng)];
  let members: Classifier[];
  let ensemble: Classifier;
  beforeAll(async () => {
    const ctx = await testContext();
    members = await Promise.all(memberWeights.map((weights) => createClassifier('lenet5', { ctx, ...(weights ? { weights } : {}) })));
    ensemble = await createEnsembleClassifier(memberWeights.map((weights) => (weights ? { source: 'lenet5', weights } : 'lenet5')), { ctx });
  });
  afterAll(() => {
    members?.forEach((m) => m.dispose());
    ensemble?.dispose();
  });

  it('scores = the mean of the members’ softmax, each member run one by one; one compiled graph, namespaced', async () => {
    expect(ensemble.labels).toEqual([...'0123456789']);
    expect(ensemble.model.graph.parameters.has('m1.conv1.weight')).toBe(true);
    let worst = 0;
    let spread = 0;
    for (const digit of mnistTestDigits(3)) {
      const rgba = new Uint8ClampedArray(28 * 28 * 4);
      digit.pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
      const image = { width: 28, height: 28, data: rgba };
      expect(await ensemble.preprocess(image)).toEqual(await members[0]!.preprocess(image));
      const each = await Promise.all(members.map(async (m) => softmaxRef((await m.model.run(await m.preprocess(image))).float('logits'), 1, 10)));
      const mean = each[0]!.map((_, k) => (each[0]![k]! + each[1]![k]! + each[2]![k]!) / 3);
      spread = Math.max(spread, maxAbs(each[0]!, each[1]!));
      const scores = await ensemble.classify(image, { topK: 10 });
      for (const s of scores) worst = Math.max(worst, Math.abs(s.score - mean[Number(s.label)]!));
      expect(scores.map((s) => Number(s.label))).toEqual([...mean.keys()].sort((a, b) => mean[b]! - mean[a]! || a - b));
    }
    console.log(`ensemble of 3 LeNet-5s vs the members' mean softmax: max |Δ| ${worst.toExponential(2)} (members differ by up to ${spread.toFixed(3)})`);
    expect(spread).toBeGreaterThan(1e-2);
    expect(worst).toBeLessThan(1e-6);
  });

  it('a member with another input or other classes, a compiled member, an empty list: typed errors', async () => {
    const ctx = await testContext();
    const fail = (p: Promise<unknown>) => p.then(() => { throw new Error('no error'); }, (e: Error) => e);
    // a 7-class model on LeNet's 1 × 32 × 32 input, as ONNX bytes
    const g = new GraphBuilder();
    g.output(g.linear(g.flatten(g.input('image', [1, 1, 32, 32])), { name: 'fc', outFeatures: 7 }), 'logits');
    const seven = g.build();
    const classes = await fail(createEnsembleClassifier(['lenet5', exportOnnx(seven, randomWeights(seven, rng))], { ctx }));
    expect(classes).toBeInstanceOf(InvalidParameterError);
    expect(classes.message).toMatch(/members\[1\].*has 7 classes; members\[0\] has 10/);
    const input = await fail(createEnsembleClassifier(['lenet5', { source: 'mobilenet_v1_0.25', weights: 'random', inputSize: 32 }], { ctx }));
    expect(input.message).toMatch(/members\[1\].*takes 3×32×32 pictures; members\[0\] takes 1×32×32/);
    expect((await fail(createEnsembleClassifier([members[0]!.model], { ctx }))).message).toMatch(/members\[0\].*compiled model/);
    expect((await fail(createEnsembleClassifier([], { ctx }))).message).toMatch(/at least one member/);
  });
});
