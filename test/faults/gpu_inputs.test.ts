/**
 * GPUBuffer inputs are checked, not trusted: a buffer the model cannot copy
 * from is an InputError naming the input, never a run that resolves with
 * the previous request's output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { compile, type CompiledModel } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { TENSOR_USAGE, createTensorBuffer } from '../../src/gpu/buffers.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

function graphOf(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 2, 6, 6]);
  g.output(g.linear(g.flatten(g.relu(g.conv2d(x, { name: 'conv', outChannels: 4, kernel: 3 }))), { name: 'fc', outFeatures: 5 }), 'y');
  return g.build();
}

describe('GPUBuffer inputs', () => {
  const graph = graphOf();
  const rng = new Rng(1102);
  let ctx: GpuContext;
  let weights: WeightMap;
  let model: CompiledModel;
  const elements = 2 * 6 * 6;
  const reference = (x: Float32Array) => runGraphRef(graph, weights, new Map([['x', x]])).get('y')!;

  beforeAll(async () => {
    ctx = await testContext();
    weights = randomWeights(graph, rng);
    model = await compile(ctx, graph, weights);
  });
  afterAll(() => model.dispose());

  /** Runs a good input first, so a bad run that "succeeded" would hand back this output. */
  async function primeWithGoodRun(): Promise<void> {
    const good = rng.array(elements);
    const buffer = createTensorBuffer(ctx.device, good, 'good input');
    expect(relativeL2((await model.run(buffer)).float('y'), reference(good))).toBeLessThanOrEqual(F32_TOLERANCE);
    buffer.destroy();
  }

  it('a valid GPUBuffer input gives the reference output', async () => {
    await primeWithGoodRun();
  });

  it('a buffer without COPY_SRC is an InputError that says so', async () => {
    await primeWithGoodRun();
    const buffer = ctx.device.createBuffer({ size: elements * 4, usage: GPUBufferUsage.STORAGE });
    await expect(model.run(buffer)).rejects.toThrow(InputError);
    await expect(model.run(buffer)).rejects.toThrow(/input "x": .*COPY_SRC/);
    buffer.destroy();
  });

  it('a mapped buffer is an InputError that says to unmap it', async () => {
    await primeWithGoodRun();
    const buffer = ctx.device.createBuffer({ size: elements * 4, usage: TENSOR_USAGE, mappedAtCreation: true });
    await expect(model.run(buffer)).rejects.toThrow(/input "x": the GPU buffer is mapped: unmap it/);
    buffer.unmap();
    buffer.destroy();
  });

  it('a destroyed buffer is an InputError, not the previous output', async () => {
    await primeWithGoodRun();
    const buffer = createTensorBuffer(ctx.device, rng.array(elements), 'destroyed input');
    buffer.destroy();
    const error = await model.run(buffer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe('x');
    expect((error as Error).message).toMatch(/could not be read .*destroyed/);
  });

  it('a buffer from another device is an InputError, not the previous output', async () => {
    await primeWithGoodRun();
    const other = await createNodeGpuContext();
    const buffer = createTensorBuffer(other.device, rng.array(elements), 'foreign input');
    await expect(model.run(buffer)).rejects.toThrow(/input "x": the GPU buffer could not be read/);
    buffer.destroy();
    other.device.destroy();
  });

  it('after every refused buffer the model still answers correctly', async () => {
    const x = rng.array(elements);
    expect(relativeL2((await model.run(x)).float('y'), reference(x))).toBeLessThanOrEqual(F32_TOLERANCE);
  });

  it('a plain array is an InputError naming the fix, not "missing"', async () => {
    await expect(model.predict([1, 2, 3] as unknown as Float32Array)).rejects.toThrow(/input "x": expected a Float32Array or GPUBuffer, got an Array of 3: wrap the values as new Float32Array/);
    await expect(model.run(new Float64Array(elements) as unknown as Float32Array)).rejects.toThrow(/got Float64Array/);
  });
});
