/**
 * 3-D convolution and pooling, and the rank-3/rank-5 cases of BatchNorm and
 * global pooling, end to end: builder graphs against the float64 interpreter,
 * single-op ONNX models against onnxruntime-node, export round trips through
 * onnxruntime-node, ONNX's own conformance cases for what onnxruntime cannot
 * judge (opset-6 PRelu), and the typed errors for what is refused.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphError, OnnxFormatError, UnsupportedOnnxError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { readConformanceCase } from '../helpers/conformance/cases.js';
import { runCaseOnOurs } from '../helpers/conformance/run_ours.js';
import { expectMatchesReference } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { buildModel, expectMatchesOrt, floatTensor, node } from '../helpers/onnx_models.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst relative L2 on SwiftShader: vs the interpreter 1.1e-7, vs onnxruntime 3.8e-7,
// export round trip 5.7e-8 (printed below); a few times above the worst
const TOLERANCE = 1e-6;

describe('builder graphs vs the float64 interpreter', () => {
  it('conv3d (relu, asymmetric pads) → maxPool3d (ceil) → grouped dilated conv3d → avgPool3d (pads, count_include_pad false) → grouped convTranspose3d (tanh, negative end pad)', async () => {
    const g = new GraphBuilder();
    let x = g.input('x', [2, 3, 7, 6, 5]);
    x = g.conv3d(x, { name: 'c1', outChannels: 4, kernel: [3, 2, 3], padding: [1, 0, 2, 1, 1, 0], activation: 'relu' });
    x = g.maxPool3d(x, { kernel: 2, ceilMode: true });
    x = g.conv3d(x, { name: 'c2', outChannels: 6, kernel: 2, groups: 2, dilation: [1, 2, 1], padding: 1, stride: [2, 1, 1], bias: false });
    x = g.avgPool3d(x, { kernel: [2, 3, 2], stride: 1, padding: [1, 1, 0], countIncludePad: false });
    x = g.convTranspose3d(x, { name: 't1', outChannels: 4, kernel: [3, 2, 2], stride: [2, 2, 1], dilation: [1, 2, 1], padding: [1, 0, 1, 0, -1, 0], outputPadding: [1, 0, 0], groups: 2, activation: 'tanh' });
    g.output(x, 'y');
    const errors = await expectMatchesReference(g.build(), 31, {}, { tolerance: TOLERANCE });
    console.log(`[3-D builder] relative L2 ${errors.y!.toExponential(2)}`);
  });

  it('refuses wrong ranks and impossible windows, naming the node', () => {
    const g = new GraphBuilder();
    const image = g.input('image', [1, 3, 8, 8]);
    expect(() => g.conv3d(image, { name: 'flat', outChannels: 2, kernel: 3 })).toThrow(GraphError);
    expect(() => g.conv3d(image, { name: 'flat2', outChannels: 2, kernel: 3 })).toThrow(/flat2.*\[N, C, D, H, W\]/);
    const v = g.input('v', [1, 4, 3, 5, 5]);
    expect(() => g.conv3d(v, { name: 'wide', outChannels: 2, kernel: [4, 3, 3] })).toThrow(/wide.*does not fit the 3×5×5 input/);
    expect(() => g.conv3d(v, { name: 'groups', outChannels: 3, kernel: 1, groups: 2 })).toThrow(/groups.*2 groups must divide 4 input and 3 output/);
    expect(() => g.maxPool3d(v, { name: 'pool', kernel: [2, 0, 2] })).toThrow(/pool.*kernel must be 3 positive integers/);
  });
});

describe('ONNX import vs onnxruntime', () => {
  const rng = new Rng(1303);
  let worst = 0;
  const check = async (bytes: Uint8Array, seed: number, label: string): Promise<void> => {
    const { errors } = await expectMatchesOrt(bytes, { seed, tolerance: TOLERANCE, label });
    worst = Math.max(worst, ...Object.values(errors));
  };

  it('Conv on [N, C, D, H, W]: groups, strides, dilations, pads, auto_pad, bias', async () => {
    const modes = ['pads', 'pads', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'pads'] as const;
    for (let i = 0; i < modes.length; i++) {
      const groups = rng.pick([1, 2, 3]);
      const [c, m] = [groups * rng.int(1, 2), groups * rng.int(1, 2)];
      const kernel = [rng.int(1, 3), rng.int(1, 3), rng.int(1, 3)];
      const attrs: Record<string, number | number[] | string> = { group: groups, kernel_shape: kernel, strides: [rng.int(1, 2), rng.int(1, 2), 1] };
      if (modes[i] === 'pads') {
        attrs.dilations = [rng.int(1, 2), 1, rng.int(1, 2)];
        attrs.pads = [rng.int(0, 2), rng.int(0, 1), rng.int(0, 2), rng.int(0, 1), rng.int(0, 2), rng.int(0, 1)];
      } else attrs.auto_pad = modes[i]!;
      const bias = i % 2 === 0;
      const bytes = buildModel({
        opset: 13,
        nodes: [node('Conv', ['x', 'w', ...(bias ? ['b'] : [])], ['y'], attrs)],
        inputs: [{ name: 'x', shape: [2, c, 5, 6, 7] }],
        outputs: ['y'],
        initializers: [floatTensor('w', [m, c / groups, ...kernel], rng.array(m * (c / groups) * kernel[0]! * kernel[1]! * kernel[2]!)), ...(bias ? [floatTensor('b', [m], rng.array(m))] : [])],
      });
      await check(bytes, i, `Conv ${JSON.stringify(attrs)}`);
    }
  });

  it('ConvTranspose on [N, C, D, H, W]: groups, strides, dilations, pads, output_padding, auto_pad, output_shape', async () => {
    const modes = ['pads', 'pads', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'output_shape'] as const;
    for (let i = 0; i < modes.length; i++) {
      const groups = rng.pick([1, 2]);
      const [c, m] = [groups * rng.int(1, 2), groups * rng.int(1, 2)];
      const stride = [rng.int(1, 2), rng.int(1, 2), rng.int(1, 2)];
      const same = modes[i] === 'SAME_UPPER' || modes[i] === 'SAME_LOWER';
      // SAME_* with a kernel smaller than the stride asks for negative padding, which the importer refuses
      const kernel = stride.map((s) => rng.int(same ? s : 1, 3));
      const inSize = [3, 4, 2];
      const attrs: Record<string, number | number[] | string> = { group: groups, kernel_shape: kernel, strides: stride };
      if (modes[i] === 'pads') {
        attrs.dilations = [rng.int(1, 2), 1, rng.int(1, 2)];
        attrs.pads = [...kernel.map((k) => rng.int(0, k - 1)), ...kernel.map((k) => rng.int(0, k - 1))];
        attrs.output_padding = stride.map((s) => rng.int(0, s - 1));
      } else if (modes[i] === 'output_shape') {
        // onnxruntime refuses an output_shape past the taps for 3-D, so: exactly the taps or one cropped
        attrs.output_shape = inSize.map((n, a) => stride[a]! * (n - 1) + kernel[a]! - rng.int(0, Math.min(1, kernel[a]! - 1)));
      } else attrs.auto_pad = modes[i]!;
      const bias = i % 2 === 1;
      const bytes = buildModel({
        opset: 13,
        nodes: [node('ConvTranspose', ['x', 'w', ...(bias ? ['b'] : [])], ['y'], attrs)],
        inputs: [{ name: 'x', shape: [2, c, ...inSize] }],
        outputs: ['y'],
        initializers: [floatTensor('w', [c, m / groups, ...kernel], rng.array(c * (m / groups) * kernel[0]! * kernel[1]! * kernel[2]!)), ...(bias ? [floatTensor('b', [m], rng.array(m))] : [])],
      });
      await check(bytes, 30 + i, `ConvTranspose ${JSON.stringify(attrs)}`);
    }
  });

  it('MaxPool and AveragePool on [N, C, D, H, W]: pads, strides, dilations, ceil_mode, count_include_pad, auto_pad', async () => {
    const cases: [string, Record<string, number | number[] | string>][] = [
      ['MaxPool', { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 0, 1, 0, 2, 1], dilations: [1, 2, 1], ceil_mode: 1 }],
      ['MaxPool', { kernel_shape: [3, 3, 3], strides: [2, 2, 2], auto_pad: 'SAME_UPPER' }],
      ['AveragePool', { kernel_shape: [2, 2, 3], strides: [1, 2, 2], pads: [0, 1, 1, 1, 1, 0], count_include_pad: 1, ceil_mode: 1 }],
      ['AveragePool', { kernel_shape: [3, 2, 2], strides: [2, 1, 2], pads: [1, 1, 0, 1, 0, 1], count_include_pad: 0 }],
      ['AveragePool', { kernel_shape: [2, 3, 3], auto_pad: 'SAME_LOWER', strides: [2, 2, 1] }],
    ];
    for (const [i, [op, attrs]] of cases.entries()) {
      const bytes = buildModel({ opset: 13, nodes: [node(op, ['x'], ['y'], attrs)], inputs: [{ name: 'x', shape: [2, 3, 5, 7, 6] }], outputs: ['y'] });
      await check(bytes, 10 + i, `${op} ${JSON.stringify(attrs)}`);
    }
  });

  it('GlobalAveragePool, GlobalMaxPool on rank 5; BatchNormalization on rank 3 and 5', async () => {
    for (const op of ['GlobalAveragePool', 'GlobalMaxPool']) {
      await check(buildModel({ opset: 13, nodes: [node(op, ['x'], ['y'])], inputs: [{ name: 'x', shape: [2, 3, 4, 5, 3] }], outputs: ['y'] }), 20, op);
    }
    for (const shape of [
      [2, 4, 7],
      [2, 3, 3, 4, 5],
    ]) {
      const ch = shape[1]!;
      const stats = [rng.array(ch), rng.array(ch), rng.array(ch), rng.array(ch, 0.5, 2)];
      const bytes = buildModel({
        opset: 15,
        nodes: [node('BatchNormalization', ['x', 'scale', 'B', 'mean', 'var'], ['y'], { epsilon: 1e-3 })],
        inputs: [{ name: 'x', shape }],
        outputs: ['y'],
        initializers: ['scale', 'B', 'mean', 'var'].map((n, k) => floatTensor(n, [ch], stats[k]!)),
      });
      await check(bytes, 21, `BatchNormalization on [${shape.join(', ')}]`);
    }
    console.log(`[3-D import vs ort] worst relative L2 ${worst.toExponential(2)}`);
  });

  it('PRelu from opset 7 still broadcasts a [C] slope from the right (here C = W)', async () => {
    const bytes = buildModel({ opset: 9, nodes: [node('PRelu', ['x', 'slope'], ['y'])], inputs: [{ name: 'x', shape: [2, 3, 4, 3] }], outputs: ['y'], initializers: [floatTensor('slope', [3], [0.1, -0.5, 2])] });
    await check(bytes, 22, 'PRelu opset 9');
  });
});

describe("ONNX's conformance cases this work enables", () => {
  // opset-6 PRelu is per channel (no onnxruntime judges opset 6); the others are 3-D windows and a scalar graph input
  const names = [
    'pytorch-converted/test_PReLU_1d_multiparam',
    'pytorch-converted/test_PReLU_2d_multiparam',
    'pytorch-converted/test_PReLU_3d_multiparam',
    'pytorch-converted/test_Conv3d_dilated_strided',
    'pytorch-converted/test_Conv3d_groups',
    'pytorch-converted/test_MaxPool3d_stride_padding',
    'pytorch-converted/test_AvgPool3d_stride',
    'pytorch-converted/test_BatchNorm3d_eval',
    'node/test_averagepool_3d_default',
    'node/test_pow_bcast_scalar',
    'node/test_convtranspose_3d',
  ];
  for (const name of names) {
    it(name, async () => {
      const outcome = await runCaseOnOurs(await testContext(), readConformanceCase(name));
      expect(outcome.kind, `${outcome.reason ?? ''} ${outcome.detail ?? ''}`).toBe('pass');
    });
  }
});

describe('export round trips through onnxruntime', () => {
  async function runOrt(graph: Graph, weights: WeightMap, inputs: ReadonlyMap<string, Float32Array>): Promise<Map<string, Float32Array>> {
    const session = await ort.InferenceSession.create(exportOnnx(graph, weights));
    try {
      const feeds: Record<string, ort.Tensor> = {};
      for (const i of graph.inputs) feeds[i.name] = new ort.Tensor('float32', inputs.get(i.name)!, [...graph.tensors[i.tensor]!.shape]);
      const results = await session.run(feeds);
      return new Map(graph.outputs.map((o) => [o.name, results[o.name]!.data as Float32Array]));
    } finally {
      await session.release();
    }
  }

  it('conv3d and convTranspose3d with fused activations, maxPool3d, avgPool3d: ORT on the exported file matches the interpreter; the file re-imported runs on the GPU to the same values', async () => {
    const g = new GraphBuilder();
    let x = g.input('x', [2, 2, 5, 6, 7]);
    x = g.conv3d(x, { name: 'c1', outChannels: 4, kernel: [2, 3, 3], padding: [0, 1, 1, 1, 0, 2], dilation: [2, 1, 1], groups: 2, activation: 'leaky_relu', activationParams: { alpha: 0.2 } });
    x = g.maxPool3d(x, { kernel: [2, 2, 3], stride: [1, 2, 2], padding: [1, 0, 1], dilation: [1, 1, 2], ceilMode: true });
    x = g.avgPool3d(x, { kernel: 2, stride: 1, padding: [1, 0, 0, 0, 1, 1], countIncludePad: true });
    x = g.convTranspose3d(x, { name: 't1', outChannels: 3, kernel: [2, 3, 2], stride: [2, 1, 2], padding: [1, 0, 0, 0, 1, 1], outputPadding: [1, 0, 0], groups: 1, activation: 'sigmoid' });
    g.output(x, 'y');
    const graph = g.build();
    const rng = new Rng(41);
    const weights = randomWeights(graph, rng);
    const inputs = randomInputs(graph, rng);
    const want = runGraphRef(graph, weights, inputs).get('y')!;
    const fromOrt = (await runOrt(graph, weights, inputs)).get('y')!;
    const errOrt = relativeL2(fromOrt, want);
    expect(errOrt).toBeLessThanOrEqual(TOLERANCE);
    const reimported = parseOnnx(exportOnnx(graph, weights));
    expect(reimported.outputs[0]!.shape).toEqual(graph.tensors[graph.outputs[0]!.tensor]!.shape);
    const model = await compile(await testContext(), reimported.graph, reimported.weights);
    try {
      const result = await model.run({ x: inputs.get('x')! });
      const errBack = relativeL2(result.float('y'), want);
      expect(errBack).toBeLessThanOrEqual(TOLERANCE);
      console.log(`[3-D export] ORT vs interpreter relative L2 ${errOrt.toExponential(2)}, re-imported on the GPU ${errBack.toExponential(2)}`);
    } finally {
      model.dispose();
    }
  });
});

describe('typed refusals', () => {
  it('a 3-D Conv whose kernel_shape, pads or weight disagree names the node and the problem', () => {
    const conv = (attrs: Record<string, number | number[] | string>, wDims = [2, 3, 2, 2, 2]) =>
      buildModel({ opset: 13, nodes: [node('Conv', ['x', 'w'], ['y'], attrs, 'bad_conv')], inputs: [{ name: 'x', shape: [1, 3, 4, 4, 4] }], outputs: ['y'], initializers: [floatTensor('w', wDims, new Rng(1).array(wDims.reduce((a, b) => a * b, 1)))] });
    expect(() => parseOnnx(conv({ kernel_shape: [2, 2, 3] }))).toThrow(OnnxFormatError);
    expect(() => parseOnnx(conv({ kernel_shape: [2, 2, 3] }))).toThrow(/bad_conv.*kernel_shape \[2, 2, 3\] disagrees with the weight \[2, 3, 2, 2, 2\]/);
    expect(() => parseOnnx(conv({ pads: [1, 1, 1, 1] }))).toThrow(/bad_conv.*pads \[1, 1, 1, 1\] must have 6 values for a 3-D window/);
    expect(() => parseOnnx(conv({}, [2, 3, 2, 2]))).toThrow(UnsupportedOnnxError);
    expect(() => parseOnnx(conv({ group: 2 }))).toThrow(/bad_conv.*group 2 does not fit 3 input channels/);
  });

  it('a 3-D pool with a 2-D kernel_shape, and a graph input with a zero-size dimension', () => {
    const pool = buildModel({ opset: 13, nodes: [node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2] }, 'bad_pool')], inputs: [{ name: 'x', shape: [1, 3, 4, 4, 4] }], outputs: ['y'] });
    expect(() => parseOnnx(pool)).toThrow(/bad_pool.*a 2-D kernel_shape \[2, 2\] on the 3-D input \[1, 3, 4, 4, 4\]/);
    const empty = buildModel({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape: [0, 3, 4] }], outputs: ['y'] });
    expect(() => parseOnnx(empty)).toThrow(UnsupportedOnnxError);
    expect(() => parseOnnx(empty)).toThrow(/input "x" \[0, 3, 4\] has a dimension of size 0: empty \(zero-size\) tensors are not supported/);
  });
});
