/**
 * Single-op ONNX models built with protobufjs, imported and run on the GPU,
 * checked against onnxruntime-node on the same file: the layer ops (Conv,
 * pooling, Gemm, MatMul, BatchNormalization, LRN, Softmax) over random
 * shapes and attributes, in the opsets where their semantics differ.
 */
import { describe, it } from 'vitest';
import { Rng } from '../helpers/random.js';
import { buildModel, expectMatchesOrt, floatTensor, node } from '../helpers/onnx_models.js';

const TOLERANCE = 1e-4;

describe('onnx layer ops vs onnxruntime', () => {
  it('Conv: groups, strides, dilations, pads, auto_pad (opsets 7, 11, 21)', async () => {
    const rng = new Rng(11);
    const autoPads = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const;
    for (let i = 0; i < 8; i++) {
      const groups = rng.pick([1, 1, 2, 4]);
      const c = groups * rng.int(1, 3);
      const m = groups * rng.int(1, 4);
      const [kh, kw] = [rng.int(1, 3), rng.int(1, 3)];
      const [sh, sw] = [rng.int(1, 2), rng.int(1, 2)];
      const dilation = rng.pick([1, 1, 2]);
      const autoPad = autoPads[i % 4]!;
      const h = rng.int(6, 10);
      const w = rng.int(6, 10);
      const opset = rng.pick([7, 11, 21]);
      const bias = rng.bool();
      const attrs = {
        group: groups,
        strides: [sh, sw],
        dilations: [dilation, dilation],
        kernel_shape: [kh, kw],
        ...(autoPad === 'NOTSET' ? { pads: [rng.int(0, kh - 1), rng.int(0, kw - 1), rng.int(0, kh - 1), rng.int(0, kw - 1)] } : { auto_pad: autoPad }),
      };
      // onnxruntime refuses dilation with SAME_* padding
      if (autoPad.startsWith('SAME')) attrs.dilations = [1, 1];
      const bytes = buildModel({
        opset,
        nodes: [node('Conv', ['x', 'w', ...(bias ? ['b'] : [])], ['y'], attrs)],
        inputs: [{ name: 'x', shape: [2, c, h, w] }],
        outputs: ['y'],
        initializers: [floatTensor('w', [m, c / groups, kh, kw], rng.array(m * (c / groups) * kh * kw)), ...(bias ? [floatTensor('b', [m], rng.array(m))] : [])],
      });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `conv ${JSON.stringify(attrs)} opset ${opset}` });
    }
  });

  it('MaxPool and AveragePool: ceil_mode, count_include_pad, pads, auto_pad (opsets 8, 11, 19)', async () => {
    const rng = new Rng(12);
    for (let i = 0; i < 8; i++) {
      const op = i % 2 ? 'AveragePool' : 'MaxPool';
      const k = rng.int(2, 3);
      const s = rng.int(1, 2);
      const opset = op === 'MaxPool' ? rng.pick([8, 11, 19]) : rng.pick([7, 11, 19]);
      const autoPad = i < 6 ? 'NOTSET' : rng.pick(['SAME_UPPER', 'SAME_LOWER', 'VALID']);
      const attrs: Record<string, number | number[] | string> = { kernel_shape: [k, k], strides: [s, s] };
      if (autoPad === 'NOTSET') attrs.pads = [rng.int(0, k >> 1), rng.int(0, k >> 1), rng.int(0, k >> 1), rng.int(0, k >> 1)];
      else attrs.auto_pad = autoPad;
      if (opset >= 10 && autoPad === 'NOTSET') attrs.ceil_mode = rng.int(0, 1);
      if (op === 'AveragePool') attrs.count_include_pad = rng.int(0, 1);
      const bytes = buildModel({ opset, nodes: [node(op, ['x'], ['y'], attrs)], inputs: [{ name: 'x', shape: [1, rng.int(1, 5), rng.int(5, 9), rng.int(5, 9)] }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `${op} ${JSON.stringify(attrs)} opset ${opset}` });
    }
  });

  it('GlobalAveragePool and GlobalMaxPool', async () => {
    for (const op of ['GlobalAveragePool', 'GlobalMaxPool']) {
      const bytes = buildModel({ opset: 13, nodes: [node(op, ['x'], ['y'])], inputs: [{ name: 'x', shape: [2, 5, 7, 6] }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: 3, tolerance: TOLERANCE, label: op });
    }
  });

  it('Gemm: transA, transB, alpha, beta, C broadcast as [N], [1, N], [M, N] and a scalar, B constant or runtime', async () => {
    const rng = new Rng(13);
    const cases: { cShape: number[] | null; bRuntime: boolean }[] = [
      { cShape: [0], bRuntime: false },
      { cShape: [1, 0], bRuntime: false },
      { cShape: [-1, 0], bRuntime: false },
      { cShape: [1], bRuntime: false },
      { cShape: null, bRuntime: false },
      { cShape: [0], bRuntime: true },
    ];
    for (const [i, { cShape, bRuntime }] of cases.entries()) {
      const [m, k, n] = [rng.int(1, 4), rng.int(3, 20), rng.int(2, 12)];
      const transA = rng.int(0, 1);
      const transB = rng.int(0, 1);
      const attrs = { transA, transB, alpha: { float: rng.pick([1, 0.5, 1.5]) }, beta: { float: rng.pick([1, 0.25, 2]) } };
      const c = cShape?.map((d) => (d === 0 ? n : d === -1 ? m : d));
      const bShape = transB ? [n, k] : [k, n];
      const bytes = buildModel({
        opset: rng.pick([7, 11, 13]),
        nodes: [node('Gemm', ['a', 'b', ...(c ? ['c'] : [])], ['y'], attrs)],
        inputs: [{ name: 'a', shape: transA ? [k, m] : [m, k] }, ...(bRuntime ? [{ name: 'b', shape: bShape }] : [])],
        outputs: ['y'],
        initializers: [...(bRuntime ? [] : [floatTensor('b', bShape, rng.array(k * n))]), ...(c ? [floatTensor('c', c, rng.array(c.reduce((p, q) => p * q, 1)))] : [])],
      });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `gemm ${JSON.stringify({ ...attrs, c, bRuntime })}` });
    }
  });

  it('MatMul: constant B on [M, K] and [N, L, K], runtime B', async () => {
    const rng = new Rng(14);
    const a = buildModel({ opset: 13, nodes: [node('MatMul', ['a', 'b'], ['y'])], inputs: [{ name: 'a', shape: [3, 9] }], outputs: ['y'], initializers: [floatTensor('b', [9, 5], rng.array(45))] });
    await expectMatchesOrt(a, { seed: 1, tolerance: TOLERANCE, label: 'matmul const' });
    const b = buildModel({ opset: 13, nodes: [node('MatMul', ['a', 'b'], ['y'])], inputs: [{ name: 'a', shape: [1, 2, 3, 9] }], outputs: ['y'], initializers: [floatTensor('b', [9, 5], rng.array(45))] });
    await expectMatchesOrt(b, { seed: 2, tolerance: TOLERANCE, label: 'matmul rank 4 × rank 2' });
    const c = buildModel({ opset: 9, nodes: [node('MatMul', ['a', 'b'], ['y'])], inputs: [{ name: 'a', shape: [4, 6] }, { name: 'b', shape: [6, 7] }], outputs: ['y'] });
    await expectMatchesOrt(c, { seed: 3, tolerance: TOLERANCE, label: 'matmul runtime' });
  });

  it('BatchNormalization on [N, C, H, W] and [N, C] (opsets 7, 9, 15)', async () => {
    const rng = new Rng(15);
    for (const [opset, shape] of [
      [7, [2, 6, 5, 4]],
      [9, [3, 5]],
      [15, [1, 8, 3, 3]],
    ] as const) {
      const ch = shape[1];
      const bytes = buildModel({
        opset,
        nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: { float: 1e-3 } })],
        inputs: [{ name: 'x', shape }],
        outputs: ['y'],
        initializers: [floatTensor('s', [ch], rng.array(ch, 0.5, 1.5)), floatTensor('b', [ch], rng.array(ch)), floatTensor('m', [ch], rng.array(ch)), floatTensor('v', [ch], rng.array(ch, 0.5, 2))],
      });
      await expectMatchesOrt(bytes, { seed: opset, tolerance: TOLERANCE, label: `batchnorm opset ${opset}` });
    }
  });

  // onnxruntime implements odd sizes only; the even-size window is the kernel test's business (lrn convention 'onnx')
  it('LRN', async () => {
    for (const size of [3, 5]) {
      const bytes = buildModel({ opset: 13, nodes: [node('LRN', ['x'], ['y'], { size, alpha: { float: 0.01 }, beta: { float: 0.6 }, bias: { float: 1.5 } })], inputs: [{ name: 'x', shape: [1, 7, 4, 5] }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: size, tolerance: TOLERANCE, label: `lrn ${size}` });
    }
  });

  it('Softmax: opset 11 coerces to 2-D at axis, opset 13 normalizes one axis', async () => {
    const cases = [
      { opset: 11, axis: 1, shape: [2, 3, 2, 2] },
      { opset: 11, axis: undefined, shape: [3, 10] },
      { opset: 13, axis: -1, shape: [2, 3, 2, 4] },
      { opset: 13, axis: 1, shape: [2, 5, 2, 3] },
      { opset: 13, axis: undefined, shape: [4, 7] },
    ];
    for (const [i, { opset, axis, shape }] of cases.entries()) {
      const bytes = buildModel({ opset, nodes: [node('Softmax', ['x'], ['y'], { axis })], inputs: [{ name: 'x', shape }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `softmax opset ${opset} axis ${axis}` });
    }
  });
});
