/**
 * ONNX ConvTranspose import: single-op models against onnxruntime-node over
 * random attributes (groups, strides, dilations, pads, output_padding,
 * auto_pad, output_shape, 1-D), ONNX's own conformance cases (weights and
 * bias moved into initializers, as a constant-weights runtime runs them),
 * and the typed errors for what is refused.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { OnnxFormatError, UnsupportedOnnxError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { MaterializeBudget } from '../../src/onnx/budget.js';
import { parseOnnx } from '../../src/onnx/import.js';
import onnxProtoText from '../../src/onnx/onnx.proto?raw';
import { decodeModelProto, encodeModelProto, type GraphProto, type TensorProto, type ValueInfoProto } from '../../src/onnx/proto.js';
import { decodeTensor } from '../../src/onnx/tensor.js';
import { testContext } from '../helpers/gpu.js';
import { buildModel, expectMatchesOrt, floatTensor, int64Tensor, node } from '../helpers/onnx_models.js';
import { Rng } from '../helpers/random.js';

// measured worst relative L2 vs onnxruntime-node on SwiftShader: 1.1e-7 (printed below)
const ORT_TOLERANCE = 5e-7;
const DATA = '/usr/share/libonnx-testdata/data';

const tensorType = protobuf.parse(onnxProtoText).root.lookupType('onnx.TensorProto');
function readTensorProto(path: string): TensorProto {
  return tensorType.toObject(tensorType.decode(readFileSync(path)), { longs: Number, enums: Number, arrays: false, defaults: false }) as TensorProto;
}

describe('ConvTranspose vs onnxruntime', () => {
  it('2-D: groups, strides, dilations, pads, output_padding, auto_pad, output_shape (opsets 11, 17)', async () => {
    const rng = new Rng(31);
    const modes = ['pads', 'pads', 'SAME_UPPER', 'SAME_LOWER', 'VALID', 'output_shape', 'output_shape', 'pads'] as const;
    let worst = 0;
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[i]!;
      const groups = rng.pick([1, 1, 2, 3]);
      const c = groups * rng.int(1, 3);
      const m = groups * rng.int(1, 3);
      const [sh, sw] = [rng.int(1, 3), rng.int(1, 3)];
      // SAME_* with a kernel smaller than the stride asks for negative total padding, which the
      // importer refuses (onnxruntime clamps it to 0, the ONNX spec does not; see the errors below)
      const same = mode === 'SAME_UPPER' || mode === 'SAME_LOWER';
      const [kh, kw] = [rng.int(same ? sh : 1, 4), rng.int(same ? sw : 1, 4)];
      const [dh, dw] = mode === 'pads' ? [rng.int(1, 2), rng.int(1, 2)] : [1, 1];
      const [h, w] = [rng.int(2, 7), rng.int(2, 7)];
      const bias = rng.bool();
      const attrs: Record<string, number | number[] | string> = { group: groups, strides: [sh, sw], dilations: [dh, dw], kernel_shape: [kh, kw] };
      if (mode === 'pads') {
        attrs.pads = [rng.int(0, kh - 1), rng.int(0, kw - 1), rng.int(0, kh - 1), rng.int(0, kw - 1)];
        // onnxruntime takes output_padding < stride only (PyTorch also allows < dilation)
        attrs.output_padding = [rng.int(0, sh - 1), rng.int(0, sw - 1)];
      } else if (mode === 'output_shape') {
        // from one less than the natural size to one more: a total padding of −1 lands at the end
        // both in the ONNX spec and in onnxruntime; beyond, they part and the importer refuses
        attrs.output_shape = [sh * (h - 1) + kh + rng.int(-1, 1), sw * (w - 1) + kw + rng.int(-1, 1)];
      } else attrs.auto_pad = mode;
      const opset = rng.pick([11, 17]);
      const bytes = buildModel({
        opset,
        nodes: [node('ConvTranspose', ['x', 'w', ...(bias ? ['b'] : [])], ['y'], attrs)],
        inputs: [{ name: 'x', shape: [2, c, h, w] }],
        outputs: ['y'],
        initializers: [floatTensor('w', [c, m / groups, kh, kw], rng.array(c * (m / groups) * kh * kw)), ...(bias ? [floatTensor('b', [m], rng.array(m))] : [])],
      });
      const { errors } = await expectMatchesOrt(bytes, { seed: i, tolerance: ORT_TOLERANCE, label: `ConvTranspose ${JSON.stringify(attrs)} opset ${opset}` });
      worst = Math.max(worst, ...Object.values(errors));
    }
    console.log(`[ConvTranspose vs ort] 2-D: worst relative L2 ${worst.toExponential(2)}`);
  });

  it('1-D on [N, C, L], and ConvTranspose + Relu fused', async () => {
    const rng = new Rng(32);
    // graph inputs and outputs are rank 2 or 4 today, so the [N, C, L] value is made inside the model
    const oneD = buildModel({
      opset: 13,
      nodes: [
        node('Reshape', ['x', 'toNcl'], ['ncl']),
        node('ConvTranspose', ['ncl', 'w', 'b'], ['t'], { strides: [2], pads: [1, 0], output_padding: [1], dilations: [2] }),
        node('Reshape', ['t', 'toNchw'], ['y']),
      ],
      inputs: [{ name: 'x', shape: [2, 3, 1, 9] }],
      outputs: ['y'],
      initializers: [int64Tensor('toNcl', [2, 3, 9]), int64Tensor('toNchw', [2, 4, 1, 21]), floatTensor('w', [3, 4, 3], rng.array(36)), floatTensor('b', [4], rng.array(4))],
    });
    const { errors: e1 } = await expectMatchesOrt(oneD, { seed: 1, tolerance: ORT_TOLERANCE, label: '1-D ConvTranspose' });
    const relu = buildModel({
      opset: 13,
      nodes: [node('ConvTranspose', ['x', 'w'], ['t'], { strides: [2, 2], kernel_shape: [2, 2] }), node('Relu', ['t'], ['y'])],
      inputs: [{ name: 'x', shape: [1, 8, 6, 6] }],
      outputs: ['y'],
      initializers: [floatTensor('w', [8, 4, 2, 2], rng.array(128))],
    });
    const { errors: e2 } = await expectMatchesOrt(relu, { seed: 2, tolerance: ORT_TOLERANCE, label: 'ConvTranspose + Relu' });
    console.log(`[ConvTranspose vs ort] 1-D ${e1.y!.toExponential(2)}, +Relu ${e2.y!.toExponential(2)}`);
  });
});

/**
 * A conformance case's model with every graph input after the first turned
 * into an initializer holding the case's own input_N.pb (W, B).
 */
function conformanceModel(dir: string): { bytes: Uint8Array; input: TensorProto; output: TensorProto } {
  const model = decodeModelProto(readFileSync(`${dir}/model.onnx`));
  const graph = model.graph!;
  const initialized = new Set((graph.initializer ?? []).map((t) => t.name));
  const runtimeInputs = (graph.input ?? []).filter((i) => !initialized.has(i.name));
  const data = `${dir}/test_data_set_0`;
  for (let k = 1; k < runtimeInputs.length; k++) {
    graph.initializer = [...(graph.initializer ?? []), { ...readTensorProto(`${data}/input_${k}.pb`), name: runtimeInputs[k]!.name }];
  }
  graph.input = (graph.input ?? []).filter((i) => i === runtimeInputs[0] || initialized.has(i.name!));
  const input = readTensorProto(`${data}/input_0.pb`);
  const output = readTensorProto(`${data}/output_0.pb`);
  if (input.dims?.length === 3) rank4Boundary(graph, input.dims, output.dims!);
  return { bytes: encodeModelProto(model), input, output };
}

/**
 * Graph inputs and outputs are rank 2 or 4 today: a 1-D case's [N, C, L]
 * input and output are reached through Reshapes from and to [N, C, 1, L]
 * (the same values in the same order), so its ConvTranspose still sees [N, C, L].
 */
function rank4Boundary(graph: GraphProto, inDims: readonly number[], outDims: readonly number[]): void {
  const x = graph.input![0]!;
  const y = graph.output![0]!;
  const as4 = (d: readonly number[]) => [d[0]!, d[1]!, 1, d[2]!];
  const shapeInfo = (name: string, dims: readonly number[]): ValueInfoProto => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
  graph.initializer!.push(int64Tensor('ncl_shape', [...inDims]), int64Tensor('nchw_shape', as4(outDims)));
  graph.node = [node('Reshape', ['x4', 'ncl_shape'], [x.name!]), ...graph.node!, node('Reshape', [y.name!, 'nchw_shape'], ['y4'])];
  graph.input = [shapeInfo('x4', as4(inDims)), ...graph.input!.slice(1)];
  graph.output = [shapeInfo('y4', as4(outDims))];
}

const CONFORMANCE = [
  'node/test_convtranspose',
  'node/test_convtranspose_1d',
  'node/test_convtranspose_autopad_same',
  'node/test_convtranspose_dilations',
  'node/test_convtranspose_kernel_shape',
  'node/test_convtranspose_output_shape',
  'node/test_convtranspose_pad',
  'node/test_convtranspose_pads',
  'node/test_convtranspose_with_kernel',
  'pytorch-converted/test_ConvTranspose2d',
  'pytorch-converted/test_ConvTranspose2d_no_bias',
  'pytorch-operator/test_operator_convtranspose',
];

describe('ONNX conformance: ConvTranspose', () => {
  for (const name of CONFORMANCE) {
    it(name, async () => {
      const { bytes, input, output } = conformanceModel(`${DATA}/${name}`);
      const imported = parseOnnx(bytes);
      const budget = new MaterializeBudget();
      const x = decodeTensor(input, 'input_0', budget);
      const want = decodeTensor(output, 'output_0', budget);
      // a 1-D case runs through rank4Boundary: its [N, C, 1, L] output is the [N, C, L] data
      expect(imported.outputs[0]!.shape.filter((d, i) => d !== 1 || i < 2)).toEqual(want.dims);
      const compiled = await compile(await testContext(), imported.graph, imported.weights);
      try {
        const { float } = await compiled.run({ [imported.inputs[0]!.name]: Float32Array.from(x.data) });
        const got = float(imported.outputs[0]!.name);
        expect(got.length).toBe(want.data.length);
        let worst = 0;
        for (let i = 0; i < got.length; i++) {
          const error = Math.abs(got[i]! - want.data[i]!);
          worst = Math.max(worst, error);
          expect(error, `${name} element ${i}: got ${got[i]}, want ${want.data[i]}`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(want.data[i]!));
        }
        console.log(`[conformance] ${name}: worst |got − want| = ${worst.toExponential(2)}`);
      } finally {
        compiled.dispose();
      }
    });
  }

  it('node/test_convtranspose_3d imports as a 3-D transposed convolution (its values: test/onnx/ops_3d.test.ts)', () => {
    const { bytes } = conformanceModel(`${DATA}/node/test_convtranspose_3d`);
    const model = parseOnnx(bytes);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['convtranspose3d']);
    expect(model.outputs[0]!.shape).toEqual([1, 2, 5, 6, 7]);
  });
});

describe('ConvTranspose import errors', () => {
  const model = (attrs: Record<string, number | number[] | string>, wDims = [3, 2, 3, 3], xShape = [1, 3, 5, 5]) =>
    buildModel({
      opset: 13,
      nodes: [node('ConvTranspose', ['x', 'w'], ['y'], attrs, 'up')],
      inputs: [{ name: 'x', shape: xShape }],
      outputs: ['y'],
      initializers: [floatTensor('w', wDims, new Rng(1).array(wDims.reduce((a, b) => a * b, 1)))],
    });

  it('names the node and the problem', () => {
    expect(() => parseOnnx(model({}, [4, 2, 3, 3]))).toThrow(OnnxFormatError);
    expect(() => parseOnnx(model({}, [4, 2, 3, 3]))).toThrow(/up.*does not fit 3 input channels/);
    expect(() => parseOnnx(model({ kernel_shape: [2, 2] }))).toThrow('kernel_shape [2, 2] disagrees with the weight [3, 2, 3, 3]');
    expect(() => parseOnnx(model({ strides: [2] }))).toThrow('strides [2] must have 2 values');
    expect(() => parseOnnx(model({ pads: [1, 1, -1, 0] }))).toThrow(UnsupportedOnnxError);
    expect(() => parseOnnx(model({ auto_pad: 'SAME' }))).toThrow('unknown auto_pad "SAME"');
    expect(() => parseOnnx(model({ output_shape: [4, 0] }))).toThrow('output_shape [4, 0] must be 2 positive integers');
    expect(() => parseOnnx(model({ group: 2 }, [3, 2, 3, 3]))).toThrow(/group 2/);
    // 5×5 input, 3×3 kernel: stride 4 reaches 19 rows, SAME asks for 5·4 = 20, a total of −1
    expect(() => parseOnnx(model({ auto_pad: 'SAME_UPPER', strides: [4, 4] }))).toThrow(UnsupportedOnnxError);
    expect(() => parseOnnx(model({ auto_pad: 'SAME_LOWER', strides: [4, 1] }))).toThrow('auto_pad SAME_LOWER asks for negative total padding [-1, 2]');
    expect(() => parseOnnx(model({ output_shape: [9, 7] }))).toThrow('output_shape [9, 7] asks for negative total padding [-2, 0]');
    expect(() => parseOnnx(model({ pads: [3, 3, 3, 3] }, [3, 2, 3, 3], [1, 3, 1, 1]))).toThrow(/up.*leaves a -3×-3 output/);
  });
});
