/**
 * Constant-folding bombs (issue #11): files of a few hundred bytes whose
 * folding once asked for gigabytes. The importer's MaterializeBudget must
 * refuse each before allocating, with an OnnxFormatError naming the node and
 * the limit; the limits are options, and a legit model under them still
 * folds to the right values. No GPU needed; vitest's timeout catches a hang.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError, OnnxFormatError } from '../../src/errors.js';
import { DEFAULT_MATERIALIZE_LIMITS } from '../../src/onnx/budget.js';
import { parseOnnx, type ParseOnnxOptions } from '../../src/onnx/import.js';
import type { NodeProto, TensorProto } from '../../src/onnx/proto.js';
import { buildModel, DataType, floatScalar, floatTensor, foldBombs, int64Tensor, liveConstantModel, node } from '../helpers/onnx_models.js';
import { thrown } from '../helpers/thrown.js';


function formatError(bytes: Uint8Array, options?: ParseOnnxOptions): OnnxFormatError {
  const e = thrown(() => parseOnnx(bytes, options));
  if (!(e instanceof OnnxFormatError)) throw new Error(`expected an OnnxFormatError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  return e;
}

const LIMIT_TEXT = {
  maxTensorBytes: /per-tensor limit of .*raise materializeLimits\.maxTensorBytes/,
  maxTotalBytes: /total limit of .*raise materializeLimits\.maxTotalBytes/,
  invalid: /invalid dimension|no finite length|no valid element count/,
};

const floats = (name: string, dims: readonly number[]): TensorProto => floatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i % 7));
const bools = (name: string, dims: readonly number[]): TensorProto => ({ name, dims: [...dims], dataType: DataType.BOOL, int32Data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i % 2) });
const live = (nodes: NodeProto[], initializers: TensorProto[], opset = 13): Uint8Array => liveConstantModel({ nodes, value: 'v', initializers, opset });

describe('onnx constant-folding bombs', () => {
  it('the default limits are 512 MiB per tensor and 2 GiB in all', () => {
    expect(DEFAULT_MATERIALIZE_LIMITS).toEqual({ maxTensorBytes: 512 * 2 ** 20, maxTotalBytes: 2 * 2 ** 30 });
  });

  for (const bomb of foldBombs()) {
    it(`${bomb.name} (${bomb.bytes.byteLength} bytes) is refused at ${bomb.node ?? 'its initializer'} before allocating`, () => {
      console.log(`[onnx bombs] ${bomb.name}: ${bomb.bytes.byteLength} bytes`);
      expect(bomb.bytes.byteLength).toBeLessThan(400);
      const e = formatError(bomb.bytes);
      expect(e.node).toBe(bomb.node);
      expect(e.message).toMatch(LIMIT_TEXT[bomb.limit]);
      if (bomb.limit !== 'invalid') expect(e.message).toMatch(/would take (\d+ bytes \(\d+(\.\d+)? [KMGTPE]iB\)|unbounded memory)/);
    });
  }

  it('the bombs name what they ask for', () => {
    const [range, tinyDelta, nan, inf] = foldBombs();
    expect(formatError(range!.bytes).message).toContain('onnx: node "bomb": a float tensor of shape [1073741824] would take 4294967296 bytes (4 GiB), over the per-tensor limit of 512 MiB');
    // 1e-9 as float32 is a little under: about 10^9 elements
    expect(formatError(tinyDelta!.bytes).message).toMatch(/shape \[100000\d{4}\] would take \d+ bytes \(3\.7\d* GiB\)/);
    expect(formatError(nan!.bytes).message).toContain('Range from 0 to NaN by 1 has no finite length');
    expect(formatError(inf!.bytes).message).toContain('Range from 0 to Infinity by 1 has no finite length');
    expect(formatError(foldBombs().find((b) => b.name.startsWith('Tile'))!.bytes).message).toContain('a float tensor of shape [1073741824] would take');
    expect(formatError(foldBombs().find((b) => b.name.startsWith('Cast'))!.bytes).message).toContain('an int64 tensor of shape [268435456] would take 2147483648 bytes (2 GiB)');
    const init = foldBombs().find((b) => b.node === undefined)!;
    expect(formatError(init.bytes).message).toContain('tensor "w" of shape [1048576, 1048576] (float) would take 4398046511104 bytes (4 TiB)');
  });

  it('an unused Expand to [2^15, 2^15] is skipped, never folded', () => {
    const bytes = buildModel({
      opset: 13,
      nodes: [node('Expand', ['one', 'shape'], ['e'], {}, 'unused'), node('Relu', ['x'], ['y'], {}, 'relu')],
      inputs: [{ name: 'x', shape: [1, 4] }],
      outputs: ['y'],
      initializers: [floatScalar('one', 1), int64Tensor('shape', [2 ** 15, 2 ** 15])],
    });
    console.log(`[onnx bombs] unused Expand: ${bytes.byteLength} bytes`);
    const model = parseOnnx(bytes);
    expect(model.outputs).toEqual([{ name: 'y', shape: [1, 4] }]);
    expect(model.notices.join()).toContain('1 node(s) that no output depends on were skipped: unused');
    // even under a budget of almost nothing: it was never charged
    expect(parseOnnx(bytes, { materializeLimits: { maxTensorBytes: 64 } }).outputs).toHaveLength(1);
  });

  // every fold op charges its result: each case's output is over 4096 bytes, its inputs under
  const perTensor: [string, NodeProto[], TensorProto[]][] = [
    ['Add', [node('Add', ['a', 'b'], ['v'], {}, 'op')], [floats('a', [32, 1]), floats('b', [1, 64])]],
    ['Where', [node('Where', ['c', 'a', 'b'], ['v'], {}, 'op')], [bools('c', [32, 1]), floats('a', [1, 64]), floats('b', [1])]],
    ['Concat', [node('Concat', ['a', 'a'], ['v'], { axis: 0 }, 'op')], [floats('a', [600])]],
    ['Gather', [node('Gather', ['a', 'i'], ['v'], { axis: 0 }, 'op')], [floats('a', [1, 800]), int64Tensor('i', [0, 0])]],
    ['Expand', [node('Expand', ['a', 's'], ['v'], {}, 'op')], [floats('a', [1]), int64Tensor('s', [2048])]],
    ['Tile', [node('Tile', ['a', 'r'], ['v'], {}, 'op')], [floats('a', [800]), int64Tensor('r', [2])]],
    ['ConstantOfShape', [node('ConstantOfShape', ['s'], ['v'], {}, 'op')], [int64Tensor('s', [2048])]],
    ['Range', [node('Range', ['s', 'l', 'd'], ['v'], {}, 'op')], [floatScalar('s', 0), floatScalar('l', 2048), floatScalar('d', 1)]],
    ['Cast to int64', [node('Cast', ['a'], ['v'], { to: DataType.INT64 }, 'op')], [floats('a', [800])]],
    ['Constant value_floats', [node('Constant', [], ['v'], { value_floats: { floats: Array.from({ length: 2000 }, (_, i) => i) } }, 'op')], []],
    ['Constant tensor', [node('Constant', [], ['v'], { value: floats('t', [2000]) }, 'op')], []],
  ];
  for (const [name, nodes, inits] of perTensor) {
    it(`${name} charges its result to maxTensorBytes`, () => {
      const e = formatError(live(nodes, inits), { materializeLimits: { maxTensorBytes: 4096 } });
      expect(e.node).toBe('op');
      expect(e.message).toMatch(LIMIT_TEXT.maxTensorBytes);
      expect(e.message).toContain('over the per-tensor limit of 4 KiB');
    });
  }

  // results no larger than their input can only pass the total: a [800] float input (3200 bytes) and a result as large
  const total: [string, NodeProto[], TensorProto[]][] = [
    ['Slice', [node('Slice', ['a', 'st', 'en'], ['v'], {}, 'op')], [floats('a', [800]), int64Tensor('st', [0]), int64Tensor('en', [800])]],
    ['Transpose', [node('Transpose', ['a'], ['v'], { perm: [1, 0] }, 'op')], [floats('a', [20, 40])]],
    ['ReduceMean', [node('ReduceMean', ['a'], ['v'], { axes: [1], keepdims: 1 }, 'op')], [floats('a', [800, 1])]],
    ['Neg', [node('Neg', ['a'], ['v'], {}, 'op')], [floats('a', [800])]],
    ['Clip', [node('Clip', ['a', 'lo', 'hi'], ['v'], {}, 'op')], [floats('a', [800]), floatScalar('lo', 0), floatScalar('hi', 1)]],
  ];
  for (const [name, nodes, inits] of total) {
    it(`${name} charges its result to maxTotalBytes`, () => {
      const bytes = live(nodes, inits);
      const e = formatError(bytes, { materializeLimits: { maxTotalBytes: 5000 } });
      expect(e.node).toBe('op');
      expect(e.message).toMatch(LIMIT_TEXT.maxTotalBytes);
      expect(parseOnnx(bytes, { materializeLimits: { maxTotalBytes: 8000 } }).outputs).toHaveLength(1);
    });
  }

  it('what shares its input data costs nothing: Reshape, Identity, a float-to-float Cast', () => {
    const bytes = live(
      [node('Reshape', ['a', 's'], ['r'], {}, 'reshape'), node('Identity', ['r'], ['i'], {}, 'identity'), node('Cast', ['i'], ['v'], { to: DataType.FLOAT }, 'cast')],
      [floats('a', [800]), int64Tensor('s', [20, 40])],
    );
    expect(parseOnnx(bytes, { materializeLimits: { maxTotalBytes: 3300 } }).outputs).toEqual([{ name: 'y', shape: [20, 40] }]);
  });

  it('initializers are charged, per tensor and in total, without a node', () => {
    const bytes = live([node('Add', ['a', 'b'], ['v'], {}, 'op')], [floats('a', [800]), floats('b', [800])]);
    const big = formatError(bytes, { materializeLimits: { maxTensorBytes: 3000 } });
    expect(big.node).toBeUndefined();
    expect(big.message).toContain('tensor "a" of shape [800] (float) would take 3200 bytes (3.125 KiB), over the per-tensor limit of 2.93 KiB');
    const all = formatError(bytes, { materializeLimits: { maxTotalBytes: 6000 } });
    expect(all.node).toBeUndefined();
    expect(all.message).toContain('tensor "b"');
    expect(all.message).toMatch(LIMIT_TEXT.maxTotalBytes);
  });

  it('a lower limit refuses a valid model the default accepts', () => {
    // Range to 100 000: 400 000 bytes of float32
    const bytes = liveConstantModel({
      nodes: [node('Range', ['s', 'l', 'd'], ['r'], {}, 'range')],
      value: 'r',
      initializers: [floatScalar('s', 0), floatScalar('l', 100_000), floatScalar('d', 1)],
      inputShape: [1, 100_000],
    });
    expect(parseOnnx(bytes).outputs).toEqual([{ name: 'y', shape: [1, 100_000] }]);
    const e = formatError(bytes, { materializeLimits: { maxTensorBytes: 100_000 } });
    expect(e.node).toBe('range');
    expect(e.message).toContain('a float tensor of shape [100000] would take 400000 bytes (390.6 KiB), over the per-tensor limit of 97.66 KiB');
    expect(formatError(bytes, { materializeLimits: { maxTotalBytes: 300_000 } }).message).toMatch(LIMIT_TEXT.maxTotalBytes);
    // and a higher one lets through what the default refuses (per tensor; the model stays tiny to fold)
    expect(parseOnnx(bytes, { materializeLimits: { maxTensorBytes: 2 ** 31, maxTotalBytes: 2 ** 33 } }).outputs).toHaveLength(1);
  });

  it('invalid limits are an InvalidParameterError', () => {
    const bytes = live([node('Neg', ['a'], ['v'])], [floats('a', [4])]);
    for (const bad of [-1, NaN, '1' as unknown as number]) {
      const e = thrown(() => parseOnnx(bytes, { materializeLimits: { maxTotalBytes: bad } })) as InvalidParameterError;
      expect(e).toBeInstanceOf(InvalidParameterError);
      expect(e.parameter).toBe('materializeLimits.maxTotalBytes');
    }
  });

  it('a legit model under the budget folds Range, Reshape, Tile, ReduceMean, Expand, Sub, Cast and Where to the right values', () => {
    const bytes = liveConstantModel({
      nodes: [
        node('Range', ['s', 'l', 'd'], ['r']),
        node('Reshape', ['r', 'shape23'], ['r23']),
        node('Tile', ['r23', 'reps'], ['t']),
        node('ReduceMean', ['t'], ['m'], { axes: [1], keepdims: 1 }),
        node('Expand', ['m', 'shape26'], ['e']),
        node('Sub', ['t', 'e'], ['diff']),
        node('Cast', ['diff'], ['di'], { to: DataType.INT64 }),
        node('Cast', ['di'], ['df'], { to: DataType.FLOAT }),
        node('Greater', ['df', 'zero'], ['pos']),
        node('Where', ['pos', 'df', 'zero'], ['v']),
      ],
      value: 'v',
      initializers: [floatScalar('s', 0), floatScalar('l', 6), floatScalar('d', 1), int64Tensor('shape23', [2, 3]), int64Tensor('reps', [1, 2]), int64Tensor('shape26', [2, 6]), floatScalar('zero', 0)],
      inputShape: [2, 6],
    });
    const model = parseOnnx(bytes, { materializeLimits: { maxTensorBytes: 1024, maxTotalBytes: 4096 } });
    // t = [[0 1 2 0 1 2] [3 4 5 3 4 5]], mean per row 1 and 4, t − mean = [-1 0 1 …], then max(·, 0)
    expect([...model.weights.values()].map((w) => Array.from(w))).toEqual([[0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1]]);
    expect(model.outputs).toEqual([{ name: 'y', shape: [2, 6] }]);
  });

  it('a zero-element tensor with huge other dimensions folds at once', () => {
    // [2^40, 0] holds nothing: neither Concat, Gather nor ReduceMean may loop over 2^40
    const empty: TensorProto = { name: 'z', dims: [2 ** 40, 0], dataType: DataType.FLOAT };
    for (const n of [node('Concat', ['z', 'z'], ['v'], { axis: 1 }, 'op'), node('Gather', ['z', 'i'], ['v'], { axis: 1 }, 'op'), node('ReduceMean', ['z'], ['v'], { axes: [1], keepdims: 1 }, 'op')]) {
      const bytes = buildModel({
        opset: 13,
        nodes: [n, node('Shape', ['v'], ['sv']), node('Cast', ['sv'], ['fv'], { to: DataType.FLOAT }), node('Add', ['x', 'fv'], ['y'])],
        inputs: [{ name: 'x', shape: [1, 2] }],
        outputs: ['y'],
        initializers: [empty, int64Tensor('i', [], [0])],
      });
      const outcome = (() => {
        try {
          return parseOnnx(bytes).outputs;
        } catch (e) {
          return e;
        }
      })();
      // ReduceMean keeps [2^40, 1]: refused by the budget; the empty ones fold
      if (n.opType === 'ReduceMean') expect((outcome as OnnxFormatError).message).toMatch(LIMIT_TEXT.maxTensorBytes);
      else expect(outcome).toEqual([{ name: 'y', shape: [1, 2] }]);
    }
  });
});
