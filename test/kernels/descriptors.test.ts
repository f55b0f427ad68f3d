/**
 * Walks every kernel's TS face and checks each DispatchSpec it produces
 * against what its shader declares (via wgsl_reflect): binding names, every
 * uniform field, only declared overrides, a workgroup within WebGPU's default
 * limits. And every shader file under shaders/ must be reached by the walk, so
 * a new kernel cannot go unchecked. No GPU needed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reflectShader, resolveWorkgroupSize } from '../../src/gpu/shader.js';
import { copyChannels } from '../../src/kernels/concat.js';
import { CONV_STRATEGIES } from '../../src/kernels/conv2d.js';
import { conv2dShape, fullSlice } from '../../src/kernels/conv2d_shape.js';
import { CONV_TRANSPOSE_STRATEGIES, convTranspose2d, convTranspose2dShape } from '../../src/kernels/conv_transpose2d.js';
import { validateSpec, type DispatchSpec } from '../../src/kernels/dispatch.js';
import { activation, elementwiseBinary } from '../../src/kernels/elementwise.js';
import { clearCounts, countNonFinite } from '../../src/kernels/finite_count.js';
import { GEMM_TILE_NAMES, gemm } from '../../src/kernels/gemm.js';
import { gemv } from '../../src/kernels/gemv.js';
import { gemmDispatches } from '../../src/kernels/split_k.js';
import { globalAvgPool } from '../../src/kernels/global_avg_pool.js';
import { adaptiveAvgPool } from '../../src/kernels/adaptive_avg_pool.js';
import { permute4d } from '../../src/kernels/layout_transform.js';
import { imageToTensor } from '../../src/kernels/image_to_tensor.js';
import { depthSpace } from '../../src/kernels/depth_space.js';
import { instanceNorm } from '../../src/kernels/instance_norm.js';
import { lrn } from '../../src/kernels/lrn.js';
import { pool2d } from '../../src/kernels/pool2d.js';
import { softmax } from '../../src/kernels/softmax.js';
import { pad2d } from '../../src/kernels/pad2d.js';
import { argReduce } from '../../src/kernels/arg_reduce.js';
import { topK } from '../../src/kernels/top_k.js';
import { resize2d } from '../../src/kernels/resize.js';
import { slice4d } from '../../src/kernels/slice4d.js';
import { stridedCopy } from '../../src/kernels/strided.js';
import { reduce, REDUCE_OPS } from '../../src/kernels/reduce.js';
import { gather } from '../../src/kernels/gather.js';
import { matmulBatched } from '../../src/kernels/matmul_batched.js';
import { elementwiseBinaryStrided } from '../../src/kernels/elementwise.js';
import { conv3d, conv3dShape } from '../../src/kernels/conv3d.js';
import { convTranspose3d as convTranspose3dDispatch, convTranspose3dShape } from '../../src/kernels/conv_transpose3d.js';
import { pool3d, pool3dShape } from '../../src/kernels/pool3d.js';
import { augmentBatchDispatch } from '../../src/kernels/augment.js';
import { denseBackwardInput, denseBackwardParams, denseForward } from '../../src/kernels/train_dense.js';
import { softmaxCrossEntropy } from '../../src/kernels/train_loss.js';
import { adamStep, sgdStep } from '../../src/kernels/train_optimizer.js';
import { gatherBatch } from '../../src/kernels/train_batch.js';

const fake = (label: string) => ({ label }) as unknown as GPUBuffer;
const [x, y, w, b, r, s, u] = ['x', 'y', 'w', 'b', 'r', 's', 'u'].map(fake) as GPUBuffer[];

function allSpecs(): DispatchSpec[] {
  const specs: DispatchSpec[] = [];
  const layers = [
    conv2dShape({ batch: 2, inHeight: 9, inWidth: 7, inChannels: 6, outChannels: 10, kernelHeight: 3, kernelWidth: 3, pad: 1, groups: 2 }),
    conv2dShape({ batch: 1, inHeight: 5, inWidth: 5, inChannels: 8, outChannels: 16, kernelHeight: 1, kernelWidth: 1 }),
    conv2dShape({ batch: 1, inHeight: 5, inWidth: 5, inChannels: 8, outChannels: 8, kernelHeight: 3, kernelWidth: 3, groups: 8 }),
  ];
  for (const layer of layers) {
    for (const strategy of Object.values(CONV_STRATEGIES)) {
      if (strategy.unsupportedReason(layer)) continue;
      specs.push(...strategy.dispatches(layer, { input: x, weight: w, bias: b, residual: r, output: y, scratch: s, unused: u }, { activation: 'relu6' }, fullSlice(layer.outChannels)));
      specs.push(...strategy.dispatches(layer, { input: x, weight: w, output: y, scratch: s, unused: u }, {}, { channelStride: layer.outChannels + 3, channelOffset: 3 }));
      // a GEMM strategy on every registry tile
      if (strategy.defaultTile) {
        for (const tile of GEMM_TILE_NAMES) specs.push(...strategy.dispatches(layer, { input: x, weight: w, bias: b, output: y, scratch: s, unused: u }, { activation: 'relu' }, fullSlice(layer.outChannels), tile));
      }
    }
  }
  specs.push(gemm({ m: 5, n: 7, k: 3 }, { a: x, b: w, output: y, unused: u }));
  // a linear layer's GEMM (batch 2, 16 → 8 features)
  specs.push(gemm({ m: 2, n: 8, k: 16, ldc: 8, colOffset: 0 }, { a: x, b: w, bias: b, output: y, unused: u }, { activation: 'relu' }, undefined, 'linear'));
  for (const tile of GEMM_TILE_NAMES) specs.push(gemm({ m: 5, n: 7, k: 3, batch: 2 }, { a: x, b: w, output: y, unused: u }, {}, tile));
  // a linear layer at batch ≤ 4: the GEMV, narrow and wide column blocks
  specs.push(gemv({ m: 1, n: 4096, k: 25088 }, { x, weight: w, bias: b, output: y, unused: u }, { activation: 'relu' }, 'linear'));
  specs.push(gemv({ m: 3, n: 10, k: 7, ldc: 20, colOffset: 10 }, { x, weight: w, residual: r, output: y, unused: u }));
  // and its subgroup variant
  specs.push(gemv({ m: 2, n: 1000, k: 4096 }, { x, weight: w, bias: b, output: y, unused: u }, { activation: 'relu' }, 'linear subgroups', { subgroups: true }));
  // split-K: the sliced GEMM (both files) and its reduce
  specs.push(...gemmDispatches({ m: 5, n: 7, k: 64 }, { a: x, b: w, bias: b, output: y, partials: w, unused: u }, { activation: 'relu' }, { tile: '64x64', splitK: 2 }));
  specs.push(...gemmDispatches({ m: 5, n: 8, k: 64 }, { a: x, b: w, output: y, partials: w, unused: u }, {}, { tile: '64x64', splitK: 2 }));
  specs.push(pool2d('max', { batch: 1, inHeight: 7, inWidth: 7, channels: 3, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, ceilMode: true }, x, y));
  specs.push(pool2d('average', { batch: 1, inHeight: 7, inWidth: 7, channels: 3, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, pad: 1 }, x, y));
  specs.push(adaptiveAvgPool({ batch: 1, inHeight: 13, inWidth: 13, channels: 8, outHeight: 6, outWidth: 6 }, x, y));
  specs.push(globalAvgPool({ batch: 2, height: 7, width: 7, channels: 5 }, x, y));
  specs.push(elementwiseBinary({ op: 'mul', aShape: [1, 4, 4, 8], bShape: [1, 1, 1, 8], activation: 'sigmoid' }, x, w, y));
  specs.push(activation(100, 'silu', x, y));
  specs.push(softmax({ rows: 2, length: 1000 }, x, y));
  specs.push(lrn({ batch: 1, height: 5, width: 5, channels: 16, size: 5, k: 2 }, x, y));
  specs.push(copyChannels({ pixels: 9, channels: 4, slice: { channelStride: 12, channelOffset: 8 } }, x, y));
  // a concat's copies: each input into its channel slice
  specs.push(copyChannels({ pixels: 9, channels: 4, slice: { channelStride: 12, channelOffset: 0 } }, x, y));
  specs.push(copyChannels({ pixels: 9, channels: 8, slice: { channelStride: 12, channelOffset: 4 } }, w, y));
  // the boundary conversions: NCHW → NHWC and back
  specs.push(permute4d([1, 3, 4, 5], [0, 2, 3, 1], x, y));
  specs.push(permute4d([1, 4, 5, 3], [0, 3, 1, 2], x, y));
  specs.push(pad2d({ batch: 1, height: 4, width: 5, channels: 3, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1, value: -0.5 }, x, y));
  specs.push(pad2d({ batch: 2, height: 4, width: 5, channels: 3, padTop: 3, padLeft: -1, padBottom: 2, padRight: 4, value: 0, mode: 'reflect' }, x, y));
  specs.push(instanceNorm({ batch: 2, height: 5, width: 7, channels: 3, epsilon: 1e-5 }, { input: x, scale: w, bias: b, output: y }));
  specs.push(depthSpace({ batch: 2, height: 3, width: 4, channels: 8, block: 2, mode: 'depth_to_space_crd' }, x, y));
  specs.push(depthSpace({ batch: 2, height: 4, width: 6, channels: 3, block: 2, mode: 'space_to_depth' }, x, y));
  specs.push(slice4d([1, 4, 5, 8], [0, 1, 0, 2], [1, 4, 5, 7], [1, 2, 1, 3], x, y));
  specs.push(elementwiseBinary({ op: 'prelu', aShape: [1, 4, 4, 8], bShape: [1, 1, 1, 8], activation: 'clip', activationParams: { min: -1, max: Infinity } }, x, w, y));
  specs.push(activation(100, 'leaky_relu', x, y, 'leaky', { alpha: 0.2 }));
  specs.push(countNonFinite(1000, 2, x, y));
  specs.push(clearCounts(9, y));
  // transposed convs: both strategies, with bias + activation and into a channel slice
  const up = convTranspose2dShape({ batch: 2, inChannels: 6, inHeight: 4, inWidth: 5, outChannels: 10, kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: -1, outputPaddingH: 1, outputPaddingW: 0, groups: 1 });
  for (const strategy of CONV_TRANSPOSE_STRATEGIES) {
    specs.push(...convTranspose2d(strategy, up, { input: x, weight: w, bias: b, output: y, scratch: s, unused: u }, { activation: 'relu' }));
    specs.push(...convTranspose2d(strategy, up, { input: x, weight: w, output: y, scratch: s, unused: u }, {}, { channelStride: 13, channelOffset: 3 }));
  }
  specs.push(resize2d({ batch: 1, channels: 3, inHeight: 4, inWidth: 5, outHeight: 7, outWidth: 3, mode: 'cubic' }, { input: x, rows: w, cols: b, output: y }, { channelStride: 8, channelOffset: 2 }));
  // the strided-walk kernels: a transpose with a backwards slice, a reduction of each kind, a gather, a batched product, a broadcast binary op
  specs.push(stridedCopy([3, 4, 5], { strides: [1, -3, 12], offset: 9 }, { strides: [20, 5, 1], offset: 0 }, x, y));
  for (const op of REDUCE_OPS) specs.push(reduce({ op, keptDims: [3, 4], keptStrides: [20, 1], reducedDims: [5], reducedStrides: [4] }, x, y));
  specs.push(gather({ dims: [2, 3, 4], inStrides: [20, 4, 1], axis: 1, axisStride: 4 }, x, w, y));
  specs.push(matmulBatched({ dims: [2, 3, 4], aStrides: [15, 5, 0], bStrides: [20, 0, 1], depth: 5, aStrideK: 1, bStrideK: 4 }, x, w, y));
  specs.push(elementwiseBinaryStrided({ op: 'add', dims: [3, 4, 5], aStrides: [20, 5, 1], bStrides: [0, 0, 1], activation: 'relu' }, x, w, y));
  // the 3-D kernels over NCDHW: conv with bias + activation and without, transposed conv, both pools
  const volume = { batch: 2, inSize: [3, 4, 5] as const, kernel: [2, 3, 2] as const, stride: [1, 2, 1] as const, dilation: [1, 1, 2] as const, padBegin: [1, 0, 1] as const, padEnd: [0, 1, 1] as const };
  const v3 = conv3dShape({ ...volume, inChannels: 4, outChannels: 6, groups: 2 });
  specs.push(conv3d(v3, { input: x, weight: w, bias: b, output: y, unused: u }, { activation: 'relu' }));
  specs.push(conv3d(v3, { input: x, weight: w, output: y, unused: u }));
  specs.push(convTranspose3dDispatch(convTranspose3dShape({ ...volume, inChannels: 4, outChannels: 6, groups: 2, outputPadding: [0, 1, 0] }), { input: x, weight: w, bias: b, output: y, unused: u }, { activation: 'tanh' }));
  for (const op of ['max', 'average'] as const) specs.push(pool3d(op, pool3dShape({ ...volume, channels: 3, ceilMode: true, countIncludePad: op === 'average' }), x, y));
  specs.push(imageToTensor({ width: 30, height: 20, rowPixels: 64 }, { channels: 3, outWidth: 8, outHeight: 8, samples: 2 }, x, y));
  // argmax over the channels of an NHWC [2, 5, 3, 4], and the 2 smallest of each
  const nhwcChannels = { keptDims: [2, 3, 4], keptInStrides: [60, 20, 5], keptOutStrides: [12, 4, 1], axisDim: 5, axisStride: 1 };
  specs.push(argReduce({ ...nhwcChannels, argmin: false, selectLast: true }, x, y));
  specs.push(topK({ ...nhwcChannels, keptOutStrides: [24, 8, 2], k: 2, outAxisStride: 1, smallest: true, indices: true }, x, y));
  // training-batch augmentation: crop + resize + mirror + offsets, RGB and grayscale
  specs.push(augmentBatchDispatch({ batch: 4, channels: 3, inHeight: 40, inWidth: 30, outHeight: 24, outWidth: 24 }, { input: x, samples: w, output: y }));
  specs.push(augmentBatchDispatch({ batch: 2, channels: 1, inHeight: 28, inWidth: 28, outHeight: 32, outWidth: 32 }, { input: x, samples: w, output: y }, 'augment_batch gray'));
  // head training: a dense layer forward and backward (relu, at a parameter offset), the loss, both optimizers, the batch gather
  const dense = { rows: 5, inFeatures: 7, outFeatures: 3, paramOffset: 24, activation: 'relu' } as const;
  specs.push(denseForward(dense, { x, weights: w, y }));
  specs.push(denseBackwardParams(dense, { x, y, dy: r, grads: s }));
  specs.push(denseBackwardInput(dense, { y, dy: r, weights: w, dx: s }));
  specs.push(softmaxCrossEntropy({ rows: 5, classes: 3 }, { logits: x, labels: b, grad: y, stats: s }));
  specs.push(sgdStep({ count: 48, lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }, { weights: w, grads: s, velocity: y }));
  specs.push(adamStep({ count: 48, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, { weights: w, grads: s, m: x, v: y, stats: r }));
  specs.push(gatherBatch({ rows: 5, width: 7, start: 10 }, { features: x, labels: b, order: r, x: y, labelsOut: s }));
  return specs;
}

describe('kernel descriptors agree with their shaders', () => {
  const specs = allSpecs();

  for (const spec of specs) {
    it(`${spec.label} (${spec.shader.name})`, () => {
      expect(() => validateSpec(spec)).not.toThrow();
      const shader = reflectShader(spec.shader);
      const [sx, sy, sz] = resolveWorkgroupSize(shader, spec.constants);
      // WebGPU's default maxComputeInvocationsPerWorkgroup and per-dimension maxima
      expect(sx * sy * sz).toBeLessThanOrEqual(256);
      expect(sx).toBeLessThanOrEqual(256);
      expect(sy).toBeLessThanOrEqual(256);
      expect(sz).toBeLessThanOrEqual(64);
      // every storage variable the shader declares is bound by name, and nothing else
      const declared = [...shader.bindings.values()].filter((bd) => bd.kind !== 'uniform').map((bd) => bd.name).sort();
      expect(Object.keys(spec.bindings).sort()).toEqual(declared);
      // the epilogue overrides are set exactly when the shader has them
      for (const name of Object.keys(spec.constants)) expect(shader.overrides.has(name)).toBe(true);
    });
  }

  it('a renamed uniform or binding fails validation', () => {
    const spec = specs[0]!;
    const uniforms = { ...spec.uniforms } as Record<string, number>;
    const key = Object.keys(uniforms)[0]!;
    uniforms[`${key}Renamed`] = uniforms[key]!;
    delete uniforms[key];
    expect(() => validateSpec({ ...spec, uniforms })).toThrow(/uniform field/);
    const bindings = { ...spec.bindings } as Record<string, GPUBuffer>;
    delete bindings[Object.keys(bindings)[0]!];
    expect(() => validateSpec({ ...spec, bindings })).toThrow(/missing/);
    expect(() => validateSpec({ ...spec, constants: { ...spec.constants, NOT_AN_OVERRIDE: 1 } })).toThrow(/override/);
  });

  it('every shader file is reached by some kernel', () => {
    const root = fileURLToPath(new URL('../../shaders', import.meta.url));
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.wgsl')) files.push(relative(root, join(dir, entry.name)));
      }
    };
    walk(root);
    const kernelFiles = files.filter((f) => !f.startsWith('common/'));
    const reached = new Set(specs.map((sp) => reflectShader(sp.shader).code));
    for (const file of kernelFiles) {
      const source = readFileSync(join(root, file), 'utf8');
      const found = [...reached].some((code) => code.includes(source));
      expect(found, `shaders/${file} is not reached by any kernel descriptor`).toBe(true);
    }
  });
});
