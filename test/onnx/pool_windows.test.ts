/**
 * Pooling and convolution windows through the ONNX importer and exporter,
 * against onnxruntime-node: every auto_pad, strides that differ from the
 * kernel, ceil_mode, count_include_pad, pads past half the kernel, dilations
 * (MaxPool; AveragePool from opset 19), GlobalMaxPool, and 1-D Conv and
 * pooling on [N, C, L]. ONNX Runtime refuses pads ≥ the kernel and computes
 * SAME pads without the dilation (its output is one short of ONNX's
 * ceil(n / s)), so those cases are left to the float64 kernel tests.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphError, OnnxFormatError, UnsupportedConfigurationError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { randomWeights } from '../../src/models/random_weights.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { testContext } from '../helpers/gpu.js';
import { buildModel, expectMatchesOrt, floatTensor, int64Tensor, node, type ModelSpec } from '../helpers/onnx_models.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst relative L2 vs ORT: 1.9e-7 (the 1-D network); the export round trip 1.2e-7
const TOLERANCE = 5e-7;

let worst = 0;
afterAll(() => console.log(`[pool windows onnx] worst relative L2 vs onnxruntime ${worst.toExponential(2)}`));
async function check(bytes: Uint8Array, seed: number, label: string): Promise<void> {
  const { errors } = await expectMatchesOrt(bytes, { seed, tolerance: TOLERANCE, label });
  worst = Math.max(worst, ...Object.values(errors));
}

const pool = (op: string, opset: number, shape: readonly number[], attrs: Record<string, number | number[] | string>) =>
  buildModel({ opset, nodes: [node(op, ['x'], ['y'], attrs)], inputs: [{ name: 'x', shape }], outputs: ['y'] });

/**
 * A model on a rank-3 value: graph inputs and outputs are ranks 2 and 4 only
 * today, so the [N, C, L] input `x` comes from an [N, C·L] input by Reshape
 * and every output leaves flattened to [N, ·].
 */
function oneD(spec: Omit<ModelSpec, 'inputs'> & { x: readonly [number, number, number] }): Uint8Array {
  const [n, c, l] = spec.x;
  return buildModel({
    ...spec,
    nodes: [node('Reshape', ['x_flat', 'x_shape'], ['x']), ...spec.nodes, ...spec.outputs.map((o) => node('Reshape', [o, 'flat_shape'], [`${o}_flat`]))],
    inputs: [{ name: 'x_flat', shape: [n, c * l] }],
    outputs: spec.outputs.map((o) => `${o}_flat`),
    initializers: [...(spec.initializers ?? []), int64Tensor('x_shape', [n, c, l]), int64Tensor('flat_shape', [n, -1])],
  });
}

const pool1d = (op: string, opset: number, x: readonly [number, number, number], attrs: Record<string, number | number[] | string>) =>
  oneD({ opset, nodes: [node(op, ['x'], ['y'], attrs)], x, outputs: ['y'] });

describe('MaxPool and AveragePool windows vs onnxruntime', () => {
  it('every auto_pad with strides ≠ kernel, ceil_mode and count_include_pad (opsets 11, 19)', async () => {
    const rng = new Rng(51);
    let i = 0;
    for (const op of ['MaxPool', 'AveragePool'])
      for (const autoPad of ['SAME_UPPER', 'SAME_LOWER', 'VALID', 'NOTSET'])
        for (const ceilMode of [0, 1])
          for (const countIncludePad of op === 'AveragePool' ? [0, 1] : [0]) {
            const [kh, kw] = [rng.int(2, 4), rng.int(1, 3)];
            const attrs: Record<string, number | number[] | string> = { kernel_shape: [kh, kw], strides: [rng.int(1, 3), rng.int(2, 3)], ceil_mode: ceilMode };
            if (autoPad === 'NOTSET') attrs.pads = [rng.int(0, kh - 1), rng.int(0, kw - 1), rng.int(0, kh - 1), rng.int(0, kw - 1)];
            else attrs.auto_pad = autoPad;
            if (op === 'AveragePool') attrs.count_include_pad = countIncludePad;
            const shape = [2, rng.int(1, 5), rng.pick([5, 7, 9, 11]), rng.pick([5, 7, 9, 11])];
            await check(pool(op, rng.pick([11, 19]), shape, attrs), i++, `${op} ${JSON.stringify(attrs)} x=[${shape}]`);
          }
  });

  it('pads past half the kernel (under it, as ONNX Runtime requires), asymmetric', async () => {
    const rng = new Rng(52);
    for (let i = 0; i < 8; i++) {
      const op = i % 2 ? 'AveragePool' : 'MaxPool';
      const [kh, kw] = [rng.int(3, 5), rng.int(3, 5)];
      const pads = [rng.int((kh >> 1) + 1, kh - 1), rng.int((kw >> 1) + 1, kw - 1), rng.int(0, kh - 1), rng.int(0, kw - 1)];
      const attrs: Record<string, number | number[]> = { kernel_shape: [kh, kw], strides: [rng.int(1, 2), rng.int(1, 3)], pads, ceil_mode: rng.int(0, 1) };
      if (op === 'AveragePool') attrs.count_include_pad = rng.int(0, 1);
      const shape = [2, rng.int(1, 4), rng.pick([3, 5, 7]), rng.pick([5, 7, 9])];
      await check(pool(op, 19, shape, attrs), i, `${op} ${JSON.stringify(attrs)} x=[${shape}]`);
    }
  });

  it('dilations: MaxPool (opsets 10, 12) and AveragePool (opset 19), explicit pads and VALID', async () => {
    const rng = new Rng(53);
    for (let i = 0; i < 10; i++) {
      const op = i % 2 ? 'AveragePool' : 'MaxPool';
      const [kh, kw] = [rng.int(2, 3), rng.int(2, 3)];
      const attrs: Record<string, number | number[] | string> = { kernel_shape: [kh, kw], strides: [rng.int(1, 2), rng.int(1, 3)], dilations: [rng.int(1, 2), rng.int(2, 3)], ceil_mode: rng.int(0, 1) };
      if (i % 5 === 4) attrs.auto_pad = 'VALID';
      else attrs.pads = [rng.int(0, kh - 1), rng.int(0, kw - 1), rng.int(0, kh - 1), rng.int(0, kw - 1)];
      if (op === 'AveragePool') attrs.count_include_pad = rng.int(0, 1);
      const shape = [2, rng.int(1, 4), rng.pick([7, 9, 11]), rng.pick([7, 9, 11])];
      await check(pool(op, op === 'MaxPool' ? rng.pick([10, 12]) : 19, shape, attrs), i, `${op} ${JSON.stringify(attrs)} x=[${shape}]`);
    }
  });

  it('GlobalMaxPool on odd shapes, and inside a graph', async () => {
    await check(pool('GlobalMaxPool', 13, [2, 7, 5, 9], {}), 1, 'GlobalMaxPool [2, 7, 5, 9]');
    await check(pool('GlobalMaxPool', 1, [2, 3, 1, 11], {}), 2, 'GlobalMaxPool [2, 3, 1, 11]');
    const bytes = buildModel({
      opset: 13,
      nodes: [node('GlobalMaxPool', ['x'], ['g']), node('Mul', ['x', 'g'], ['y'])],
      inputs: [{ name: 'x', shape: [2, 5, 7, 7] }],
      outputs: ['y'],
    });
    await check(bytes, 3, 'x · GlobalMaxPool(x)');
  });
});

describe('1-D convolution and pooling on [N, C, L] vs onnxruntime', () => {
  it('MaxPool and AveragePool 1-D: pads, strides, dilations, ceil_mode, count_include_pad, auto_pad', async () => {
    const rng = new Rng(61);
    const autoPads = ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
    for (let i = 0; i < 12; i++) {
      const op = i % 2 ? 'AveragePool' : 'MaxPool';
      const k = rng.int(2, 4);
      const autoPad = autoPads[i % autoPads.length]!;
      const attrs: Record<string, number | number[] | string> = { kernel_shape: [k], strides: [rng.int(1, 3)], ceil_mode: rng.int(0, 1) };
      if (autoPad === 'NOTSET') {
        attrs.pads = [rng.int(0, k - 1), rng.int(0, k - 1)];
        attrs.dilations = [rng.int(1, 2)];
      } else attrs.auto_pad = autoPad;
      if (op === 'AveragePool') attrs.count_include_pad = rng.int(0, 1);
      const shape = [2, rng.int(1, 6), rng.pick([7, 9, 13, 16])] as const;
      await check(pool1d(op, 19, shape, attrs), i, `${op} 1-D ${JSON.stringify(attrs)} x=[${shape}]`);
    }
  });

  it('Conv 1-D: groups, strides, dilations, pads, auto_pad, with and without bias (opsets 11, 13)', async () => {
    const rng = new Rng(62);
    const autoPads = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
    for (let i = 0; i < 8; i++) {
      const groups = rng.pick([1, 1, 2, 3]);
      const c = groups * rng.int(1, 3);
      const m = groups * rng.int(1, 3);
      const k = rng.int(1, 5);
      const autoPad = autoPads[i % 4]!;
      const attrs: Record<string, number | number[] | string> = { group: groups, strides: [rng.int(1, 2)], kernel_shape: [k] };
      // onnxruntime computes SAME pads without the dilation, so dilate only the other modes
      if (!autoPad.startsWith('SAME')) attrs.dilations = [rng.int(1, 2)];
      if (autoPad === 'NOTSET') attrs.pads = [rng.int(0, k), rng.int(0, k)];
      else attrs.auto_pad = autoPad;
      const bias = rng.bool();
      const l = rng.pick([9, 12, 15]);
      const bytes = oneD({
        opset: rng.pick([11, 13]),
        nodes: [node('Conv', ['x', 'w', ...(bias ? ['b'] : [])], ['y'], attrs)],
        x: [2, c, l],
        outputs: ['y'],
        initializers: [floatTensor('w', [m, c / groups, k], rng.array(m * (c / groups) * k)), ...(bias ? [floatTensor('b', [m], rng.array(m))] : [])],
      });
      await check(bytes, i, `Conv 1-D ${JSON.stringify(attrs)} x=[2,${c},${l}] bias=${bias}`);
    }
  });

  it('a 1-D network: Conv → Relu → MaxPool → Conv → GlobalAveragePool and GlobalMaxPool outputs', async () => {
    const rng = new Rng(63);
    const bytes = oneD({
      opset: 13,
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [5], pads: [2, 2] }),
        node('Relu', ['c1'], ['r1']),
        node('MaxPool', ['r1'], ['p1'], { kernel_shape: [3], strides: [2], ceil_mode: 1 }),
        node('Conv', ['p1', 'w2'], ['c2'], { kernel_shape: [3], dilations: [2], auto_pad: 'VALID' }),
        node('GlobalAveragePool', ['c2'], ['avg']),
        node('GlobalMaxPool', ['c2'], ['max']),
      ],
      x: [2, 3, 40],
      outputs: ['c2', 'avg', 'max'],
      initializers: [floatTensor('w1', [8, 3, 5], rng.array(120)), floatTensor('b1', [8], rng.array(8)), floatTensor('w2', [6, 8, 3], rng.array(144))],
    });
    await check(bytes, 4, '1-D network');
  });

});

describe('window errors name the node and the problem', () => {
  const refuse = (bytes: Uint8Array) => thrown(() => parseOnnx(bytes)) as Error;

  it('AveragePool dilations before opset 19 are a format error', () => {
    const e = refuse(pool('AveragePool', 11, [1, 2, 7, 7], { kernel_shape: [2, 2], dilations: [2, 2] }));
    expect(e).toBeInstanceOf(OnnxFormatError);
    expect(e.message).toContain('AveragePool has no dilations before opset 19');
  });

  it('negative pads, a kernel_shape of the wrong rank, and 4-D windows are refused', () => {
    expect(refuse(pool('MaxPool', 13, [1, 2, 7, 7], { kernel_shape: [2, 2], pads: [0, -1, 0, 0] })).message).toContain('must be non-negative integers');
    expect(refuse(pool1d('MaxPool', 13, [1, 2, 7], { kernel_shape: [2, 2] })).message).toContain('2-D kernel_shape [2, 2] on the 1-D input [1, 2, 7]');
    const e = refuse(buildModel({
      opset: 13,
      nodes: [node('Reshape', ['x', 's'], ['x6']), node('MaxPool', ['x6'], ['y'], { kernel_shape: [2, 2, 2, 2] }), node('Flatten', ['y'], ['f'])],
      inputs: [{ name: 'x', shape: [1, 256] }],
      outputs: ['f'],
      initializers: [int64Tensor('s', [1, 2, 2, 4, 4, 4])],
    }));
    expect(e).toBeInstanceOf(UnsupportedConfigurationError);
    expect(e.message).toContain('only 1-D, 2-D and 3-D MaxPool on [N, C, L], [N, C, H, W] or [N, C, D, H, W] is supported, the input is [1, 2, 2, 4, 4, 4]');
    expect(refuse(pool1d('MaxPool', 13, [1, 2, 9], { kernel_shape: [2], pads: [1, 1, 1, 1] })).message).toContain('must have 2 values for a 1-D window');
  });

  it('a window larger than the padded input is a GraphError naming the node', () => {
    const e = thrown(() => parseOnnx(oneD({ opset: 13, nodes: [node('MaxPool', ['x'], ['y'], { kernel_shape: [4], dilations: [3] }, 'wide')], x: [1, 2, 9], outputs: ['y'] }))) as Error;
    expect(e).toBeInstanceOf(GraphError);
    expect(e.message).toContain('wide');
    expect(e.message).toContain('does not fit the 1×9 input');
  });
});

describe('window options through exportOnnx → onnxruntime-node', () => {
  async function ortRun(graph: Graph, weights: WeightMap, x: Float32Array): Promise<Float32Array> {
    const session = await ort.InferenceSession.create(exportOnnx(graph, weights));
    try {
      const input = graph.inputs[0]!;
      const out = await session.run({ [input.name]: new ort.Tensor('float32', x, [...graph.tensors[input.tensor]!.shape]) });
      return out[graph.outputs[0]!.name]!.data as Float32Array;
    } finally {
      await session.release();
    }
  }

  it('dilated and ceil-mode max pools, past-half pads, count_include_pad, and a global max pool round-trip', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 15, 13]);
    let y = g.conv2d(x, { name: 'conv', outChannels: 6, kernel: 3, pad: 1 });
    y = g.maxPool(y, { name: 'dilated', kernel: [3, 2], stride: [2, 1], dilation: [2, 3], pad: [1, 1, 2, 0], ceilMode: true });
    y = g.avgPool(y, { name: 'past_half', kernel: 3, stride: [1, 2], pad: [2, 0, 1, 2], ceilMode: true, countIncludePad: true });
    y = g.avgPool(y, { name: 'real_only', kernel: [2, 3], stride: 1, pad: [0, 2, 1, 1], countIncludePad: false });
    const gmax = g.globalMaxPool(y, 'gmax');
    g.output(g.mul(y, gmax, 'scale'), 'y');
    const graph = g.build();
    const weights = randomWeights(graph, 5);
    const input = new Rng(6).array(2 * 3 * 15 * 13);
    const expected = runGraphRef(graph, weights, new Map([['x', input]])).get('y')!;
    const theirs = await ortRun(graph, weights, input);
    const model = await compile(await testContext(), graph, weights);
    try {
      const ours = (await model.run({ x: input })).float('y');
      const [ortError, gpuError] = [relativeL2(theirs, expected), relativeL2(ours, expected)];
      console.log(`[pool windows export] ORT vs float64 ${ortError.toExponential(2)}, our GPU vs float64 ${gpuError.toExponential(2)}`);
      expect(ortError).toBeLessThanOrEqual(TOLERANCE);
      expect(gpuError).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      model.dispose();
    }
  });

  it('a dilated average pool cannot be written in opset 13: a typed error naming it', () => {
    const g = new GraphBuilder();
    g.output(g.avgPool(g.input('x', [1, 2, 9, 9]), { name: 'spread', kernel: 2, dilation: 2 }));
    const e = thrown(() => exportOnnx(g.build(), new Map())) as Error;
    expect(e).toBeInstanceOf(UnsupportedConfigurationError);
    expect(e.message).toContain('spread: a dilated average pool needs ONNX opset 19');
  });

  it('builder options are checked: negative pads and zero dilation are GraphErrors', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 2, 9, 9]);
    expect(thrown(() => g.maxPool(x, { name: 'neg', kernel: 2, pad: [0, -1, 0, 0] }))).toBeInstanceOf(GraphError);
    expect((thrown(() => g.maxPool(x, { name: 'zero', kernel: 2, dilation: 0 })) as Error).message).toContain('dilationH must be a positive integer');
  });
});
