/**
 * The conformance runner's own parts, so that its table can be trusted: the
 * tolerance rule at its edges, the runtime-input rule on real cases, and a
 * passing case turned wrong by perturbing its expected output.
 */
import { describe, expect, it } from 'vitest';
import { GraphError, OnnxFormatError, UnsupportedOnnxError } from '../../src/errors.js';
import { DataType, decodeModelProto, type TensorProto } from '../../src/onnx/proto.js';
import { readConformanceCase, requireConformanceData } from '../helpers/conformance/cases.js';
import { ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, compareOutput } from '../helpers/conformance/compare.js';
import { withTimeout } from '../helpers/conformance/outcome.js';
import { classifyError, runCaseOnOurs, tensorValues } from '../helpers/conformance/run_ours.js';
import { prepareCase } from '../helpers/conformance/runtime_inputs.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';

const allowed = (w: number) => ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(w);

describe('conformance harness', () => {
  it('compareOutput: within the tolerance passes, past it (or NaN, or another shape) fails', () => {
    const rng = new Rng(5);
    const want = rng.array(64, -50, 50);
    const near = want.map((w, i) => w + (i % 2 ? 0.9 : -0.9) * allowed(w));
    expect(compareOutput(near, want, [4, 16], [4, 16])).toBeUndefined();
    const far = Float32Array.from(want);
    far[17] = want[17]! + 1.5 * allowed(want[17]!);
    const m = compareOutput(far, want, [4, 16], [4, 16]);
    expect(m?.problem).toMatch(/^1 of 64 values off \(first at 17/);
    expect(m!.maxError).toBeCloseTo(1.5 * allowed(want[17]!), 5);
    const nan = Float32Array.from(want);
    nan[3] = NaN;
    expect(compareOutput(nan, want, [64])?.maxError).toBe(Infinity);
    expect(compareOutput(want, want, [4, 16], [16, 4])?.problem).toMatch(/shape/);
    expect(compareOutput(want.subarray(1), want, [64])?.problem).toMatch(/63 values, expected 64/);
    // non-finite expectations are matched exactly
    expect(compareOutput([NaN, Infinity], [NaN, Infinity], [2])).toBeUndefined();
    expect(compareOutput([1, -Infinity], [NaN, Infinity], [2])?.problem).toMatch(/2 of 2/);
  });

  it('prepareCase: weights and shape operands become initializers with the case values; data operands stay inputs', () => {
    requireConformanceData();
    const conv = readConformanceCase('node/test_conv_with_strides_padding');
    const preparedConv = prepareCase(conv.model, conv.inputs);
    expect(preparedConv.runtime.map((r) => r.name)).toEqual(['x']);
    expect(preparedConv.constants).toEqual(['W']);
    const model = decodeModelProto(preparedConv.model);
    expect(model.graph!.input!.map((i) => i.name)).toEqual(['x']);
    const w = model.graph!.initializer!.find((t) => t.name === 'W')!;
    expect(tensorValues(w, 'W').data).toEqual(tensorValues(conv.inputs[1]!, 'W').data);

    const add = readConformanceCase('node/test_add');
    expect(prepareCase(add.model, add.inputs).runtime.map((r) => r.name)).toEqual(['x', 'y']);
    const reshape = readConformanceCase('node/test_reshape_reordered_all_dims');
    expect(prepareCase(reshape.model, reshape.inputs).constants).toEqual(['shape']);
    // before IR 4 the initializers are graph inputs too: only the one without data is fed
    const torch = readConformanceCase('pytorch-converted/test_Conv2d');
    const preparedTorch = prepareCase(torch.model, torch.inputs);
    expect(preparedTorch.runtime).toHaveLength(1);
    expect(preparedTorch.constants).toEqual([]);
  });

  it('a passing case passes; with one expected value moved past the tolerance it is wrong; a refusal has a reason', async () => {
    requireConformanceData();
    const ctx = await testContext();
    const c = readConformanceCase('node/test_conv_with_strides_padding');
    expect((await runCaseOnOurs(ctx, c)).kind).toBe('pass');
    const expected = tensorValues(c.outputs[0]!, 'y');
    const moved = Float32Array.from(expected.data);
    const delta = 4 * allowed(moved[5]!);
    moved[5]! += delta;
    const perturbed: TensorProto = { name: c.outputs[0]!.name, dims: expected.dims, dataType: DataType.FLOAT, floatData: Array.from(moved) };
    const wrong = await runCaseOnOurs(ctx, { ...c, outputs: [perturbed] });
    expect(wrong.kind).toBe('wrong');
    // the GPU's own error is far below the tolerance, so the max error is the shift
    expect(wrong.maxError).toBeGreaterThan(delta * 0.9);
    expect(wrong.maxError).toBeLessThan(delta * 1.1);
    // dropout in training mode draws a random mask: refusing it is the right answer
    const refused = await runCaseOnOurs(ctx, readConformanceCase('node/test_training_dropout'));
    expect(refused).toMatchObject({ kind: 'refused', reason: 'UnsupportedOnnxError(attribute): node "…" (…): training_mode true is not supported' });
    const garbage = await runCaseOnOurs(ctx, { ...c, model: new Uint8Array([0xff, 0xff, 0xff]) });
    expect(garbage.kind).toBe('refused');
    expect(garbage.reason).toMatch(/^OnnxFormatError: /);
  });

  it('classifyError: typed errors are refusals by category, untyped ones (also wrapped by the importer) are crashes', () => {
    expect(classifyError(new GraphError('conv_7', 'shapes [1, 2] and [3] do not broadcast'))).toEqual({ kind: 'refused', reason: 'GraphError: node "…": shapes […] and […] do not broadcast' });
    expect(classifyError(new UnsupportedOnnxError('attribute', 'node "p" (Pad): pad mode "edge" is not supported'))).toEqual({ kind: 'refused', reason: 'UnsupportedOnnxError(attribute): node "…" (…): pad mode "…" is not supported' });
    expect(classifyError(new TypeError("Cannot read properties of undefined (reading 'shape')"))).toEqual({ kind: 'crash', reason: "TypeError: Cannot read properties of undefined (reading 'shape')" });
    const bug = new RangeError('Invalid array length');
    expect(classifyError(new OnnxFormatError(`the model is inconsistent (${bug.message})`, { cause: bug }))).toEqual({ kind: 'crash', reason: 'RangeError: Invalid array length' });
  });

  it('missing data fails with the apt command, never skips', () => {
    expect(() => requireConformanceData('/nonexistent/libonnx-testdata')).toThrow(/not found at \/nonexistent\/libonnx-testdata: .*apt-get install -y libonnx-testdata/);
  });

  it('withTimeout ends a hanging case with its error', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, () => new Error('timed out'))).rejects.toThrow('timed out');
    await expect(withTimeout(Promise.resolve(7), 1000, () => new Error('timed out'))).resolves.toBe(7);
  });
});
