/**
 * ArgMax / ArgMin / TopK through ONNX: single-op models against
 * onnxruntime-node (ranks 2–5, keepdims 0/1, negative axes,
 * select_last_index, TopK largest and smallest in its three opset forms),
 * ONNX's own conformance cases for them (not among cases.txt's 422: run
 * here as extra cases), the export round trip, and the refusals when an
 * index tensor would feed a float op. Indices must come back as
 * BigInt64Array and equal ORT's exactly; TopK values are copies, so exact.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { UnsupportedOnnxError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { readConformanceCase, requireConformanceData } from '../helpers/conformance/cases.js';
import { runCaseOnOurs } from '../helpers/conformance/run_ours.js';
import { testContext } from '../helpers/gpu.js';
import { buildModel, DataType, int64Tensor, node } from '../helpers/onnx_models.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { argReduceRef, topKRef } from '../reference/arg_top_k.js';

/** Every output of `bytes` in onnxruntime-node, int64 ones as numbers. */
async function ortOutputs(bytes: Uint8Array, inputs: Record<string, { data: Float32Array; shape: readonly number[] }>): Promise<Record<string, { data: number[]; type: string; shape: number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 });
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([name, v]) => [name, new ort.Tensor('float32', v.data, [...v.shape])]));
    const results = await session.run(feeds);
    return Object.fromEntries(Object.entries(results).map(([name, t]) => [name, { data: Array.from(t.data as ArrayLike<number | bigint>, Number), type: t.type, shape: [...t.dims] }]));
  } finally {
    await session.release();
  }
}

/** Imports `bytes`, runs it on the GPU and in ORT on tied random data; every output must match exactly, int64 ones as BigInt64Array. */
async function expectExactlyOrt(bytes: Uint8Array, shape: readonly number[], seed: number, label: string): Promise<void> {
  const rng = new Rng(seed);
  const levels = rng.pick([3, 6, 50]);
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(0, levels - 1) / levels - 0.5);
  const expected = await ortOutputs(bytes, { x: { data, shape } });
  const imported = parseOnnx(bytes);
  const model = await compile(await testContext(), imported.graph, imported.weights);
  try {
    const result = await model.run(data);
    for (const o of imported.outputs) {
      const want = expected[o.name]!;
      expect(o.shape, `${label} ${o.name} shape`).toEqual(want.shape);
      const got = result.outputs[o.name]!;
      expect(got, `${label} ${o.name} type`).toBeInstanceOf(want.type === 'int64' ? BigInt64Array : Float32Array);
      expect(Array.from(got as ArrayLike<number | bigint>, Number), `${label} ${o.name}`).toEqual(want.data);
    }
  } finally {
    model.dispose();
  }
}

const INT64_OUT = (names: string[]) => Object.fromEntries(names.map((n) => [n, DataType.INT64]));

describe('ArgMax / ArgMin / TopK import vs onnxruntime', () => {
  it('ArgMax and ArgMin on ranks 2–5, keepdims 0/1, negative axes, select_last_index', async () => {
    const rng = new Rng(77);
    let seed = 0;
    for (const rank of [2, 3, 4, 5]) {
      for (const op of ['ArgMax', 'ArgMin']) {
        const shape = Array.from({ length: rank }, () => rng.int(1, 5));
        const axis = rng.int(-rank, rank - 1);
        const keepdims = rng.int(0, 1);
        const opset = rng.pick([11, 12, 13]);
        const selectLast = opset >= 12 ? rng.int(0, 1) : undefined;
        const bytes = buildModel({
          opset,
          nodes: [node(op, ['x'], ['y'], { axis, keepdims, select_last_index: selectLast })],
          inputs: [{ name: 'x', shape }],
          outputs: ['y'],
          outputTypes: INT64_OUT(['y']),
        });
        await expectExactlyOrt(bytes, shape, seed++, `${op} [${shape}] axis ${axis} keepdims ${keepdims} last ${selectLast} opset ${opset}`);
      }
    }
  });

  it('TopK largest and smallest, k as an attribute (opset 1) and as a constant input (10, 11), squeezed indices', async () => {
    const rng = new Rng(78);
    let seed = 100;
    for (const opset of [1, 10, 11, 11, 11]) {
      const rank = rng.int(2, 4);
      const shape = Array.from({ length: rank }, () => rng.int(2, 6));
      const axis = opset < 11 ? -1 : rng.int(-rank, rank - 1);
      const k = rng.int(1, shape[axis < 0 ? axis + rank : axis]!);
      const largest = opset >= 11 ? rng.int(0, 1) : undefined;
      const bytes = buildModel({
        opset,
        nodes: [
          node('TopK', opset < 10 ? ['x'] : ['x', 'k'], ['values', 'indices'], { axis, k: opset < 10 ? k : undefined, largest, sorted: opset >= 11 ? 1 : undefined }),
          // indices on their way out through Identity: int64 may be relabelled
          node('Identity', ['indices'], ['idx']),
        ],
        inputs: [{ name: 'x', shape }],
        outputs: ['values', 'idx'],
        outputTypes: INT64_OUT(['idx']),
        initializers: opset >= 10 ? [int64Tensor('k', [k])] : [],
      });
      await expectExactlyOrt(bytes, shape, seed++, `TopK [${shape}] axis ${axis} k ${k} largest ${largest} opset ${opset}`);
    }
  });

  it('ArgMax → Squeeze → Cast(int64) reaches an output; ArgMax → Cast(float) and ArgMax → Add are UnsupportedOnnxError(dtype)', async () => {
    const shape = [2, 3, 4];
    const squeezed = buildModel({
      opset: 13,
      nodes: [node('ArgMax', ['x'], ['a'], { axis: 1, keepdims: 1 }), node('Squeeze', ['a', 'axes'], ['s']), node('Cast', ['s'], ['y'], { to: DataType.INT64 })],
      inputs: [{ name: 'x', shape }],
      outputs: ['y'],
      outputTypes: INT64_OUT(['y']),
      initializers: [int64Tensor('axes', [1])],
    });
    await expectExactlyOrt(squeezed, shape, 5, 'ArgMax → Squeeze → Cast');
    const castAdd = buildModel({
      opset: 13,
      nodes: [node('ArgMax', ['x'], ['a'], { axis: 1 }), node('Cast', ['a'], ['f'], { to: DataType.FLOAT }, 'to_float'), node('Add', ['f', 'f'], ['y'])],
      inputs: [{ name: 'x', shape }],
      outputs: ['y'],
    });
    const e1 = thrown(() => parseOnnx(castAdd));
    expect(e1).toBeInstanceOf(UnsupportedOnnxError);
    expect((e1 as UnsupportedOnnxError).kind).toBe('dtype');
    expect(e1.message).toMatch(/node "to_float" \(Cast\): casting an int64 tensor/);
    const add = buildModel({
      opset: 13,
      nodes: [node('ArgMin', ['x'], ['a'], { axis: -1 }), node('Add', ['a', 'a'], ['y'], {}, 'sum')],
      inputs: [{ name: 'x', shape }],
      outputs: ['y'],
    });
    const e2 = thrown(() => parseOnnx(add));
    expect(e2).toBeInstanceOf(UnsupportedOnnxError);
    expect(e2.message).toMatch(/node "sum" \(Add\): input "a" is an int64 tensor/);
    const runtimeK = buildModel({
      opset: 11,
      nodes: [node('Shape', ['x'], ['s']), node('TopK', ['x', 'k'], ['v', 'i'], {}, 'topk')],
      inputs: [{ name: 'x', shape }, { name: 'k', shape: [1] }],
      outputs: ['v'],
    });
    expect(thrown(() => parseOnnx(runtimeK)).message).toMatch(/K \(input 1\) must be a constant/);
  });
});

describe('ONNX conformance cases for argmax / argmin / topk (extra to cases.txt)', () => {
  const NAMES = [
    ...['argmax', 'argmin'].flatMap((op) =>
      ['default_axis', 'keepdims', 'negative_axis_keepdims', 'no_keepdims'].flatMap((kind) => ['example', 'random'].flatMap((data) => [`test_${op}_${kind}_${data}`, `test_${op}_${kind}_${data}_select_last_index`])),
    ),
    'test_top_k',
    'test_top_k_negative_axis',
    'test_top_k_smallest',
  ];

  it(`all ${NAMES.length} pass`, async () => {
    requireConformanceData();
    const ctx = await testContext();
    const failed: string[] = [];
    for (const name of NAMES) {
      const outcome = await runCaseOnOurs(ctx, readConformanceCase(`node/${name}`));
      if (outcome.kind !== 'pass') failed.push(`${name}: ${outcome.kind} ${'detail' in outcome ? String(outcome.detail) : ''} ${'reason' in outcome ? String(outcome.reason) : ''}`);
    }
    expect(failed).toEqual([]);
    expect(NAMES.length).toBe(35);
  });
});

describe('export round trip: ArgMax / ArgMin / TopK → ONNX → onnxruntime', () => {
  it('int64 outputs are typed int64 in the file and match our GPU run and the reference', async () => {
    const g = new GraphBuilder();
    const shape = [2, 5, 3, 4];
    const x = g.input('x', shape);
    g.output(g.argMax(x, { axis: 1, keepdims: false, name: 'amax' }), 'amax');
    g.output(g.reshape(g.argMin(x, { axis: -1, selectLast: true, name: 'amin' }), [2, 15]), 'amin_flat');
    const { values, indices } = g.topK(x, { k: 2, axis: 2, smallest: true, name: 'top' });
    g.output(values, 'values');
    g.output(indices, 'indices');
    const graph = g.build();
    const rng = new Rng(9);
    const data = Float32Array.from({ length: 120 }, () => rng.int(0, 9) / 10);
    const theirs = await ortOutputs(exportOnnx(graph, new Map()), { x: { data, shape } });
    const model = await compile(await testContext(), graph, new Map());
    try {
      const ours = await model.run(data);
      for (const name of ['amax', 'amin_flat', 'indices']) {
        expect(theirs[name]!.type, name).toBe('int64');
        expect(Array.from(ours.int64(name), Number), name).toEqual(theirs[name]!.data);
      }
      expect(Array.from(ours.float('values'))).toEqual(theirs.values!.data);
      expect(theirs.amax!.data).toEqual(argReduceRef(data, shape, 1, false, false));
      expect(theirs.amin_flat!.data).toEqual(argReduceRef(data, shape, 3, true, true));
      expect(theirs.indices!.data).toEqual(topKRef(data, shape, 2, 2, true).indices);
    } finally {
      model.dispose();
    }
  });
});
