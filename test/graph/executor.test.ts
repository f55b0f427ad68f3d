/**
 * The executor against the float64 interpreter of the same IR: random
 * chains, residual blocks, concat branches and squeeze-and-excitation blocks,
 * every conv strategy, fused and unfused. Relative L2 ≤ 1e-4.
 */
import { describe, expect, it } from 'vitest';
import { AbortError, BindingLimitError, DeviceLostError, DisposedError, GraphError, InputError, WeightError } from '../../src/errors.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import type { GpuContext } from '../../src/gpu/device.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { testContext } from '../helpers/gpu.js';
import { GRAPH_KINDS, randomGraph, randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';
import { expectMatchesReference } from '../helpers/graph_check.js';


describe('executor vs float64 interpreter on random graphs', () => {
  const rng = new Rng(2024);
  for (const kind of GRAPH_KINDS) {
    for (let i = 0; i < 8; i++) {
      const seed = rng.int(1, 1 << 30);
      const strategy = rng.pick(['auto', 'auto', 'direct', 'im2col'] as const);
      const fuse = rng.bool(0.8);
      it(`${kind} #${i} seed=${seed} strategy=${strategy}${fuse ? '' : ' unfused'}`, async () => {
        await expectMatchesReference(randomGraph(new Rng(seed), kind), seed + 1, { strategy, fuse });
      });
    }
  }
});

function tinyGraph(): Graph {
  const g = new GraphBuilder();
  let x = g.input('x', [2, 3, 9, 9]);
  x = g.conv2d(x, { name: 'conv1', outChannels: 8, kernel: 3, pad: 1, bias: false });
  x = g.batchNorm(x, { name: 'bn1' });
  x = g.relu(x);
  const y = g.conv2d(x, { name: 'conv2', outChannels: 8, kernel: 3, pad: 1 });
  x = g.relu(g.add(y, x, 'add'));
  x = g.globalAvgPool(x);
  g.output(g.linear(g.flatten(x), { name: 'fc', outFeatures: 5 }), 'logits');
  return g.build();
}

describe('adaptive average pooling (AlexNet / VGG heads)', () => {
  const rng = new Rng(31);
  for (const [h, w, oh, ow] of [[13, 13, 6, 6], [2, 3, 7, 7], [9, 5, 4, 2], [7, 7, 7, 7], [5, 6, 1, 1], [1, 1, 6, 6]] as const) {
    it(`${h}×${w} → ${oh}×${ow}`, async () => {
      const g = new GraphBuilder();
      const x = g.input('x', [2, 5, h, w]);
      g.output(g.adaptiveAvgPool(g.conv2d(x, { name: 'conv', outChannels: 6, kernel: 1 }), [oh, ow]), 'y');
      await expectMatchesReference(g.build(), rng.int(1, 1000));
    });
  }
});

describe('executor behaviour', () => {
  it('fuses BN, residual add and activations into the convs', async () => {
    const graph = tinyGraph();
    const model = await compile(await testContext(), graph, randomWeights(graph, new Rng(1)));
    const info = model.info;
    expect(info.nodes.map((n) => n.sources.join('+'))).toEqual(['conv1+bn1+relu_1', 'conv2+add+relu_2', 'globalavgpool_1', 'flatten_1', 'fc']);
    expect(info.plannedBytes).toBeLessThanOrEqual(info.naiveBytes);
    model.dispose();
  });

  it('two runs in flight with different inputs return their own outputs', async () => {
    const graph = tinyGraph();
    const rng = new Rng(3);
    const weights = randomWeights(graph, rng);
    const model = await compile(await testContext(), graph, weights);
    const a = rng.array(2 * 3 * 9 * 9);
    const b = rng.array(2 * 3 * 9 * 9);
    const [ra, rb] = await Promise.all([model.run(a), model.run(b)]);
    expect(relativeL2(ra.float('logits'), runGraphRef(graph, weights, new Map([['x', a]])).get('logits')!)).toBeLessThanOrEqual(F32_TOLERANCE);
    expect(relativeL2(rb.float('logits'), runGraphRef(graph, weights, new Map([['x', b]])).get('logits')!)).toBeLessThanOrEqual(F32_TOLERANCE);
    model.dispose();
  });

  it('accepts a GPUBuffer input and can leave outputs on the GPU', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    const rng = new Rng(4);
    const weights = randomWeights(graph, rng);
    const model = await compile(ctx, graph, weights);
    const x = rng.array(2 * 3 * 9 * 9);
    const buffer = ctx.device.createBuffer({ size: x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    ctx.device.queue.writeBuffer(buffer, 0, x.buffer, x.byteOffset, x.byteLength);
    const { gpuOutputs } = await model.run(buffer, { keepOnGpu: true });
    const { readTensor } = await import('../../src/gpu/buffers.js');
    const logits = await readTensor(ctx.device, gpuOutputs.logits!, 10);
    expect(relativeL2(logits, runGraphRef(graph, weights, new Map([['x', x]])).get('logits')!)).toBeLessThanOrEqual(F32_TOLERANCE);
    gpuOutputs.logits!.destroy();
    buffer.destroy();
    model.dispose();
  });

  it('profiles each node with GPU timestamps, or says why not', async () => {
    const graph = tinyGraph();
    // conv1 reads the NCHW input as given; without that, the input's permute is a step of its own
    for (const readNchwInputs of [true, false]) {
      const model = await compile(await testContext(), graph, randomWeights(graph, new Rng(5)), { readNchwInputs });
      const { profile } = await model.run(new Rng(6).array(2 * 3 * 9 * 9), { profile: true });
      if (profile!.available) {
        expect(profile!.nodes.map((n) => n.name)).toEqual([...(readNchwInputs ? [] : ['input:x']), 'conv1', 'conv2', 'globalavgpool_1', 'fc']);
        for (const n of profile!.nodes) expect(n.milliseconds).toBeGreaterThanOrEqual(0);
      } else {
        expect(profile!.reason).toMatch(/timestamp/);
      }
      model.dispose();
    }
  });

  it('wrong input shape or type, unknown output, use after dispose: typed errors', async () => {
    const graph = tinyGraph();
    const model = await compile(await testContext(), graph, randomWeights(graph, new Rng(7)));
    await expect(model.run(new Float32Array(10))).rejects.toThrow(InputError);
    await expect(model.run(new Float32Array(10))).rejects.toThrow(/expected 486 floats for shape \[2, 3, 9, 9\]/);
    await expect(model.run(new Float64Array(486) as unknown as Float32Array)).rejects.toThrow(/Float64Array/);
    await expect(model.run({ y: new Float32Array(486) })).rejects.toThrow(/input "x": missing/);
    await expect(model.run(new Float32Array(486), { outputs: ['nope'] })).rejects.toThrow(/no such output/);
    model.dispose();
    await expect(model.run(new Float32Array(486))).rejects.toThrow(DisposedError);
  });

  it('missing, unexpected and mis-shaped weights are listed together', async () => {
    const graph = tinyGraph();
    const weights = randomWeights(graph, new Rng(8));
    weights.delete('conv1.weight');
    weights.set('fc.bias', new Float32Array(3));
    weights.set('extra.weight', new Float32Array(1));
    await expect(compile(await testContext(), graph, weights)).rejects.toThrow(WeightError);
    await expect(compile(await testContext(), graph, weights)).rejects.toThrow(/missing conv1\.weight; unexpected extra\.weight; wrong size fc\.bias/);
  });

  it('shape mismatches at add and concat name the node', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 4, 8, 8]);
    const y = g.conv2d(x, { name: 'c', outChannels: 4, kernel: 3 });
    expect(() => g.add(x, y, 'the_add')).toThrow(GraphError);
    expect(() => g.add(x, y, 'the_add2')).toThrow(/node "the_add2": shape mismatch/);
    expect(() => g.concat([x, y], 'the_concat')).toThrow(/node "the_concat": shape mismatch/);
  });

  it('device loss rejects runs with a typed error; rebuild() on a new device works again', async () => {
    const graph = tinyGraph();
    const rng = new Rng(9);
    const weights = randomWeights(graph, rng);
    const x = rng.array(2 * 3 * 9 * 9);
    const expected = runGraphRef(graph, weights, new Map([['x', x]])).get('logits')!;
    const first = await createNodeGpuContext();
    const model = await compile(first, graph, weights);
    expect(relativeL2((await model.run(x)).float('logits'), expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    first.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    await expect(model.run(x)).rejects.toThrow(DeviceLostError);
    const second = await createNodeGpuContext();
    await model.rebuild(second);
    expect(relativeL2((await model.run(x)).float('logits'), expected)).toBeLessThanOrEqual(F32_TOLERANCE);
    model.dispose();
    second.device.destroy();
  });

  it('a tensor larger than one storage binding is an error naming it, never truncated', async () => {
    const ctx = await testContext();
    const graph = tinyGraph();
    // the same device, described with a 1 KiB binding limit
    const limits = { minStorageBufferOffsetAlignment: 256, maxStorageBufferBindingSize: 1024, maxBufferSize: 1 << 30 } as GPUSupportedLimits;
    const small: GpuContext = { ...ctx, limits };
    await expect(compile(small, graph, randomWeights(graph, new Rng(10)))).rejects.toThrow(BindingLimitError);
    await expect(compile(small, graph, randomWeights(graph, new Rng(10)))).rejects.toThrow(/needs \d+ bytes in one storage binding, but this device allows 1024/);
    // named by its layer, never "tensor 1"
    const error = (await compile(small, graph, randomWeights(graph, new Rng(10))).catch((e: unknown) => e)) as BindingLimitError;
    expect(error.what).toMatch(/^(graph input "x"|output of layer "[\w+]+")$/);
    expect(error.message).not.toMatch(/tensor \d/);
  });

  it('a linear weight larger than one binding (default 128 MiB limit) is split into column blocks and agrees', async () => {
    const ctx = await createNodeGpuContext({ limits: 'default' });
    expect(ctx.limits.maxStorageBufferBindingSize).toBe(128 * 1024 * 1024);
    const [inF, outF] = [8192, 4200]; // 137.6 MB of weights
    const g = new GraphBuilder();
    const x = g.input('x', [2, inF]);
    g.output(g.linear(x, { name: 'fc', outFeatures: outF }), 'y');
    const graph = g.build();
    const rng = new Rng(13);
    const weights = new Map([['fc.weight', rng.array(inF * outF, -0.02, 0.02)], ['fc.bias', rng.array(outF)]]);
    const input = rng.array(2 * inF);
    // one compute unit: no split-K, so the dispatches are the two column blocks' GEMMs
    const model = await compile(ctx, graph, weights, { computeUnits: 1 });
    expect(model.info.dispatches).toBe(2);
    const got = (await model.run(input)).float('y');
    expect(relativeL2(got, runGraphRef(graph, weights, new Map([['x', input]])).get('y')!)).toBeLessThanOrEqual(F32_TOLERANCE);
    model.dispose();
    ctx.device.destroy();
  });

  it('compile honours an AbortSignal', async () => {
    const graph = tinyGraph();
    const controller = new AbortController();
    controller.abort();
    await expect(compile(await testContext(), graph, randomWeights(graph, new Rng(11)), { signal: controller.signal })).rejects.toThrow(AbortError);
  });

  it('a forced strategy that cannot serve a layer falls back to auto and says so', async () => {
    const graph = tinyGraph();
    const model = await compile(await testContext(), graph, randomWeights(graph, new Rng(12)), { strategy: 'pointwise' });
    expect(model.info.notices.join('\n')).toMatch(/conv1: pointwise needs a plain 1×1 conv.*using direct \(auto\)/);
    model.dispose();
  });
});
