/**
 * Single-op ONNX models against onnxruntime-node: elementwise ops with
 * broadcasting, the activations, Clip and Pad/Slice/Squeeze/Unsqueeze/
 * ReduceMean in their attribute (old opsets) and input (new opsets) forms,
 * shape ops, and the Shape → Gather → Unsqueeze → Concat → Reshape chain
 * exporters emit, folded at load.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/random.js';
import { buildModel, DataType, expectMatchesOrt, floatTensor, int64Tensor, node } from '../helpers/onnx_models.js';

const TOLERANCE = 1e-4;
const INT64_MAX = 9223372036854775807;

describe('onnx elementwise ops vs onnxruntime', () => {
  it('Add, Sub, Mul, Div with broadcasting: runtime ⊕ runtime, runtime ⊕ constant, constant ⊕ runtime, scalars', async () => {
    const rng = new Rng(21);
    const shapes: [number[], number[]][] = [
      [[2, 3, 4, 5], [2, 3, 4, 5]],
      [[2, 3, 4, 5], [1, 3, 1, 1]],
      [[1, 3, 1, 1], [2, 3, 4, 5]],
      [[2, 3, 4, 5], [5]],
      [[2, 3, 4, 5], []],
      [[4, 6], [6]],
      [[2, 3, 4, 5], [4, 1]],
    ];
    let seed = 0;
    for (const op of ['Add', 'Sub', 'Mul', 'Div']) {
      for (const [i, [a, b]] of shapes.entries()) {
        const bConst = i % 3 === 1 || b.length < 2;
        const aConst = !bConst && i === 2;
        const bytes = buildModel({
          opset: rng.pick([7, 13, 14]),
          nodes: [node(op, ['a', 'b'], ['y'])],
          inputs: [...(aConst ? [] : [{ name: 'a', shape: a }]), ...(bConst ? [] : [{ name: 'b', shape: b }])],
          outputs: ['y'],
          // divisors kept away from 0
          initializers: [...(aConst ? [floatTensor('a', a, rng.array(a.reduce((p, q) => p * q, 1)))] : []), ...(bConst ? [floatTensor('b', b, rng.array(b.reduce((p, q) => p * q, 1), 0.5, 2))] : [])],
        });
        await expectMatchesOrt(bytes, { seed: seed++, tolerance: TOLERANCE, label: `${op} [${a}] [${b}]` });
      }
    }
  });

  it('a rank-3 intermediate ([N, C, L] from a Reshape) broadcasts against [C, 1] and reshapes back', async () => {
    const rng = new Rng(24);
    const bytes = buildModel({
      opset: 13,
      nodes: [node('Reshape', ['x', 's3'], ['r']), node('Mul', ['r', 'k'], ['m']), node('Sigmoid', ['m'], ['g']), node('Reshape', ['g', 's4'], ['y'])],
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
      outputs: ['y'],
      initializers: [int64Tensor('s3', [2, 3, 20]), floatTensor('k', [3, 1], rng.array(3)), int64Tensor('s4', [2, 3, 4, 5])],
    });
    await expectMatchesOrt(bytes, { seed: 1, tolerance: TOLERANCE, label: 'rank 3' });
  });

  it('Relu, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Tanh', async () => {
    const cases = [
      node('Relu', ['x'], ['y']),
      node('LeakyRelu', ['x'], ['y'], { alpha: { float: 0.13 } }),
      node('LeakyRelu', ['x'], ['y']),
      node('Sigmoid', ['x'], ['y']),
      node('HardSigmoid', ['x'], ['y'], { alpha: { float: 0.3 }, beta: { float: 0.4 } }),
      node('HardSigmoid', ['x'], ['y']),
      node('HardSwish', ['x'], ['y']),
      node('Tanh', ['x'], ['y']),
    ];
    for (const [i, n] of cases.entries()) {
      const bytes = buildModel({ opset: 14, nodes: [n], inputs: [{ name: 'x', shape: i % 2 ? [3, 17] : [1, 4, 5, 3] }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: n.opType });
    }
  });

  it('PRelu: per-channel, single and general slopes', async () => {
    const rng = new Rng(22);
    for (const [i, slope] of [[4, 1, 1], [1], [4, 1, 5]].entries()) {
      const bytes = buildModel({
        opset: 9,
        nodes: [node('PRelu', ['x', 's'], ['y'])],
        inputs: [{ name: 'x', shape: [2, 4, 3, 5] }],
        outputs: ['y'],
        initializers: [floatTensor('s', slope, rng.array(slope.reduce((p, q) => p * q, 1)))],
      });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `prelu [${slope}]` });
    }
  });

  it('Clip: attributes in opset 6, optional inputs from 11 (ReLU6, one bound, none)', async () => {
    const cases = [
      { opset: 6, attrs: { min: { float: -0.5 }, max: { float: 0.7 } }, inputs: [] as string[], inits: [] },
      { opset: 6, attrs: { min: { float: 0 }, max: { float: 6 } }, inputs: [], inits: [] },
      { opset: 11, attrs: {}, inputs: ['lo', 'hi'], inits: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6])] },
      { opset: 13, attrs: {}, inputs: ['', 'hi'], inits: [floatTensor('hi', [], [0.3])] },
      { opset: 13, attrs: {}, inputs: ['lo'], inits: [floatTensor('lo', [], [-0.2])] },
      { opset: 12, attrs: {}, inputs: [], inits: [] },
    ];
    for (const [i, c] of cases.entries()) {
      const bytes = buildModel({ opset: c.opset, nodes: [node('Clip', ['x', ...c.inputs], ['y'], c.attrs)], inputs: [{ name: 'x', shape: [1, 3, 4, 4] }], outputs: ['y'], initializers: c.inits });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `clip ${JSON.stringify(c.attrs)} ${c.inputs}` });
    }
  });
});

describe('onnx shape ops vs onnxruntime', () => {
  it('Concat along channels, features, H and W', async () => {
    const cases = [
      { axis: 1, shapes: [[1, 2, 3, 4], [1, 5, 3, 4], [1, 1, 3, 4]] },
      { axis: 1, shapes: [[2, 3], [2, 7]] },
      { axis: 2, shapes: [[1, 3, 2, 4], [1, 3, 5, 4]] },
      { axis: -1, shapes: [[1, 3, 2, 4], [1, 3, 2, 1]] },
    ];
    for (const [i, { axis, shapes }] of cases.entries()) {
      const names = shapes.map((_, k) => `x${k}`);
      const bytes = buildModel({ opset: 13, nodes: [node('Concat', names, ['y'], { axis })], inputs: shapes.map((shape, k) => ({ name: names[k]!, shape })), outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `concat axis ${axis}` });
    }
  });

  it('Flatten at axes 0, 1 and 2 feeding Gemm / Relu', async () => {
    const rng = new Rng(23);
    for (const axis of [0, 1, 2]) {
      const shape = [2, 3, 4, 2];
      const cols = shape.slice(axis).reduce((a, b) => a * b, 1);
      const bytes = buildModel({
        opset: 13,
        nodes: [node('Flatten', ['x'], ['f'], { axis }), node('Gemm', ['f', 'w'], ['y'], { transB: 1 })],
        inputs: [{ name: 'x', shape }],
        outputs: ['y'],
        initializers: [floatTensor('w', [5, cols], rng.array(5 * cols))],
      });
      await expectMatchesOrt(bytes, { seed: axis, tolerance: TOLERANCE, label: `flatten axis ${axis}` });
    }
  });

  it('Reshape with 0 and -1 (opset 13) and allowzero (opset 14), Transpose', async () => {
    const a = buildModel({
      opset: 13,
      nodes: [node('Reshape', ['x', 's'], ['r']), node('Transpose', ['r'], ['y'], { perm: [0, 3, 1, 2] })],
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
      outputs: ['y'],
      initializers: [int64Tensor('s', [0, -1, 5, 2])],
    });
    await expectMatchesOrt(a, { seed: 1, tolerance: TOLERANCE, label: 'reshape 0 -1 + transpose' });
    const b = buildModel({
      opset: 14,
      nodes: [node('Reshape', ['x', 's'], ['y'], { allowzero: 1 })],
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
      outputs: ['y'],
      initializers: [int64Tensor('s', [6, 20])],
    });
    await expectMatchesOrt(b, { seed: 2, tolerance: TOLERANCE, label: 'reshape allowzero' });
    const c = buildModel({ opset: 13, nodes: [node('Transpose', ['x'], ['y'])], inputs: [{ name: 'x', shape: [3, 7] }], outputs: ['y'] });
    await expectMatchesOrt(c, { seed: 3, tolerance: TOLERANCE, label: 'transpose default perm' });
  });

  it('Squeeze and Unsqueeze: axes attribute (opset 11) and input (opset 13)', async () => {
    for (const opset of [11, 13]) {
      const axesA = opset < 13 ? { axes: [2, 3] } : {};
      const axesB = opset < 13 ? { axes: [-1] } : {};
      const bytes = buildModel({
        opset,
        nodes: [node('GlobalAveragePool', ['x'], ['p']), node('Squeeze', ['p', ...(opset >= 13 ? ['sa'] : [])], ['s'], axesA), node('Unsqueeze', ['s', ...(opset >= 13 ? ['ua'] : [])], ['u'], axesB), node('Relu', ['u'], ['r']), node('Squeeze', ['r'], ['y'])],
        inputs: [{ name: 'x', shape: [2, 6, 3, 3] }],
        outputs: ['y'],
        initializers: opset >= 13 ? [int64Tensor('sa', [2, 3]), int64Tensor('ua', [-1])] : [],
      });
      await expectMatchesOrt(bytes, { seed: opset, tolerance: TOLERANCE, label: `squeeze/unsqueeze opset ${opset}` });
    }
  });

  it('Slice: attributes (opset 9), inputs with negative, clamped and INT_MAX ends and steps (opsets 10, 13)', async () => {
    const a = buildModel({ opset: 9, nodes: [node('Slice', ['x'], ['y'], { starts: [1, -3], ends: [3, 100], axes: [1, 3] })], inputs: [{ name: 'x', shape: [1, 4, 5, 6] }], outputs: ['y'] });
    await expectMatchesOrt(a, { seed: 1, tolerance: TOLERANCE, label: 'slice opset 9' });
    const b = buildModel({
      opset: 13,
      nodes: [node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'])],
      inputs: [{ name: 'x', shape: [1, 6, 7, 8] }],
      outputs: ['y'],
      initializers: [int64Tensor('st', [-5, 1, 0]), int64Tensor('en', [INT64_MAX, -1, 8]), int64Tensor('ax', [1, 2, -1]), int64Tensor('sp', [2, 1, 3])],
    });
    await expectMatchesOrt(b, { seed: 2, tolerance: TOLERANCE, label: 'slice opset 13' });
    const c = buildModel({ opset: 10, nodes: [node('Slice', ['x', 'st', 'en'], ['y'])], inputs: [{ name: 'x', shape: [5, 9] }], outputs: ['y'], initializers: [int64Tensor('st', [1, 2]), int64Tensor('en', [4, -2])] });
    await expectMatchesOrt(c, { seed: 3, tolerance: TOLERANCE, label: 'slice opset 10 rank 2' });
  });

  it('Pad (constant): pads attribute (opset 2), inputs (opsets 11, 13), axes input (opsets 18, 21)', async () => {
    const shape = [1, 3, 4, 5];
    const a = buildModel({ opset: 2, nodes: [node('Pad', ['x'], ['y'], { pads: [0, 0, 1, 2, 0, 0, 2, 0], value: { float: 0.5 } })], inputs: [{ name: 'x', shape }], outputs: ['y'] });
    await expectMatchesOrt(a, { seed: 1, tolerance: TOLERANCE, label: 'pad opset 2' });
    for (const opset of [11, 13]) {
      const b = buildModel({ opset, nodes: [node('Pad', ['x', 'p', 'v'], ['y'])], inputs: [{ name: 'x', shape }], outputs: ['y'], initializers: [int64Tensor('p', [0, 0, 2, 1, 0, 0, 0, 3]), floatTensor('v', [], [-1.5])] });
      await expectMatchesOrt(b, { seed: opset, tolerance: TOLERANCE, label: `pad opset ${opset}` });
    }
    for (const opset of [18, 21]) {
      const c = buildModel({ opset, nodes: [node('Pad', ['x', 'p', '', 'ax'], ['y'])], inputs: [{ name: 'x', shape }], outputs: ['y'], initializers: [int64Tensor('p', [1, 0, 1, 2]), int64Tensor('ax', [2, -1])] });
      await expectMatchesOrt(c, { seed: opset, tolerance: TOLERANCE, label: `pad opset ${opset}` });
    }
  });

  it('ReduceMean over H and W: axes attribute (opset 13), input (opset 18), keepdims 0 and 1', async () => {
    for (const [opset, keepdims] of [
      [13, 1],
      [13, 0],
      [18, 1],
      [18, 0],
    ] as const) {
      const bytes = buildModel({
        opset,
        nodes: [node('ReduceMean', ['x', ...(opset >= 18 ? ['ax'] : [])], ['y'], { keepdims, ...(opset < 18 ? { axes: [-2, -1] } : {}) })],
        inputs: [{ name: 'x', shape: [2, 5, 3, 4] }],
        outputs: ['y'],
        initializers: opset >= 18 ? [int64Tensor('ax', [2, 3])] : [],
      });
      await expectMatchesOrt(bytes, { seed: opset + keepdims, tolerance: TOLERANCE, label: `reducemean opset ${opset} keepdims ${keepdims}` });
    }
  });

  it('Dropout, Identity and Constant', async () => {
    const bytes = buildModel({
      opset: 13,
      nodes: [node('Dropout', ['x'], ['d']), node('Identity', ['d'], ['i']), node('Constant', [], ['c'], { value: floatTensor('cv', [1, 3, 1, 1], [0.5, -1, 2]) }), node('Mul', ['i', 'c'], ['y'])],
      inputs: [{ name: 'x', shape: [2, 3, 2, 2] }],
      outputs: ['y'],
    });
    await expectMatchesOrt(bytes, { seed: 1, tolerance: TOLERANCE, label: 'dropout/identity/constant' });
  });

  it('folds the Shape → Gather → Unsqueeze → Concat → Reshape chain around a flatten (opsets 11 and 13), with Cast, ConstantOfShape and Range', async () => {
    for (const opset of [11, 13]) {
      const unsq = (input: string, output: string) => (opset < 13 ? node('Unsqueeze', [input], [output], { axes: [0] }) : node('Unsqueeze', [input, 'zero_axes'], [output]));
      const bytes = buildModel({
        opset,
        nodes: [
          node('Relu', ['x'], ['r']),
          node('Shape', ['r'], ['shape']),
          node('Gather', ['shape', 'idx0'], ['n'], { axis: 0 }),
          unsq('n', 'n1'),
          node('Constant', [], ['minus1'], { value: int64Tensor('m1', [-1]) }),
          node('Concat', ['n1', 'minus1'], ['target'], { axis: 0 }),
          node('Cast', ['target'], ['target64'], { to: DataType.INT64 }),
          node('Reshape', ['r', 'target64'], ['flat']),
          // [1] * 3 + range(0, 3) * 0 folds to [1, 1, 1]: a shape made by arithmetic
          node('ConstantOfShape', ['three'], ['ones'], { value: int64Tensor('one', [1], [1]) }),
          node('Range', ['r0', 'r3', 'r1'], ['rng']),
          node('Mul', ['rng', 'r0'], ['zeros']),
          node('Add', ['ones', 'zeros'], ['onesAgain']),
          node('Gemm', ['flat', 'w'], ['g'], { transB: 1 }),
          node('Cast', ['onesAgain'], ['onesF'], { to: DataType.FLOAT }),
          node('ReduceMean', ['onesF'], ['meanOne'], { axes: [0], keepdims: 1 }),
          node('Mul', ['g', 'meanOne'], ['y']),
        ],
        inputs: [{ name: 'x', shape: [2, 3, 4, 4] }],
        outputs: ['y'],
        initializers: [
          int64Tensor('idx0', [0], []),
          int64Tensor('zero_axes', [0]),
          int64Tensor('three', [3]),
          int64Tensor('r0', [0], []),
          int64Tensor('r3', [3], []),
          int64Tensor('r1', [1], []),
          floatTensor('w', [7, 48], new Rng(5).array(7 * 48)),
        ],
      });
      const { model } = await expectMatchesOrt(bytes, { seed: opset, tolerance: TOLERANCE, label: `shape chain opset ${opset}` });
      // folded: only relu, the flatten, gemm, the constant and the mul run
      expect(model.graph.nodes.map((n) => n.op).sort()).toEqual(['activation', 'constant', 'flatten', 'linear', 'mul'].sort());
    }
  });
});
