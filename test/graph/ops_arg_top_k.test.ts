/**
 * ArgMax / ArgMin / TopK through the builder on random shapes of rank 1–5
 * (rank 4 is NHWC on the GPU, so the axis walk is strided), every axis,
 * keepdims on and off, select_last_index, k from 1 to the axis: indices
 * must equal the integer reference (test/reference/arg_top_k.ts) exactly
 * and come back as BigInt64Array; TopK's values are copies, so exact too.
 * The data is drawn from a few levels so that ties are common.
 */
import { describe, expect, it } from 'vitest';
import { OutputTypeError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { argReduce } from '../../src/ops/arg_reduce.js';
import { topK } from '../../src/ops/top_k.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { thrown } from '../helpers/thrown.js';
import { argReduceRef, topKRef } from '../reference/arg_top_k.js';

/** Values from `levels` steps of [-2, 2]: ties along every axis. */
function tiedData(rng: Rng, length: number, levels: number): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = -2 + (4 * rng.int(0, levels - 1)) / (levels - 1);
  return a;
}

const ints = (a: BigInt64Array): number[] => Array.from(a, Number);

describe('argmax / argmin / topk on the GPU vs the integer reference', () => {
  it('random shapes, every axis, keepdims, select_last_index, ties', async () => {
    const ctx = await testContext();
    const rng = new Rng(1301);
    let cases = 0;
    for (let graphIndex = 0; graphIndex < 6; graphIndex++) {
      const rank = [1, 2, 3, 4, 4, 5][graphIndex]!;
      const shape = Array.from({ length: rank }, () => rng.int(1, rank > 3 ? 4 : 7));
      const g = new GraphBuilder();
      const x = g.input('x', shape);
      const expected = new Map<string, { indices: number[]; values?: Float64Array }>();
      const data = tiedData(rng, shape.reduce((a, b) => a * b, 1), rng.pick([3, 5, 40]));
      for (let axis = 0; axis < rank; axis++) {
        const negative = rng.bool();
        const a = negative ? axis - rank : axis;
        for (const argmin of [false, true]) {
          const keepdims = rng.bool();
          const selectLast = rng.bool();
          const name = `${argmin ? 'argmin' : 'argmax'}${axis}`;
          g.output(g.apply(argReduce, x, argmin, { axis: a, keepdims, selectLast, name }), name);
          expected.set(name, { indices: argReduceRef(data, shape, axis, argmin, selectLast) });
        }
        const k = rng.int(1, shape[axis]!);
        const smallest = rng.bool();
        const { values, indices } = topK(g.context, x, { k, axis: a, smallest, name: `topk${axis}` });
        g.output(values, `topk${axis}.values`);
        g.output(indices, `topk${axis}.indices`);
        const ref = topKRef(data, shape, axis, k, smallest);
        expected.set(`topk${axis}.indices`, { indices: ref.indices, values: ref.values });
        cases += 3;
      }
      const model = await compile(ctx, g.build(), new Map());
      try {
        const result = await model.run(data);
        for (const [name, want] of expected) {
          const got = result.int64(name);
          expect(got).toBeInstanceOf(BigInt64Array);
          expect(ints(got), `${name} of [${shape}]`).toEqual(want.indices);
          if (want.values) expect(Array.from(result.float(name.replace('.indices', '.values'))), `${name} values of [${shape}]`).toEqual(Array.from(want.values));
        }
      } finally {
        model.dispose();
      }
    }
    expect(cases).toBe(3 * (1 + 2 + 3 + 4 + 4 + 5));
  });

  it('NaN beats every number (the first NaN; the last with select_last_index), as torch.argmax/topk', async () => {
    const shape = [3, 6];
    const nan = Number.NaN;
    const data = Float32Array.from([1, nan, 3, nan, -1, 0, /**/ 2, 2, -5, 7, 7, 1, /**/ nan, 0, 0, 0, 0, nan]);
    const g = new GraphBuilder();
    const x = g.input('x', shape);
    for (const [name, argmin, selectLast] of [['max', false, false], ['maxLast', false, true], ['min', true, false], ['minLast', true, true]] as const) {
      g.output(g.apply(argReduce, x, argmin, { axis: 1, keepdims: false, selectLast, name }), name);
    }
    const { values, indices } = topK(g.context, x, { k: 3, axis: 1 });
    g.output(values, 'values');
    g.output(indices, 'indices');
    const model = await compile(await testContext(), g.build(), new Map());
    try {
      const result = await model.run(data);
      expect(ints(result.int64('max'))).toEqual(argReduceRef(data, shape, 1, false, false));
      expect(ints(result.int64('max'))).toEqual([1, 3, 0]);
      expect(ints(result.int64('maxLast'))).toEqual([3, 4, 5]);
      expect(ints(result.int64('min'))).toEqual([1, 2, 0]);
      expect(ints(result.int64('minLast'))).toEqual(argReduceRef(data, shape, 1, true, true));
      const ref = topKRef(data, shape, 1, 3, false);
      expect(ints(result.int64('indices'))).toEqual(ref.indices);
      expect(Array.from(result.float('values'))).toEqual(Array.from(ref.values));
    } finally {
      model.dispose();
    }
  });

  it('the typed accessors refuse the other element type; predict refuses an int64 first output', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 5]);
    g.output(g.apply(argReduce, x, false, { axis: 1 }), 'best');
    g.output(g.activation(x, 'relu'), 'relu');
    const model = await compile(await testContext(), g.build(), new Map());
    try {
      const data = new Rng(3).array(10);
      const result = await model.run(data);
      expect(thrown(() => result.float('best'))).toBeInstanceOf(OutputTypeError);
      expect(thrown(() => result.int64('relu'))).toBeInstanceOf(OutputTypeError);
      expect(thrown(() => result.floats())).toBeInstanceOf(OutputTypeError);
      expect(thrown(() => result.int64('nope')).message).toMatch(/not in this result/);
      expect(ints(result.int64('best'))).toEqual(argReduceRef(data, [2, 5], 1, false, false));
      await expect(model.predict(data)).rejects.toBeInstanceOf(OutputTypeError);
    } finally {
      model.dispose();
    }
  });

  it('an int64 tensor may only be reshaped on its way to an output: a float op reading one is a GraphError', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 3, 4]);
    const best = g.apply(argReduce, x, false, { axis: 2, name: 'best' });
    const flat = g.reshape(best, [6]);
    expect(thrown(() => g.add(flat, flat, 'sum')).message).toMatch(/node "sum": add reads an int64 tensor/);
    expect(thrown(() => g.apply(argReduce, x, false, { axis: 3, name: 'bad_axis' })).message).toMatch(/axis 3 is not an axis of \[2, 3, 4\]/);
    expect(thrown(() => topK(g.context, x, { k: 5, axis: -1, name: 'bad_k' })).message).toMatch(/k must be an integer from 1 to 4/);
    g.output(flat, 'flat');
    const graph = g.build();
    expect(graph.tensors[flat.id]!.dtype).toBe('int64');
  });
});
