/**
 * rebuild() while runs are in flight: every run either resolves with its own
 * input's correct output or rejects with a typed error; no buffer of the old
 * device ever serves a run on the new one.
 */
import { describe, expect, it } from 'vitest';
import { DisposedError, WebGpuCnnError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { faultyContext } from '../helpers/faulty_device.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

describe('rebuild with runs in flight', () => {
  it('24 runs before, during and after two rebuilds each return their own answer or a typed error', async () => {
    const g = new GraphBuilder();
    const input = g.input('x', [1, 3, 8, 8]);
    g.output(g.linear(g.flatten(g.relu(g.conv2d(input, { name: 'conv', outChannels: 4, kernel: 3 }))), { name: 'fc', outFeatures: 6 }), 'y');
    const graph = g.build();
    const rng = new Rng(1103);
    const weights = randomWeights(graph, rng);
    const inputs = Array.from({ length: 24 }, () => rng.array(3 * 8 * 8));
    const expected = inputs.map((x) => runGraphRef(graph, weights, new Map([['x', x]])).get('y')!);

    const first = await createNodeGpuContext();
    const model = await compile(first, graph, weights);
    const outcomes: Promise<'ok' | 'typed'>[] = [];
    const launch = (i: number) =>
      outcomes.push(
        model.run(inputs[i]!).then(
          (r) => {
            expect(relativeL2(r.float('y'), expected[i]!), `run ${i} returned another input's output`).toBeLessThanOrEqual(F32_TOLERANCE);
            return 'ok' as const;
          },
          (e: unknown) => {
            expect(e, `run ${i} failed untyped: ${String(e)}`).toBeInstanceOf(WebGpuCnnError);
            return 'typed' as const;
          },
        ),
      );
    for (let i = 0; i < 8; i++) launch(i);
    const second = await createNodeGpuContext();
    const rebuilt = model.rebuild(second);
    for (let i = 8; i < 16; i++) launch(i);
    await rebuilt;
    const third = await createNodeGpuContext();
    for (let i = 16; i < 20; i++) launch(i);
    await model.rebuild(third);
    for (let i = 20; i < 24; i++) launch(i);
    const results = await Promise.all(outcomes);
    // runs started after a rebuild began wait for it and must all succeed
    expect(results.slice(8, 16).every((r) => r === 'ok')).toBe(true);
    expect(results.slice(20).every((r) => r === 'ok')).toBe(true);
    console.log(`rebuild race: ${results.filter((r) => r === 'ok').length} of 24 runs correct, ${results.filter((r) => r === 'typed').length} typed errors`);
    // later runs on the rebuilt model are all right
    for (let i = 0; i < 24; i++) expect(relativeL2((await model.run(inputs[i]!)).float('y'), expected[i]!)).toBeLessThanOrEqual(F32_TOLERANCE);
    model.dispose();
    await expect(model.run(inputs[0]!)).rejects.toThrow(DisposedError);
    for (const ctx of [first, second, third]) ctx.device.destroy();
  });

  it('dispose() while rebuild() works: the rebuild rejects with DisposedError and every buffer it made is freed', async () => {
    const g = new GraphBuilder();
    const input = g.input('x', [1, 3, 8, 8]);
    g.output(g.linear(g.flatten(g.relu(g.conv2d(input, { name: 'conv', outChannels: 4, kernel: 3 }))), { name: 'fc', outFeatures: 6 }), 'y');
    const graph = g.build();
    const weights = randomWeights(graph, new Rng(1109));
    const first = await createNodeGpuContext();
    const second = faultyContext(await createNodeGpuContext());
    (await compile(second.ctx, graph, weights)).dispose(); // the device's shared placeholder binding, made once
    const baseline = second.liveBuffers();
    const model = await compile(first, graph, weights);
    const rebuilt = model.rebuild(second.ctx);
    model.dispose();
    await expect(rebuilt).rejects.toThrow(DisposedError);
    expect(second.liveBuffers(), 'buffers the rebuild made on the new device').toBe(baseline);
    await expect(model.run(new Float32Array(3 * 8 * 8))).rejects.toThrow(DisposedError);
    first.device.destroy();
    second.ctx.device.destroy();
  });
});
