/**
 * ONNX Resize and Upsample end to end: ONNX's own conformance cases (their
 * scales/sizes/roi inputs turned into initializers) against the expected
 * outputs in the files, single-op models against onnxruntime-node, the
 * builder's resize exported and run in onnxruntime-node, and the refusals.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { GraphError, OnnxFormatError, UnsupportedOnnxError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { ResizeOptions } from '../../src/ops/resize.js';
import { MaterializeBudget } from '../../src/onnx/budget.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { parseOnnx } from '../../src/onnx/import.js';
import { decodeModelProto, encodeModelProto, type TensorProto } from '../../src/onnx/proto.js';
import { decodeTensor } from '../../src/onnx/tensor.js';
import { testContext } from '../helpers/gpu.js';
import { buildModel, expectMatchesOrt, floatTensor, int64Tensor, node } from '../helpers/onnx_models.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { Rng } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';

const CASES = '/usr/share/libonnx-testdata/data/node/';
const CONFORMANCE = [
  'test_resize_downsample_scales_cubic',
  'test_resize_downsample_scales_cubic_A_n0p5_exclude_outside',
  'test_resize_downsample_scales_cubic_align_corners',
  'test_resize_downsample_scales_linear',
  'test_resize_downsample_scales_linear_align_corners',
  'test_resize_downsample_scales_nearest',
  'test_resize_downsample_sizes_cubic',
  'test_resize_downsample_sizes_linear_pytorch_half_pixel',
  'test_resize_downsample_sizes_nearest',
  'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn',
  'test_resize_tf_crop_and_resize',
  'test_resize_upsample_scales_cubic',
  'test_resize_upsample_scales_cubic_A_n0p5_exclude_outside',
  'test_resize_upsample_scales_cubic_align_corners',
  'test_resize_upsample_scales_cubic_asymmetric',
  'test_resize_upsample_scales_linear',
  'test_resize_upsample_scales_linear_align_corners',
  'test_resize_upsample_scales_nearest',
  'test_resize_upsample_sizes_cubic',
  'test_resize_upsample_sizes_nearest',
  'test_resize_upsample_sizes_nearest_ceil_half_pixel',
  'test_resize_upsample_sizes_nearest_floor_align_corners',
  'test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric',
  'test_upsample_nearest',
];

// the official schema, to decode the cases' bare TensorProto files
const tensorType = protobuf.parse(readFileSync(new URL('../../src/onnx/onnx.proto', import.meta.url), 'utf8')).root.lookupType('onnx.TensorProto');
const readTensorProto = (path: string): TensorProto => tensorType.toObject(tensorType.decode(readFileSync(path)), { longs: Number, enums: Number, arrays: false, defaults: false }) as TensorProto;
const floats = (t: TensorProto, name: string): Float32Array => Float32Array.from(decodeTensor(t, name, new MaterializeBudget()).data);

/** A case's model with every graph input but the first made an initializer holding the case's value (the conformance rule for Resize). */
function conformanceModel(name: string): { bytes: Uint8Array; x: Float32Array; want: Float32Array; wantShape: number[] } {
  const dir = `${CASES}${name}/`;
  const model = decodeModelProto(new Uint8Array(readFileSync(`${dir}model.onnx`)));
  const graph = model.graph!;
  const inputs = graph.input ?? [];
  const constants = inputs.slice(1).map((info, i) => ({ ...readTensorProto(`${dir}test_data_set_0/input_${i + 1}.pb`), name: info.name }));
  const bytes = encodeModelProto({ ...model, graph: { ...graph, input: inputs.slice(0, 1), initializer: [...(graph.initializer ?? []), ...constants] } });
  const out = readTensorProto(`${dir}test_data_set_0/output_0.pb`);
  return { bytes, x: floats(readTensorProto(`${dir}test_data_set_0/input_0.pb`), 'x'), want: floats(out, 'y'), wantShape: (out.dims ?? []).map(Number) };
}

describe('ONNX conformance cases (libonnx-testdata, ONNX 1.12)', () => {
  for (const name of CONFORMANCE) {
    it(name, async () => {
      const { bytes, x, want, wantShape } = conformanceModel(name);
      const model = parseOnnx(bytes);
      expect(model.outputs[0]!.shape).toEqual(wantShape);
      const compiled = await compile(await testContext(), model.graph, model.weights);
      try {
        const got = (await compiled.run(x)).float(model.outputs[0]!.name);
        let worst = 0;
        for (let i = 0; i < want.length; i++) {
          const excess = Math.abs(got[i]! - want[i]!) - (1e-4 + 1e-3 * Math.abs(want[i]!));
          worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
          expect(excess, `${name} element ${i}: got ${got[i]}, want ${want[i]}`).toBeLessThanOrEqual(0);
        }
        console.log(`[resize conformance] ${name}: max |d| ${worst.toExponential(2)}`);
      } finally {
        compiled.dispose();
      }
    });
  }
});

// measured worst relative L2 vs onnxruntime-node over the models below: 8.2e-7 (cubic tf_crop_and_resize)
const ORT_TOLERANCE = 3e-6;

const resizeModel = (opset: number, shape: readonly number[], attrs: Record<string, string | number | { float: number }>, inputs: { roi?: number[]; scales?: number[]; sizes?: number[] }) => {
  const initializers: TensorProto[] = [];
  const names = ['x', '', '', ''];
  if (inputs.roi) {
    initializers.push(floatTensor('roi', [inputs.roi.length], inputs.roi));
    names[1] = 'roi';
  }
  if (inputs.scales) {
    initializers.push(floatTensor('scales', [inputs.scales.length], inputs.scales));
    names[2] = 'scales';
  }
  if (inputs.sizes) {
    initializers.push(int64Tensor('sizes', inputs.sizes));
    names[3] = 'sizes';
  }
  while (names[names.length - 1] === '') names.pop();
  return buildModel({ opset, nodes: [node('Resize', names, ['y'], attrs, 'resize')], inputs: [{ name: 'x', shape }], outputs: ['y'], initializers });
};

describe('Resize and Upsample vs onnxruntime-node', () => {
  it('Resize-11/13/18: every mode and coordinate transform, random shapes, scales and sizes', async () => {
    const rng = new Rng(31);
    const transforms = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'];
    for (const mode of ['nearest', 'linear', 'cubic']) {
      for (const transform of transforms) {
        if (transform === 'tf_half_pixel_for_nn' && mode !== 'nearest') continue;
        // ONNX's text moves N and C under tf_half_pixel_for_nn with ceil rounding, ORT leaves them: the importer refuses that, so N = C = 1 here
        const nn = transform === 'tf_half_pixel_for_nn';
        const shape = [nn ? 1 : rng.int(1, 2), nn ? 1 : rng.int(1, 4), rng.int(3, 8), rng.int(3, 8)];
        // ORT takes align_corners' and tf_crop_and_resize's resized length from the rounded output, ONNX's text from in·scale: sizes agree on both
        const bySizes = transform === 'align_corners' || transform === 'tf_crop_and_resize' || transform === 'pytorch_half_pixel' || rng.bool();
        const newLength = (n: number) => {
          const out = rng.int(1, 12);
          // ONNX Runtime skips an axis that keeps its length even where tf_crop_and_resize's region would move it
          return out === n && transform === 'tf_crop_and_resize' ? out + 1 : out;
        };
        const inputs = bySizes ? { sizes: [shape[0]!, shape[1]!, newLength(shape[2]!), newLength(shape[3]!)] } : { scales: [1, 1, rng.pick([0.5, 2, 3, 1.5]), rng.pick([0.5, 2, 4, 0.75])] };
        const attrs: Record<string, string | number | { float: number }> = { mode, coordinate_transformation_mode: transform };
        if (mode === 'nearest') attrs.nearest_mode = rng.pick(['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']);
        if (mode === 'cubic') Object.assign(attrs, { cubic_coeff_a: { float: rng.pick([-0.75, -0.5]) }, exclude_outside: rng.int(0, 1) });
        const crop = transform === 'tf_crop_and_resize';
        if (crop) attrs.extrapolation_value = { float: 2.5 };
        const roi = crop ? [0, 0, rng.next() * 0.4, rng.next() * 0.4, 1, 1, 0.6 + rng.next() * 0.6, 0.6 + rng.next() * 0.6] : undefined;
        const opset = rng.pick([11, 13, 18]);
        // Resize-11's roi and scales are required inputs: empty tensors stand for absent
        const bytes = resizeModel(opset, shape, attrs, { ...inputs, ...(roi ? { roi } : opset === 11 ? { roi: [] } : {}), ...(opset === 11 && !inputs.scales ? { scales: [] } : {}) });
        const { errors } = await expectMatchesOrt(bytes, { seed: 1, tolerance: ORT_TOLERANCE, label: `Resize-${opset} ${JSON.stringify({ shape, attrs, inputs, roi })}` });
        console.log(`[resize vs ort] Resize-${opset} ${mode} ${transform}: relative L2 ${errors.y!.toExponential(2)}`);
      }
    }
  });

  it('Resize-10, Upsample-7 (scales attribute) and Upsample-9 (scales input): nearest and linear', async () => {
    const cases = [
      { opset: 10, op: 'Resize', mode: 'nearest', scales: [1, 1, 2, 3] },
      { opset: 10, op: 'Resize', mode: 'linear', scales: [1, 1, 1.5, 2.5] },
      { opset: 10, op: 'Resize', mode: 'nearest', scales: [1, 1, 0.5, 0.6] },
      { opset: 7, op: 'Upsample', mode: 'nearest', scales: [1, 1, 2, 2] },
      { opset: 7, op: 'Upsample', mode: 'linear', scales: [1, 1, 3, 1.5] },
      { opset: 9, op: 'Upsample', mode: 'nearest', scales: [1, 1, 3, 2] },
      { opset: 9, op: 'Upsample', mode: 'linear', scales: [1, 1, 2, 2] },
    ];
    for (const [i, c] of cases.entries()) {
      const attribute = c.opset === 7;
      const bytes = buildModel({
        opset: c.opset,
        nodes: [node(c.op, attribute ? ['x'] : ['x', 'scales'], ['y'], { mode: c.mode, ...(attribute ? { scales: { floats: c.scales } } : {}) }, 'up')],
        inputs: [{ name: 'x', shape: [1, 3, 5, 4] }],
        outputs: ['y'],
        initializers: attribute ? [] : [floatTensor('scales', [4], c.scales)],
      });
      const { errors } = await expectMatchesOrt(bytes, { seed: i, tolerance: ORT_TOLERANCE, label: `${c.op}-${c.opset} ${c.mode} ${c.scales.join(',')}` });
      console.log(`[resize vs ort] ${c.op}-${c.opset} ${c.mode}: relative L2 ${errors.y!.toExponential(2)}`);
    }
  });
});

describe('exportOnnx of the builder resize → onnxruntime-node', () => {
  // F.interpolate's modes as the builder spells them (ops/resize.ts), with sizes and with scales
  const OPTIONS: ResizeOptions[] = [
    { scale: 2, mode: 'nearest', coordinateTransform: 'asymmetric', nearestMode: 'floor' },
    { size: [7, 5], mode: 'nearest', coordinateTransform: 'half_pixel', nearestMode: 'round_prefer_ceil' },
    { scale: [2, 3], mode: 'linear', coordinateTransform: 'half_pixel' },
    { size: [9, 4], mode: 'linear', coordinateTransform: 'align_corners' },
    { scale: 0.5, mode: 'cubic', coordinateTransform: 'half_pixel' },
    { size: [6, 10], mode: 'cubic', coordinateTransform: 'align_corners', cubicCoeffA: -0.5, excludeOutside: true },
    // no axis keeps its length: ONNX Runtime then skips that axis, region and all (ONNX's text and conformance data crop it)
    { size: [4, 7], mode: 'linear', coordinateTransform: 'tf_crop_and_resize', roi: [0.1, 0.2, 0.9, 1.3], extrapolationValue: -1 },
  ];
  for (const [i, o] of OPTIONS.entries()) {
    it(JSON.stringify(o), async () => {
      const g = new GraphBuilder();
      const x = g.input('x', [2, 3, 6, 5]);
      g.output(g.resize(x, { ...o, name: 'up' }), 'y');
      const graph = g.build();
      const rng = new Rng(40 + i);
      const input = rng.array(2 * 3 * 6 * 5);
      const ort = (await runOnnxRuntime(exportOnnx(graph, new Map()), { x: { data: input, shape: [2, 3, 6, 5] } })).y!;
      const ref = runGraphRef(graph, new Map(), new Map([['x', input]])).get('y')!;
      const compiled = await compile(await testContext(), graph, new Map());
      try {
        const ours = (await compiled.run(input)).float('y');
        let worstOrt = 0;
        let worstRef = 0;
        for (let k = 0; k < ref.length; k++) {
          worstOrt = Math.max(worstOrt, Math.abs(ort.data[k]! - ref[k]!));
          worstRef = Math.max(worstRef, Math.abs(ours[k]! - ref[k]!));
        }
        console.log(`[resize export] ${JSON.stringify(o)}: ORT vs float64 ${worstOrt.toExponential(2)}, GPU vs float64 ${worstRef.toExponential(2)}`);
        expect(ort.shape).toEqual(graph.tensors[graph.outputs[0]!.tensor]!.shape);
        // measured worst max |d|: ORT 7.2e-7 (cubic), our GPU 1.1e-7
        expect(worstOrt).toBeLessThanOrEqual(2e-6);
        expect(worstRef).toBeLessThanOrEqual(5e-7);
      } finally {
        compiled.dispose();
      }
    });
  }
});

describe('the builder resize in a graph', () => {
  it('upsampled branches written into a concat\'s channel slices equal the float64 interpreter', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 5, 6]);
    const small = g.maxPool(x, { name: 'pool', kernel: 2 });
    const up = g.resize(small, { name: 'up', size: [5, 6], mode: 'linear', coordinateTransform: 'half_pixel' });
    const cubic = g.resize(small, { name: 'cubic', scale: [2.5, 2], mode: 'cubic', coordinateTransform: 'align_corners' });
    // cubic: floor(2·2.5) × floor(3·2) = 5 × 6, like x
    g.output(g.concat([x, up, cubic], 'cat'), 'y');
    const graph = g.build();
    const input = new Rng(50).array(4 * 5 * 6);
    const ref = runGraphRef(graph, new Map(), new Map([['x', input]])).get('y')!;
    const compiled = await compile(await testContext(), graph, new Map());
    try {
      const ours = (await compiled.run(input)).float('y');
      let worst = 0;
      for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(ours[k]! - ref[k]!));
      console.log(`[resize in a graph] max |d| ${worst.toExponential(2)}`);
      expect(worst).toBeLessThanOrEqual(5e-7);
    } finally {
      compiled.dispose();
    }
  });
});

describe('refusals', () => {
  it('the importer names the node and the problem', () => {
    const refuse = (bytes: Uint8Array, type: new (...args: never[]) => Error, message: RegExp) => {
      expect(() => parseOnnx(bytes)).toThrow(type);
      expect(() => parseOnnx(bytes)).toThrow(message);
    };
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'linear' }, { scales: [1, 2, 2, 2] }), UnsupportedOnnxError, /node "resize" \(Resize\): Resize of axis 1 \(C\) is not supported: scales \[1, 2, 2, 2\]/);
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'nearest' }, { sizes: [2, 2, 8, 8] }), UnsupportedOnnxError, /axis 0 \(N\)/);
    refuse(
      resizeModel(13, [1, 2, 4, 4], { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, { roi: [0, 0.5, 0, 0, 1, 1, 1, 1], sizes: [1, 2, 3, 3] }),
      UnsupportedOnnxError,
      /axis 1 \(C\).*roi \[0, 0.5/,
    );
    refuse(
      resizeModel(13, [1, 2, 4, 4], { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'ceil' }, { scales: [1, 1, 2, 2] }),
      UnsupportedOnnxError,
      /axis 1 \(C\) is not supported/,
    );
    refuse(resizeModel(13, [3, 4], { mode: 'linear' }, { scales: [1, 2] }), UnsupportedOnnxError, /only Resize of \[N, C, H, W\] is supported, the input is \[3, 4\]/);
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'area' }, { scales: [1, 1, 2, 2] }), UnsupportedOnnxError, /mode "area" is not supported/);
    refuse(resizeModel(18, [1, 2, 4, 4], { mode: 'linear', antialias: 1 }, { scales: [1, 1, 0.5, 0.5] }), UnsupportedOnnxError, /antialias/);
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'linear' }, { scales: [1, 1, 2, 2], sizes: [1, 2, 8, 8] }), OnnxFormatError, /exactly one of scales and sizes/);
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'linear' }, { scales: [1, 1, 2] }), OnnxFormatError, /scales \[1, 1, 2\] must have one value per input axis/);
    refuse(resizeModel(13, [1, 2, 4, 4], { mode: 'linear' }, { scales: [1, 1, 0.1, 2] }), GraphError, /node "resize": scale \[0.1.*makes the 4×4 input 0×8/);
  });

  it('the builder names the node and the option', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 3, 8, 8]);
    expect(() => g.resize(x, { name: 'r1' })).toThrow(/node "r1": give exactly one of size and scale/);
    expect(() => g.resize(x, { name: 'r2', size: [0, 4] })).toThrow(/size must be positive integers/);
    expect(() => g.resize(x, { name: 'r3', scale: Number.NaN })).toThrow(/scale must be finite and > 0/);
    expect(() => g.resize(x, { name: 'r4', scale: 2, mode: 'area' as never })).toThrow(/mode must be one of nearest, linear, cubic, got "area"/);
    expect(() => g.resize(x, { name: 'r5', scale: 2, roi: [0, 0, 1, 1] })).toThrow(/roi is used only by coordinateTransform 'tf_crop_and_resize'/);
    expect(() => g.resize(g.input('v', [1, 8]), { name: 'r6', scale: 2 })).toThrow(GraphError);
  });
});
