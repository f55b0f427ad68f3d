/**
 * Test-time multi-crop: the named crop sets' rectangles worked out by hand;
 * multiCropGraph on the GPU (Slices, mirrors as backward Slices, one batch,
 * softmax, mean) against the float64 reference (crop, mirror, the model's
 * batch-1 graph per crop, softmax, mean) on small random models and random
 * canvases; createClassifier('lenet5', { crops }) against the same reference
 * run on its preprocessed canvas with the shipped weights; bad crop sets
 * are typed errors naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphError, InvalidParameterError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { cropGrid, cropRects, type CropRect } from '../../src/image/crops.js';
import { multiCropGraph, PROBABILITIES_OUTPUT } from '../../src/image/multi_crop.js';
import { cropCanvasRecipe, DIGIT_CROP_MARGIN, imagenetRecipe, MNIST_DIGIT_PREPROCESSING } from '../../src/image/recipe.js';
import { lenet5 } from '../../src/models/lenet.js';
import { loadPretrainedWeights } from '../../src/models/pretrained_node.js';
import { createClassifier, type Classifier } from '../../src/node.js';
import { mnistTestDigits } from '../e2e/mnist_images.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { thrown } from '../helpers/thrown.js';
import { cropRef, meanProbabilitiesRef } from '../reference/multi_crop.js';
import { smallClassifier } from './small_classifier.js';

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('crop sets', () => {
  it("'center', '5-crop', '10-crop' and cropGrid lay out the rectangles torchvision does", () => {
    const canvas = { width: 256, height: 256 };
    const crop = { width: 224, height: 224 };
    const at = (rects: CropRect[]) => rects.map((r) => [r.x, r.y, r.mirror ? 'm' : '']);
    expect(at(cropRects('center', canvas, crop))).toEqual([[16, 16, '']]);
    expect(at(cropRects('5-crop', canvas, crop))).toEqual([[0, 0, ''], [32, 0, ''], [0, 32, ''], [32, 32, ''], [16, 16, '']]);
    const ten = cropRects('10-crop', canvas, crop);
    expect(at(ten)).toEqual([...at(cropRects('5-crop', canvas, crop)), [0, 0, 'm'], [32, 0, 'm'], [0, 32, 'm'], [32, 32, 'm'], [16, 16, 'm']]);
    expect(ten.every((r) => r.width === 224 && r.height === 224)).toBe(true);
    // a non-square canvas, and CenterCrop's round-half-to-even: (37 − 32) / 2 = 2.5 → 2, (41 − 32) / 2 = 4.5 → 4
    expect(at(cropRects('5-crop', { width: 37, height: 41 }, { width: 32, height: 32 }))).toEqual([[0, 0, ''], [5, 0, ''], [0, 9, ''], [5, 9, ''], [2, 4, '']]);
    expect(at(cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 3))).toEqual([0, 3, 6].flatMap((y) => [0, 3, 6].map((x) => [x, y, ''])));
    expect(cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 5).map((r) => r.x).slice(0, 5)).toEqual([0, 2, 3, 5, 6]);
    expect(at(cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 1))).toEqual([[3, 3, '']]);
  });

  it('the default crop canvases: Resize(256) + the centred 256×256 for a 224 model, the digit input inside 38×38', () => {
    const rgb = cropCanvasRecipe(imagenetRecipe(224), {});
    expect([rgb.fit, rgb.width, rgb.height, rgb.resize]).toEqual(['center-crop', 256, 256, 256]);
    const given = cropCanvasRecipe(imagenetRecipe(224), { width: 288, height: 240, resize: 300 });
    expect([given.width, given.height, given.resize]).toEqual([288, 240, 300]);
    const digit = cropCanvasRecipe(MNIST_DIGIT_PREPROCESSING, {});
    expect([digit.fit, digit.width, digit.height, DIGIT_CROP_MARGIN]).toEqual(['digit', 38, 38, 3]);
  });

  it('bad crop sets are InvalidParameterErrors naming the field', () => {
    const canvas = { width: 40, height: 36 };
    const crop = { width: 32, height: 32 };
    const cases: [unknown, RegExp][] = [
      [[], /crops.*empty/],
      [[{ x: 9, y: 0, width: 32, height: 32 }], /crops\[0\].*at \(9, 0\) reaches outside the 40×36 canvas/],
      [[{ x: 0, y: 0, width: 32, height: 32 }, { x: -1, y: 2, width: 32, height: 32 }], /crops\[1\].*outside/],
      [[{ x: 0, y: 0, width: 30, height: 32 }], /crops\[0\].*30×32; every crop must be the model's input size, 32×32/],
      [[{ x: 0.5, y: 0, width: 32, height: 32 }], /crops\[0\]\.x.*integer/],
      [[{ x: 0, y: 0, width: 32, height: 32, mirror: 'yes' }], /crops\[0\]\.mirror/],
      ['7-crop', /unknown crop set "7-crop"/],
      [42, /crops.*got number/],
    ];
    for (const [set, message] of cases) {
      const error = thrown(() => cropRects(set as never, canvas, crop));
      expect(error, JSON.stringify(set)).toBeInstanceOf(InvalidParameterError);
      expect((error as Error).message).toMatch(message);
    }
    expect(thrown(() => cropRects('center', { width: 30, height: 40 }, crop))).toBeInstanceOf(InvalidParameterError);
    expect(thrown(() => cropGrid(canvas, crop, 0))).toBeInstanceOf(InvalidParameterError);
  });
});

describe('multiCropGraph on the GPU vs the float64 reference', () => {
  it('random models, random canvases, named and explicit crops (mirrors included), 1 and 2 images per run', async () => {
    const ctx = await testContext();
    let worst = 0;
    for (const seed of [11, 12, 13]) {
      const rng = new Rng(seed);
      const channels = rng.pick([1, 3]);
      const [h, w] = [rng.int(6, 10), rng.int(6, 10)];
      const net = smallClassifier(rng, channels, h, w, rng.int(3, 7));
      const canvas = { width: w + rng.int(1, 5), height: h + rng.int(1, 5) };
      const crops: CropRect[] =
        seed === 13
          ? Array.from({ length: 4 }, () => ({ x: rng.int(0, canvas.width - w), y: rng.int(0, canvas.height - h), width: w, height: h, mirror: rng.bool() }))
          : cropRects(seed === 11 ? '10-crop' : '5-crop', canvas, { width: w, height: h });
      const images = seed === 12 ? 2 : 1;
      const weights = randomWeights(net.build(1), rng);
      const graph = multiCropGraph(net.build(crops.length * images), crops, canvas);
      expect(graph.tensors[graph.inputs[0]!.tensor]!.shape).toEqual([images, channels, canvas.height, canvas.width]);
      const input = rng.array(images * channels * canvas.height * canvas.width);
      const model = await compile(ctx, graph, weights);
      try {
        const got = (await model.run(input)).float(PROBABILITIES_OUTPUT);
        expect(got).toHaveLength(images * net.classes);
        const per = channels * canvas.height * canvas.width;
        for (let b = 0; b < images; b++) {
          const ref = meanProbabilitiesRef([{ graph: net.build(1), weights }], { data: input.subarray(b * per, (b + 1) * per), channels, ...canvas }, crops);
          // informative: the crops disagree, so a wrong crop or a missing mirror would show
          const single = meanProbabilitiesRef([{ graph: net.build(1), weights }], { data: input.subarray(b * per, (b + 1) * per), channels, ...canvas }, [crops[0]!]);
          expect(maxAbs(single, ref)).toBeGreaterThan(1e-3);
          const err = maxAbs(got.subarray(b * net.classes, (b + 1) * net.classes), ref);
          worst = Math.max(worst, err);
          expect(err, `seed ${seed} image ${b}`).toBeLessThan(2e-6);
        }
      } finally {
        model.dispose();
      }
    }
    console.log(`multiCropGraph vs float64: max |p − p_ref| ${worst.toExponential(2)} (3 random models, 10-crop / 5-crop ×2 images / 4 random crops with mirrors)`);
  });

  it('a model built at the wrong batch, or crops of the wrong size, are GraphErrors', () => {
    const net = smallClassifier(new Rng(3), 1, 8, 8, 4);
    const crops = cropRects('5-crop', { width: 10, height: 10 }, { width: 8, height: 8 });
    expect((thrown(() => multiCropGraph(net.build(4), crops, { width: 10, height: 10 })) as Error).message).toMatch(/batch 4, not a multiple of the 5 crop/);
    expect(thrown(() => multiCropGraph(net.build(1), [{ x: 0, y: 0, width: 9, height: 8 }], { width: 10, height: 10 }))).toBeInstanceOf(GraphError);
  });
});

describe("createClassifier('lenet5', { crops })", () => {
  let plain: Classifier;
  let shifts: Classifier;
  beforeAll(async () => {
    const ctx = await testContext();
    plain = await createClassifier('lenet5', { ctx });
    shifts = await createClassifier('lenet5', { ctx, crops: [...cropGrid({ width: 38, height: 38 }, { width: 32, height: 32 }, 2), { x: 1, y: 4, width: 32, height: 32 }] });
  });
  afterAll(() => {
    plain?.dispose();
    shifts?.dispose();
  });

  it('scores = float64 mean softmax of the shipped LeNet-5 over the crops of its 38×38 canvas, whose centre is the plain 32×32 input', async () => {
    expect(shifts.preprocessing.width).toBe(38);
    expect(shifts.crops!.map((r) => [r.x, r.y])).toEqual([[0, 0], [6, 0], [0, 6], [6, 6], [1, 4]]);
    const weights = await loadPretrainedWeights('lenet5');
    let worst = 0;
    let centre = 0;
    for (const digit of mnistTestDigits(4)) {
      const rgba = new Uint8ClampedArray(28 * 28 * 4);
      digit.pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
      const image = { width: 28, height: 28, data: rgba };
      const canvas = await shifts.preprocess(image);
      expect(canvas).toHaveLength(38 * 38);
      centre = Math.max(centre, maxAbs(cropRef({ data: canvas, channels: 1, height: 38, width: 38 }, { x: 3, y: 3, width: 32, height: 32 }), await plain.preprocess(image)));
      const ref = meanProbabilitiesRef([{ graph: lenet5(), weights }], { data: canvas, channels: 1, height: 38, width: 38 }, shifts.crops!);
      const scores = await shifts.classify(image, { topK: 10 });
      expect(scores.map((s) => Number(s.label))).toEqual([...ref.keys()].sort((a, b) => ref[b]! - ref[a]! || a - b));
      for (const s of scores) worst = Math.max(worst, Math.abs(s.score - ref[Number(s.label)]!));
      expect(Number(scores[0]!.label)).toBe(digit.label);
    }
    console.log(`lenet5 with 5 crops of 38×38: max |score − float64| ${worst.toExponential(2)}; canvas centre vs the plain 32×32 input ${centre.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    // the same samples, but the shifted destination rectangle rounds differently in f32 (measured ≈ 1e-5 on SwiftShader)
    expect(centre).toBeLessThan(5e-5);
  });

  it('bad crop options are typed errors before anything compiles', async () => {
    const ctx = await testContext();
    const bad = async (options: object) => {
      try {
        await createClassifier('lenet5', { ctx, ...options });
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    };
    const outside = await bad({ crops: [{ x: 7, y: 0, width: 32, height: 32 }] });
    expect(outside).toBeInstanceOf(InvalidParameterError);
    expect(outside.message).toMatch(/crops\[0\].*outside the 38×38 canvas/);
    expect((await bad({ crops: [] })).message).toMatch(/empty/);
    expect((await bad({ crops: 'center', preprocessing: { width: 30, height: 30 } })).message).toMatch(/preprocessing/);
    const compiled = await compile(ctx, lenet5(), await loadPretrainedWeights('lenet5'));
    const fromCompiled = await createClassifier(compiled, { ctx, crops: '5-crop' }).catch((e: Error) => e);
    expect(fromCompiled).toBeInstanceOf(InvalidParameterError);
    expect((fromCompiled as Error).message).toMatch(/compiled model has its batch/);
    compiled.dispose();
  });
});
