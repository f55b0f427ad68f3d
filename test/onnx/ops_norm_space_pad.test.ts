/**
 * InstanceNormalization, DepthToSpace, SpaceToDepth and Pad's reflect and
 * edge modes (and negative pads) imported from single-op ONNX models and
 * checked against onnxruntime-node; their typed refusals; and exportOnnx
 * round trips (builder → ONNX → onnxruntime-node vs the float64 interpreter).
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedOnnxError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { buildModel, expectMatchesOrt, floatTensor, int64Tensor, node } from '../helpers/onnx_models.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { relativeL2, Rng } from '../helpers/random.js';
import { randomInputs, randomWeights } from '../helpers/random_graph.js';
import { thrown } from '../helpers/thrown.js';
import { runGraphRef } from '../reference/graph.js';

// measured worst vs onnxruntime on SwiftShader: 1.2e-7 (InstanceNormalization); the gathers and pads are exact
const TOLERANCE = 5e-7;

describe('onnx import vs onnxruntime', () => {
  it('InstanceNormalization on [N, C, H, W], several epsilons', async () => {
    const rng = new Rng(1321);
    for (let i = 0; i < 3; i++) {
      const [c, h, w] = [rng.int(1, 5), rng.int(1, 9), rng.int(2, 9)];
      const epsilon = rng.pick([1e-5, 1e-3, 0.1]);
      const bytes = buildModel({
        opset: rng.pick([6, 13]),
        nodes: [node('InstanceNormalization', ['x', 's', 'b'], ['y'], { epsilon: { float: epsilon } })],
        inputs: [{ name: 'x', shape: [2, c, h, w] }],
        outputs: ['y'],
        initializers: [floatTensor('s', [c], rng.array(c, -2, 2)), floatTensor('b', [c], rng.array(c))],
      });
      const { errors } = await expectMatchesOrt(bytes, { seed: i, tolerance: TOLERANCE, label: `instancenorm [2,${c},${h},${w}] eps ${epsilon}` });
      console.log(`[onnx InstanceNormalization] [2,${c},${h},${w}]: relative L2 ${errors.y!.toExponential(2)}`);
    }
  });

  it('InstanceNormalization on a rank-3 [N, C, L] (as [N, C, 1, L])', async () => {
    const [c, l] = [3, 7];
    const rng = new Rng(1322);
    const bytes = buildModel({
      opset: 13,
      // graph inputs and outputs have rank 2 or 4 today, so the rank-3 value lives between two Reshapes
      nodes: [
        node('Reshape', ['x', 'shape3'], ['x3']),
        node('InstanceNormalization', ['x3', 's', 'b'], ['y3'], { epsilon: { float: 1e-4 } }),
        node('Reshape', ['y3', 'shape2'], ['y']),
      ],
      inputs: [{ name: 'x', shape: [2, c * l] }],
      outputs: ['y'],
      initializers: [int64Tensor('shape3', [2, c, l]), int64Tensor('shape2', [2, c * l]), floatTensor('s', [c], rng.array(c, -2, 2)), floatTensor('b', [c], rng.array(c))],
    });
    const { errors } = await expectMatchesOrt(bytes, { seed: 5, tolerance: TOLERANCE, label: 'instancenorm rank 3' });
    console.log(`[onnx InstanceNormalization] rank 3 [2,${c},${l}]: relative L2 ${errors.y!.toExponential(2)}`);
  });

  it('DepthToSpace (DCR, CRD) and SpaceToDepth, blocks 2 and 3', async () => {
    const rng = new Rng(1323);
    for (const block of [2, 3]) {
      for (const mode of ['DCR', 'CRD']) {
        const c = block * block * rng.int(1, 3);
        const bytes = buildModel({ opset: 13, nodes: [node('DepthToSpace', ['x'], ['y'], { blocksize: block, mode })], inputs: [{ name: 'x', shape: [2, c, rng.int(1, 4), rng.int(1, 5)] }], outputs: ['y'] });
        await expectMatchesOrt(bytes, { seed: block, tolerance: 0, label: `DepthToSpace ${mode} ${block}` });
      }
      const bytes = buildModel({ opset: 13, nodes: [node('SpaceToDepth', ['x'], ['y'], { blocksize: block })], inputs: [{ name: 'x', shape: [2, rng.int(1, 4), block * rng.int(1, 3), block * rng.int(1, 3)] }], outputs: ['y'] });
      await expectMatchesOrt(bytes, { seed: block, tolerance: 0, label: `SpaceToDepth ${block}` });
    }
  });

  it('Pad reflect and edge, pads on each side, negative pads, opsets 2 (attribute), 11, 13 and 18 (axes)', async () => {
    const rng = new Rng(1324);
    for (let i = 0; i < 8; i++) {
      const mode = i % 2 ? 'edge' : 'reflect';
      const [h, w] = [rng.int(3, 7), rng.int(3, 7)];
      const grow = (len: number) => rng.int(0, mode === 'reflect' ? len - 1 : len + 1);
      const crop = i >= 4;
      const spatial = [grow(h), crop ? -1 : grow(w), crop ? -rng.int(0, 1) : grow(h), grow(w)] as const;
      const opset = [2, 11, 13, 18][i % 4]!;
      const pads = [0, 0, spatial[0], spatial[1], 0, 0, spatial[2], spatial[3]];
      const x = { name: 'x', shape: [2, rng.int(1, 4), h, w] };
      const bytes =
        opset === 2
          ? buildModel({ opset, nodes: [node('Pad', ['x'], ['y'], { mode, pads })], inputs: [x], outputs: ['y'] })
          : opset === 18
            ? buildModel({ opset, nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['y'], { mode })], inputs: [x], outputs: ['y'], initializers: [int64Tensor('pads', [spatial[0], spatial[1], spatial[2], spatial[3]]), int64Tensor('axes', [2, -1])] })
            : buildModel({ opset, nodes: [node('Pad', ['x', 'pads'], ['y'], { mode })], inputs: [x], outputs: ['y'], initializers: [int64Tensor('pads', pads)] });
      await expectMatchesOrt(bytes, { seed: i, tolerance: 0, label: `Pad ${mode} [${spatial}] of [${x.shape}] opset ${opset}` });
    }
  });

  it('refuses a reflect pad as long as its axis, wrap mode and an unknown DepthToSpace mode, naming the node', () => {
    const pad = (mode: string, pads: number[]) =>
      buildModel({ opset: 13, nodes: [node('Pad', ['x', 'pads'], ['y'], { mode }, 'the_pad')], inputs: [{ name: 'x', shape: [1, 2, 3, 4] }], outputs: ['y'], initializers: [int64Tensor('pads', pads)] });
    const long = thrown(() => parseOnnx(pad('reflect', [0, 0, 3, 0, 0, 0, 0, 0])));
    expect(long).toBeInstanceOf(UnsupportedOnnxError);
    expect(String(long)).toMatch(/the_pad.*reflect pad of 3 needs an axis longer than 3, got 3/);
    expect(String(thrown(() => parseOnnx(pad('wrap', [0, 0, 1, 1, 0, 0, 1, 1]))))).toMatch(/the_pad.*pad mode "wrap" is not supported/);
    const d2s = buildModel({ opset: 13, nodes: [node('DepthToSpace', ['x'], ['y'], { blocksize: 2, mode: 'RCD' }, 'the_d2s')], inputs: [{ name: 'x', shape: [1, 4, 2, 2] }], outputs: ['y'] });
    expect(String(thrown(() => parseOnnx(d2s)))).toMatch(/the_d2s.*DepthToSpace mode "RCD"/);
    const s2d = buildModel({ opset: 13, nodes: [node('SpaceToDepth', ['x'], ['y'], { blocksize: 2 }, 'the_s2d')], inputs: [{ name: 'x', shape: [1, 4, 3, 2] }], outputs: ['y'] });
    expect(String(thrown(() => parseOnnx(s2d)))).toMatch(/the_s2d.*height 3/);
  });
});

describe('exportOnnx round trip → onnxruntime-node vs the float64 interpreter', () => {
  it('instanceNorm (affine and not), depthToSpace DCR / CRD, spaceToDepth, reflect / edge / cropping pads', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [2, 8, 5, 7]);
    const a = g.instanceNorm(x, { name: 'in_affine', eps: 1e-3, affine: true });
    const b = g.instanceNorm(g.depthToSpace(a, 2, 'CRD', 'shuffle'), { name: 'in_plain', affine: false });
    const c = g.pad(b, { name: 'reflect', pads: [1, 2, 3, 0], mode: 'reflect' });
    const d = g.spaceToDepth(g.pad(c, { name: 'edge', pads: [0, -1, 2, 3], mode: 'edge' }), 2, 'unshuffle');
    g.output(g.depthToSpace(d, 2, 'DCR', 'dcr'), 'y');
    g.output(g.pad(x, { name: 'const', pads: [-1, 1, 2, -2], value: 0.5 }), 'z');
    const graph = g.build();
    const rng = new Rng(1325);
    const weights = randomWeights(graph, rng);
    const inputs = randomInputs(graph, rng);
    const expected = runGraphRef(graph, weights, inputs);
    const got = await runOnnxRuntime(exportOnnx(graph, weights), { x: { data: inputs.get('x')!, shape: [2, 8, 5, 7] } });
    for (const name of ['y', 'z']) {
      expect(got[name]!.shape).toEqual([...graph.tensors[graph.outputs.find((o) => o.name === name)!.tensor]!.shape]);
      const error = relativeL2(got[name]!.data, expected.get(name)!);
      console.log(`[export → ort] ${name}: relative L2 ${error.toExponential(2)}`);
      expect(error).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
