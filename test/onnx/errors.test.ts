/**
 * What the importer refuses, and how: every unsupported op in one error,
 * external data, symbolic dimensions, unsupported element types, and
 * malformed files. No GPU needed.
 */
import { describe, expect, it } from 'vitest';
import { OnnxFormatError, UnsupportedConfigurationError, UnsupportedOnnxError } from '../../src/errors.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { buildModel, DataType, floatTensor, node } from '../helpers/onnx_models.js';
import { thrown } from '../helpers/thrown.js';


describe('onnx importer errors', () => {
  it('lists every unsupported op type with its node names in one UnsupportedOnnxError', () => {
    const bytes = buildModel({
      opset: 13,
      nodes: [
        node('Relu', ['x'], ['a'], {}, 'relu_ok'),
        node('LpNormalization', ['a'], ['b'], {}, 'up1'),
        node('Hardmax', ['b'], ['c'], {}, 'erf_a'),
        node('LpNormalization', ['c'], ['d'], {}, 'up2'),
        node('Hardmax', ['d'], ['e'], {}, ''),
        { opType: 'MyOp', domain: 'com.example', input: ['e'], output: ['y'], name: 'custom' },
      ],
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }],
      outputs: ['y'],
    });
    const e = thrown(() => parseOnnx(bytes)) as UnsupportedOnnxError;
    expect(e).toBeInstanceOf(UnsupportedOnnxError);
    expect(e).toBeInstanceOf(UnsupportedConfigurationError);
    expect(e.kind).toBe('operators');
    expect(e.operators).toEqual([
      { opType: 'LpNormalization', nodes: ['up1', 'up2'] },
      { opType: 'Hardmax', nodes: ['erf_a', 'Hardmax_4'] },
      { opType: 'com.example.MyOp', nodes: ['custom'] },
    ]);
    for (const s of ['LpNormalization', 'up1', 'up2', 'Hardmax', 'erf_a', 'Hardmax_4', 'com.example.MyOp', 'custom']) expect(e.message).toContain(s);
  });

  it('a fold-only op on a runtime tensor is reported as unsupported there', () => {
    // Not folds on constants only (booleans never run on the GPU)
    const bytes = buildModel({ opset: 13, nodes: [node('Not', ['x'], ['y'], {}, 'floor_rt')], inputs: [{ name: 'x', shape: [1, 3] }], outputs: ['y'] });
    const e = thrown(() => parseOnnx(bytes)) as UnsupportedOnnxError;
    expect(e.kind).toBe('operators');
    expect(e.message).toContain('floor_rt');
  });

  it('external data', () => {
    const bytes = buildModel({
      opset: 13,
      nodes: [node('Conv', ['x', 'w'], ['y'])],
      inputs: [{ name: 'x', shape: [1, 3, 4, 4] }],
      outputs: ['y'],
      initializers: [{ name: 'w', dims: [2, 3, 1, 1], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] }],
    });
    const e = thrown(() => parseOnnx(bytes)) as UnsupportedOnnxError;
    expect(e).toBeInstanceOf(UnsupportedOnnxError);
    expect(e.kind).toBe('external-data');
    expect(e.message).toContain('1 initializer(s) keep their data in external files (w); ');
    expect(e.message).toContain('onnx.save_model(model, path, save_as_external_data=False)');
    // every external initializer is counted; the first five are named
    const names = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5'];
    const many = buildModel({
      opset: 13,
      nodes: [node('Sum', ['x', ...names], ['y'])],
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: ['y'],
      initializers: names.map((name) => ({ name, dims: [2], dataType: DataType.FLOAT, dataLocation: 1, externalData: [{ key: 'location', value: `${name}.bin` }] })),
    });
    const m = thrown(() => parseOnnx(many)) as UnsupportedOnnxError;
    expect(m.kind).toBe('external-data');
    expect(m.message).toContain('6 initializer(s) keep their data in external files (w0, w1, w2, w3, w4, …); ');
  });

  it('symbolic non-batch dimensions need inputShapes; a symbolic batch takes `batch`', () => {
    const model = (shape: (number | string)[] | undefined) => buildModel({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape }], outputs: ['y'] });
    const e = thrown(() => parseOnnx(model(['N', 3, 'H', 'W']))) as UnsupportedOnnxError;
    expect(e.kind).toBe('dynamic-shape');
    expect(e.message).toContain('"H"');
    expect(e.message).toContain('inputShapes');
    expect(parseOnnx(model(['N', 3, 'H', 'W']), { inputShapes: { x: [2, 3, 8, 9] } }).inputs).toEqual([{ name: 'x', shape: [2, 3, 8, 9] }]);
    expect(parseOnnx(model(['N', 3, 8, 8]), { batch: 4 }).inputs[0]!.shape).toEqual([4, 3, 8, 8]);
    expect(parseOnnx(model(['N', 3, 8, 8])).inputs[0]!.shape).toEqual([1, 3, 8, 8]);
    expect((thrown(() => parseOnnx(model(undefined))) as UnsupportedOnnxError).kind).toBe('dynamic-shape');
    expect((thrown(() => parseOnnx(model([1, 3, 8, 8]), { inputShapes: { x: [1, 3, 9, 8] } })) as UnsupportedOnnxError).message).toContain('contradicts');
  });

  it('unsupported element types: int inputs, string initializers; float16 and double initializers become float32', () => {
    const intInput = buildModel({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape: [1, 3], elemType: DataType.INT32 }], outputs: ['y'] });
    const e = thrown(() => parseOnnx(intInput)) as UnsupportedOnnxError;
    expect(e.kind).toBe('dtype');
    expect(e.message).toContain('int32');
    const stringInit = buildModel({
      opset: 13,
      nodes: [node('Relu', ['x'], ['y'])],
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: ['y'],
      initializers: [{ name: 's', dims: [1], dataType: DataType.STRING }],
    });
    expect((thrown(() => parseOnnx(stringInit)) as UnsupportedOnnxError).kind).toBe('dtype');
    // float16 [1, 2] = 0x3c00 0x4000, double 0.5
    const half = buildModel({
      opset: 13,
      nodes: [node('Mul', ['x', 'h'], ['m']), node('Add', ['m', 'd'], ['y'])],
      inputs: [{ name: 'x', shape: [1, 2] }],
      outputs: ['y'],
      initializers: [
        { name: 'h', dims: [2], dataType: DataType.FLOAT16, int32Data: [0x3c00, 0x4000] },
        { name: 'd', dims: [1], dataType: DataType.DOUBLE, doubleData: [0.5] },
      ],
    });
    const imported = parseOnnx(half);
    expect(imported.notices.join()).toMatch(/float16.*double|double.*float16/);
    expect([...imported.weights.values()].map((w) => Array.from(w))).toEqual([[1, 2], [0.5]]);
  });

  it('malformed files: empty, garbage, truncated, missing graph, undefined inputs, mismatched initializer data', () => {
    expect(thrown(() => parseOnnx(new Uint8Array()))).toBeInstanceOf(OnnxFormatError);
    expect(thrown(() => parseOnnx(new TextEncoder().encode('this is not an onnx model at all')))).toBeInstanceOf(OnnxFormatError);
    const good = buildModel({ opset: 13, nodes: [node('Relu', ['x'], ['y'])], inputs: [{ name: 'x', shape: [1, 3] }], outputs: ['y'] });
    expect(thrown(() => parseOnnx(good.subarray(0, good.length - 3)))).toBeInstanceOf(OnnxFormatError);
    const undefinedInput = buildModel({ opset: 13, nodes: [node('Relu', ['nope'], ['y'], {}, 'r')], inputs: [{ name: 'x', shape: [1, 3] }], outputs: ['y'] });
    const e = thrown(() => parseOnnx(undefinedInput)) as OnnxFormatError;
    expect(e).toBeInstanceOf(OnnxFormatError);
    expect(e.node).toBe('r');
    const shortData = buildModel({ opset: 13, nodes: [node('Add', ['x', 'b'], ['y'])], inputs: [{ name: 'x', shape: [1, 3] }], outputs: ['y'], initializers: [floatTensor('b', [3], [1, 2])] });
    expect((thrown(() => parseOnnx(shortData)) as Error).message).toContain('"b"');
  });
});
