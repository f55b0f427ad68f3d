/**
 * A few ONNX models of rank 3–6 through the importer, checked against
 * onnxruntime-node: the cases the builder-level any-rank tests
 * (test/graph/any_rank.test.ts) found wrong or that only the importer
 * reaches — reductions over a unit axis with keepdims (L1, L2 and sum of
 * squares are no identity there), a rank-6 tile whose walk needs more than 8
 * axes, softmax / log-softmax on an inner axis (the importer's transposes),
 * Slice with negative steps and Gather with negative indices at rank 5–6.
 */
import { describe, it } from 'vitest';
import { buildModel, expectMatchesOrt, int64Tensor, node } from '../helpers/onnx_models.js';

// measured worst relative L2 vs ORT: printed below; copies are exact (0)
const TOLERANCE = 1e-6;

const model = (shape: readonly number[], nodes: ReturnType<typeof node>[], outputs: string[], initializers: ReturnType<typeof int64Tensor>[] = []) =>
  buildModel({ opset: 13, nodes, inputs: [{ name: 'x', shape }], outputs, initializers });

describe('any-rank ONNX import vs onnxruntime-node', () => {
  const cases: [string, Uint8Array][] = [
    [
      'ReduceL1 / ReduceL2 / ReduceSumSquare over the unit axis of [3, 1, 4], keepdims 1',
      model([3, 1, 4], ['ReduceL1', 'ReduceL2', 'ReduceSumSquare'].map((op) => node(op, ['x'], [op], { axes: [1], keepdims: 1 })), ['ReduceL1', 'ReduceL2', 'ReduceSumSquare']),
    ],
    ['Tile [2, 3, 2, 2, 3, 2] by 2 on every axis (12 walk axes)', model([2, 3, 2, 2, 3, 2], [node('Tile', ['x', 'repeats'], ['y'])], ['y'], [int64Tensor('repeats', [2, 2, 2, 2, 2, 2])])],
    [
      'Softmax on axis 2 and LogSoftmax on axis 0 of a rank-5 tensor',
      model([2, 3, 4, 2, 3], [node('Softmax', ['x'], ['s'], { axis: 2 }), node('LogSoftmax', ['x'], ['l'], { axis: 0 })], ['s', 'l']),
    ],
    [
      'Slice of a rank-6 tensor with negative steps on three axes',
      model(
        [2, 3, 4, 2, 5, 3],
        [node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
        ['y'],
        [int64Tensor('starts', [-1, 3, 4]), int64Tensor('ends', [-1000, 0, 0]), int64Tensor('axes', [1, 2, 4]), int64Tensor('steps', [-1, -2, -3])],
      ),
    ],
    ['Gather with negative and repeated indices [[−1, 0], [2, −1]] on axis 3 of a rank-5 tensor', model([2, 2, 3, 4, 2], [node('Gather', ['x', 'idx'], ['y'], { axis: 3 })], ['y'], [int64Tensor('idx', [-1, 0, 2, -1], [2, 2])])],
  ];
  for (const [what, bytes] of cases) {
    it(what, async () => {
      const { errors } = await expectMatchesOrt(bytes, { seed: 31, tolerance: TOLERANCE, label: what });
      console.log(`[any-rank import] ${what}: relative L2 ${Object.values(errors).map((e) => e.toExponential(2)).join(', ')}`);
    });
  }
});
