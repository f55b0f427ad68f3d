/**
 * The exporter against the operator table: every IR op the table lists
 * (src/ops/table.ts) gets a small graph here — the recipes are a record keyed
 * by op name, so a new op without one fails to compile — which is exported,
 * run in onnxruntime-node (the independent oracle) and compared with our GPU
 * run of the same graph. An op whose module has no exportOnnx must make the
 * exporter refuse it with a GraphError naming the node and the op (checked on
 * whichever ops lack one, and once by hiding one module's exportOnnx).
 */
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { GraphBuilder, type Tensor } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { batchMatmul } from '../../src/ops/batch_matmul.js';
import { gather } from '../../src/ops/gather.js';
import { REDUCE_OPS } from '../../src/ops/reduce.js';
import { expand, tile } from '../../src/ops/repeat.js';
import { softmax } from '../../src/ops/softmax.js';
import { OPERATORS, opDef, type OpName } from '../../src/ops/table.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { testContext } from '../helpers/gpu.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { assertInformativeReference, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { thrown } from '../helpers/thrown.js';

// measured worst relative L2, ORT vs our GPU, over every recipe: 2.8e-7 (printed below)
const TOLERANCE = 1e-6;

/** Inputs named `pos…` are drawn from [0.5, 1.5) (pow bases, log-sum, divisors); every other input from [−1, 1). */
type Recipe = (g: GraphBuilder) => void;

const x4 = (g: GraphBuilder, name = 'x'): Tensor => g.input(name, [2, 3, 4, 6]);

const RECIPES: Readonly<Record<OpName, Recipe>> = {
  conv2d: (g) => g.output(g.conv2d(x4(g), { name: 'conv', outChannels: 4, kernel: 3, stride: 2, pad: 1 })),
  argmax: (g) => g.output(g.argMax(g.input('x', [3, 4, 5]), { axis: 1, keepdims: false })),
  argmin: (g) => g.output(g.argMin(x4(g), { axis: -1, selectLast: true })),
  topk: (g) => {
    const { values, indices } = g.topK(g.input('x', [2, 3, 7]), { k: 3, axis: 2, name: 'top' });
    g.output(values, 'values');
    g.output(indices, 'indices');
  },
  conv3d: (g) => g.output(g.conv3d(g.input('x', [2, 4, 3, 5, 4]), { name: 'conv3', outChannels: 6, kernel: [2, 3, 3], stride: [1, 2, 1], padding: 1, groups: 2 })),
  convtranspose3d: (g) => g.output(g.convTranspose3d(g.input('x', [1, 3, 2, 3, 4]), { name: 'up3', outChannels: 2, kernel: 2, stride: 2 })),
  maxpool3d: (g) => g.output(g.maxPool3d(g.input('x', [2, 3, 4, 5, 6]), { kernel: [2, 3, 3], stride: 2, padding: 1 })),
  avgpool3d: (g) => g.output(g.avgPool3d(g.input('x', [2, 3, 4, 5, 6]), { kernel: 2, stride: [1, 2, 2], countIncludePad: false })),
  batchnorm: (g) => g.output(g.batchNorm(x4(g), { name: 'bn' })),
  activation: (g) => {
    const x = x4(g);
    g.output(g.activation(x, 'sigmoid'), 'sigmoid');
    g.output(g.activation(x, 'leaky_relu', { alpha: 0.2 }), 'leaky');
    g.output(g.activation(x, 'clip', { min: -0.5, max: 0.25 }), 'clip');
  },
  maxpool: (g) => g.output(g.maxPool(x4(g), { kernel: 3, stride: 2, pad: 1, ceilMode: true })),
  avgpool: (g) => g.output(g.avgPool(x4(g), { kernel: 2, stride: 2, pad: 1, countIncludePad: false })),
  globalavgpool: (g) => g.output(g.globalAvgPool(x4(g))),
  globalmaxpool: (g) => g.output(g.globalMaxPool(x4(g))),
  adaptiveavgpool: (g) => g.output(g.adaptiveAvgPool(x4(g), [2, 3])),
  linear: (g) => g.output(g.linear(g.input('x', [3, 7]), { name: 'fc', outFeatures: 5 })),
  add: (g) => g.output(g.add(g.input('x', [2, 3, 4]), g.input('y', [3, 1]))),
  sub: (g) => g.output(g.sub(g.input('x', [3, 1]), g.input('y', [2, 1, 4]))),
  mul: (g) => g.output(g.mul(g.input('x', [5]), g.input('y', [2, 1, 1, 3, 1]))),
  div: (g) => g.output(g.div(g.input('x', [2, 3, 4]), g.input('pos', [1, 4]))),
  prelu: (g) => {
    g.output(g.prelu(x4(g), { name: 'prelu4' }), 'image');
    g.output(g.prelu(g.input('f', [3, 5]), { name: 'prelu2' }), 'features');
  },
  constant: (g) => g.output(g.mul(g.input('x', [2, 3, 4]), g.constant('k', [3, 1]))),
  pad: (g) => {
    g.output(g.pad(x4(g), { pads: [1, 0, 2, 1], value: -0.5 }), 'constant');
    g.output(g.pad(x4(g, 'y'), { pads: [1, 2, 0, 1], mode: 'reflect' }), 'reflect');
  },
  transpose: (g) => g.output(g.transpose(g.input('x', [2, 3, 1, 4, 2]), [4, 1, 3, 0, 2])),
  reshape: (g) => {
    const x = x4(g);
    g.output(g.reshape(x, [6, 2, 12]), 'rank3');
    g.output(g.reshape(x, [2, 1, 3, 2, 2, 6]), 'rank6');
    g.output(g.reshape(g.reduce(x, 'sum', { keepdims: true }), []), 'scalar');
  },
  // a backwards window through index 0 (its ONNX end is "before the start")
  slice: (g) => g.output(g.sliceWindows(x4(g), [{ axis: 3, start: 5, step: -2, count: 3 }, { axis: 1, start: 2, step: -1, count: 3 }, { axis: 2, start: 1, step: 2, count: 2 }])),
  matmul: (g) => g.output(g.matmul(g.input('a', [3, 4]), g.input('b', [4, 5]))),
  reducemean: (g) => g.output(g.reduceMean(x4(g), { axes: [2, 3], keepdims: false })),
  reduce: (g) => {
    const x = g.input('x', [2, 3, 4, 2, 3]);
    const pos = g.input('pos', [2, 3, 4, 2, 3]);
    REDUCE_OPS.forEach((r, i) => g.output(g.reduce(r === 'logsum' ? pos : x, r, { axes: [[1], [0, 3], [2, 4], [4]][i % 4]!, keepdims: i % 2 === 0 }), r));
    g.output(g.reduce(x, 'max', { keepdims: false }), 'max_all');
  },
  expand: (g) => g.output(g.apply(expand, g.input('x', [3, 1]), [2, 1, 4])),
  tile: (g) => g.output(g.apply(tile, g.input('x', [2, 3, 1]), [2, 1, 3])),
  gather: (g) => g.output(g.apply(gather, g.input('x', [2, 5, 3]), 1, [-1, 0, 3, 3])),
  batchmatmul: (g) => g.output(g.apply(batchMatmul, g.input('a', [2, 1, 3, 4]), g.input('b', [3, 4, 2]))),
  concat: (g) => {
    g.output(g.concat([x4(g, 'a'), g.input('b', [2, 1, 4, 6])]), 'channels');
    g.output(g.concatAxis([g.input('c', [2, 3, 4]), g.input('d', [2, 3, 1])], 2), 'axis2');
  },
  flatten: (g) => g.output(g.flatten(x4(g))),
  softmax: (g) => {
    const x = g.input('x', [3, 7]);
    g.output(g.softmax(x), 'softmax');
    g.output(g.apply(softmax, x, 'logsoftmax', { log: true }), 'logsoftmax');
  },
  lrn: (g) => g.output(g.lrn(x4(g), { size: 3, alpha: 0.3, beta: 0.75, k: 1.5, convention: 'onnx' })),
  instancenorm: (g) => g.output(g.instanceNorm(x4(g), { name: 'in', affine: true })),
  depthtospace: (g) => {
    g.output(g.depthToSpace(g.input('x', [1, 8, 2, 3]), 2, 'DCR'), 'dcr');
    g.output(g.depthToSpace(g.input('y', [1, 8, 2, 3]), 2, 'CRD'), 'crd');
  },
  spacetodepth: (g) => g.output(g.spaceToDepth(x4(g), 2)),
  resize: (g) => {
    g.output(g.resize(x4(g), { scale: 2 }), 'nearest');
    g.output(g.resize(x4(g, 'y'), { size: [7, 5], mode: 'linear' }), 'linear');
  },
  dropout: (g) => g.output(g.relu(g.dropout(x4(g)))),
  identity: (g) => g.output(g.relu(g.identity(x4(g)))),
  convtranspose2d: (g) => g.output(g.convTranspose2d(x4(g), { name: 'up', outChannels: 2, kernel: 3, stride: 2, padding: 1 })),
  min: (g) => g.output(g.min(g.input('x', [2, 3, 4]), g.input('y', [3, 1]))),
  max: (g) => g.output(g.max(g.input('x', [2, 1, 4]), g.input('y', [3, 4]))),
  pow: (g) => g.output(g.pow(g.input('pos', [2, 3, 4]), g.input('y', [4]))),
};

function recipeGraph(op: OpName): Graph {
  const g = new GraphBuilder();
  RECIPES[op](g);
  return g.build();
}

function recipeInputs(graph: Graph, rng: Rng): Map<string, Float32Array> {
  const inputs = randomInputs(graph, rng);
  for (const [name, data] of inputs) if (name.startsWith('pos')) data.forEach((_, i) => (data[i] = 0.5 + rng.next()));
  return inputs;
}

const ALL_OPS: readonly OpName[] = OPERATORS.flatMap((def) => def.ops as OpName[]);

describe('every op in the table: export → onnxruntime-node vs our GPU', () => {
  it('the table lists each op once and every one has a recipe', () => {
    expect(new Set(ALL_OPS).size).toBe(ALL_OPS.length);
    expect(ALL_OPS.filter((op) => !RECIPES[op])).toEqual([]);
    expect(Object.keys(RECIPES).sort()).toEqual([...ALL_OPS].sort());
  });

  let worst = 0;
  for (const op of ALL_OPS) {
    it(op, async () => {
      const graph = recipeGraph(op);
      expect(graph.nodes.some((n) => n.op === op), `the ${op} recipe uses ${op}`).toBe(true);
      const rng = new Rng(4000 + ALL_OPS.indexOf(op));
      const weights = randomWeights(graph, rng);
      const inputs = recipeInputs(graph, rng);
      if (!opDef(op).exportOnnx) {
        const node = graph.nodes.find((n) => n.op === op)!;
        const e = thrown(() => exportOnnx(graph, weights));
        expect(e).toBeInstanceOf(GraphError);
        expect(e.message).toBe(`node "${node.name}": cannot export op "${op}" to ONNX`);
        return;
      }
      const feeds = Object.fromEntries(graph.inputs.map((i) => [i.name, { data: inputs.get(i.name)!, shape: graph.tensors[i.tensor]!.shape }]));
      const ort = await runOnnxRuntime(exportOnnx(graph, weights), feeds);
      const model = await compile(await testContext(), graph, weights);
      try {
        const { outputs } = await model.run(Object.fromEntries(inputs));
        for (const o of graph.outputs) {
          const theirs = ort[o.name]!;
          expect(theirs.shape, `${o.name} shape`).toEqual([...graph.tensors[o.tensor]!.shape]);
          // (a scalar is one value: constant by definition)
          if (theirs.data.length > 1) assertInformativeReference(new Map([[o.name, theirs.data]]), `${op} ORT`);
          const ours = outputs[o.name]!;
          const e = relativeL2(ours instanceof BigInt64Array ? Float64Array.from(ours, Number) : ours, theirs.data);
          worst = Math.max(worst, e);
          expect(e, `${op} output ${o.name}`).toBeLessThanOrEqual(TOLERANCE);
        }
      } finally {
        model.dispose();
      }
    });
  }
  it('(worst error measured)', () => console.log(`[export every op] worst relative L2, ORT vs our GPU: ${worst.toExponential(2)}`));

  it('an op whose module has no exportOnnx is refused with a GraphError naming the node and the op', () => {
    const def = opDef('transpose');
    const saved = def.exportOnnx;
    try {
      delete (def as { exportOnnx?: unknown }).exportOnnx;
      const graph = recipeGraph('transpose');
      const e = thrown(() => exportOnnx(graph, randomWeights(graph, new Rng(1))));
      expect(e).toBeInstanceOf(GraphError);
      expect(e.message).toBe('node "transpose_1": cannot export op "transpose" to ONNX');
    } finally {
      (def as { exportOnnx?: unknown }).exportOnnx = saved;
    }
    expect(opDef('transpose').exportOnnx).toBe(saved);
  });
});
