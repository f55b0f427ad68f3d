/**
 * Pre-encoded runs (compile option `preEncode`, on by default): a run
 * submits a command buffer encoded after the previous run's submit. Every
 * run must still return its own input's outputs (against the float64
 * interpreter) — in a steady stream, concurrently, between runs with other
 * options, across rebuild and dispose — and a fault of the encoding ahead,
 * a submit or the device must reach the run as a typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceLostError, GpuValidationError, WebGpuCnnError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile, type CompiledModel, type RunOptions } from '../../src/graph/executor.js';
import type { Graph, WeightMap } from '../../src/graph/ir.js';
import { readTensor } from '../../src/gpu/buffers.js';
import { MAX_RUN_SHAPES } from '../../src/graph/run_path.js';
import { SLOTS_PER_SHAPE } from '../../src/graph/run_slots.js';
import { createNodeGpuContext } from '../../src/gpu/node_gpu.js';
import { faultyContext, type FaultyContext } from '../helpers/faulty_device.js';
import { testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { assertInformativeReference, randomGraph, randomInputs, randomWeights } from '../helpers/random_graph.js';
import { runGraphRef } from '../reference/graph.js';

/** Two outputs of different sizes, so output subsets change the readback. */
function twoHeads(): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 3, 9, 9]);
  const h = g.relu(g.conv2d(x, { name: 'conv', outChannels: 5, kernel: 3, pad: 1 }));
  g.output(g.linear(g.flatten(g.maxPool(h, { kernel: 2, stride: 2 })), { name: 'fc', outFeatures: 7 }), 'logits');
  g.output(g.conv2d(h, { name: 'proj', outChannels: 4, kernel: 1 }), 'map');
  return g.build();
}

const NAMES = ['logits', 'map'] as const;
/** The largest relative L2 error any run here measured, for the log. */
let worst = 0;

function expectClose(actual: Float32Array, expected: Float64Array, what: string): void {
  const error = relativeL2(actual, expected);
  worst = Math.max(worst, error);
  expect(error, what).toBeLessThanOrEqual(F32_TOLERANCE);
}

describe('pre-encoded runs', () => {
  let faulty: FaultyContext;
  const graph = twoHeads();
  let weights: WeightMap;
  let inputs: Float32Array[];
  let expected: Map<string, Float64Array>[];

  beforeAll(async () => {
    faulty = faultyContext(await testContext());
    const rng = new Rng(1407);
    weights = randomWeights(graph, rng);
    inputs = Array.from({ length: 8 }, () => rng.array(2 * 3 * 9 * 9));
    expected = inputs.map((x) => runGraphRef(graph, weights, new Map([['x', x]])));
  });
  afterAll(() => console.log(`[pre-encoded runs] worst relative L2 error ${worst.toExponential(2)} (tolerance ${F32_TOLERANCE})`));

  const check = (result: { float(name: string): Float32Array }, i: number, names: readonly string[] = NAMES, what = `input ${i}`) => {
    for (const name of names) expectClose(result.float(name), expected[i]!.get(name)!, `${what}: ${name}`);
  };

  it('a steady stream of a random residual graph submits buffers encoded ahead and matches the reference and fresh-encoded runs bit for bit', async () => {
    const rng = new Rng(14061);
    const random = randomGraph(rng, 'residual');
    const w = randomWeights(random, rng);
    const xs = Array.from({ length: 6 }, () => randomInputs(random, rng));
    const name = random.outputs[0]!.name;
    const ahead = await compile(faulty.ctx, random, w, { deviceClass: 'gpu' });
    const fresh = await compile(faulty.ctx, random, w, { deviceClass: 'gpu', preEncode: false });
    try {
      for (const [i, x] of xs.entries()) {
        const encodersBefore = faulty.encoders();
        const running = ahead.run(Object.fromEntries(x));
        // from the second run on, run() submits what the previous run left encoded
        if (i > 0) expect(faulty.encoders(), `run ${i} encoded before its submit`).toBe(encodersBefore);
        const got = (await running).float(name);
        expect(faulty.encoders(), `run ${i} left its successor encoded`).toBe(encodersBefore + (i > 0 ? 1 : 2));
        const want = runGraphRef(random, w, x);
        assertInformativeReference(want, `residual seed ${rng.seed}, run ${i}`);
        expectClose(got, want.get(name)!, `run ${i}`);
        const freshBefore = faulty.encoders();
        const reference = fresh.run(Object.fromEntries(x));
        expect(faulty.encoders(), 'preEncode: false encodes in the run').toBe(freshBefore + 1);
        expect(Array.from(got)).toEqual(Array.from((await reference).float(name)));
      }
    } finally {
      ahead.dispose();
      fresh.dispose();
    }
  });

  it('concurrent runs (more than the slots) each get their own outputs, twice over', async () => {
    const model = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu' });
    try {
      await model.run(inputs[0]!);
      for (let round = 0; round < 2; round++) {
        const order = round === 0 ? [0, 1, 2, 3, 4, 5, 6, 7] : [7, 5, 3, 1, 6, 4, 2, 0];
        const results = await Promise.all(order.map((i) => model.run(inputs[i]!)));
        results.forEach((r, k) => check(r, order[k]!, NAMES, `round ${round}, input ${order[k]}`));
      }
    } finally {
      model.dispose();
    }
  });

  it('runs with other options between default runs: output subsets, checkFinite, profile and keepOnGpu stay right, and kept slots stay bounded', async () => {
    const sequence: RunOptions[] = [{}, { outputs: ['map'] }, {}, { checkFinite: true }, { outputs: ['logits'] }, {}, { profile: true }, { keepOnGpu: true }, { outputs: ['map', 'logits'] }, {}];
    // what the finite check and a pooled readback hold, measured on a model that never encodes ahead
    const probe = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu', preEncode: false });
    const probeBefore = faulty.liveBuffers();
    await probe.run(inputs[0]!, { checkFinite: true });
    const finiteAndReadback = faulty.liveBuffers() - probeBefore;
    probe.dispose();
    const model = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu' });
    const compiled = faulty.liveBuffers();
    try {
      for (let cycle = 0; cycle < 3; cycle++) {
        for (const [k, options] of sequence.entries()) {
          const i = (cycle * sequence.length + k) % inputs.length;
          const what = `cycle ${cycle}, ${JSON.stringify(options)}`;
          const result = await model.run(inputs[i]!, options);
          if (options.keepOnGpu) {
            for (const name of NAMES) {
              const buffer = result.gpuOutputs[name]!;
              expectClose(await readTensor(faulty.ctx.device, buffer, expected[i]!.get(name)!.length), expected[i]!.get(name)!, `${what}: ${name}`);
              buffer.destroy();
            }
            continue;
          }
          const names = options.outputs ?? NAMES;
          check(result, i, names, what);
          expect(Object.keys(result.outputs).sort()).toEqual([...names].sort());
          if (options.checkFinite) expect(result.finite!.every((c) => c.nan + c.posInf + c.negInf === 0)).toBe(true);
          if (options.profile) expect(result.profile).toBeDefined();
        }
        // five run shapes went by; only the last MAX_RUN_SHAPES keep slots (plus the profile run's pooled readback)
        const held = faulty.liveBuffers() - compiled;
        expect(held, `buffers held after cycle ${cycle}`).toBeLessThanOrEqual(finiteAndReadback + 1 + MAX_RUN_SHAPES * SLOTS_PER_SHAPE);
      }
    } finally {
      model.dispose();
    }
  });

  it('rebuild between runs (and with runs in flight) never submits a command buffer of the old build; dispose frees every slot', async () => {
    const baseline = faulty.liveBuffers();
    const model = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu' });
    check(await model.run(inputs[0]!), 0);
    check(await model.run(inputs[1]!), 1);
    // a buffer encoded ahead names the old build's arenas: submitting it now would fail validation or read freed memory
    await model.rebuild(faulty.ctx);
    check(await model.run(inputs[2]!), 2);
    check(await model.run(inputs[3]!), 3);
    const inFlight = [4, 5, 6].map((i) => model.run(inputs[i]!).then((r) => (check(r, i), 'ok'), (e: unknown) => (expect(e).toBeInstanceOf(WebGpuCnnError), 'typed')));
    await model.rebuild(faulty.ctx);
    await Promise.all(inFlight);
    check(await model.run(inputs[7]!), 7);
    check(await model.run(inputs[0]!), 0);
    // disposed between a run's submit and its encoding ahead: nothing is encoded, nothing stays
    const last = model.run(inputs[1]!).then(() => 'ok', (e: unknown) => (expect(e).toBeInstanceOf(WebGpuCnnError), 'typed'));
    model.dispose();
    await last;
    expect(faulty.liveBuffers()).toBe(baseline);
  });

  it('a validation error raised while encoding ahead fails the run that submits that buffer, naming the cause; the next run is right', async () => {
    const model = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu' });
    try {
      check(await model.run(inputs[0]!), 0);
      // run 1 submits the buffer encoded after run 0; the one encoded after run 1 is faulty
      faulty.plan = { encoder: () => 'validation' };
      check(await model.run(inputs[1]!), 1);
      faulty.plan = {};
      const error = await model.run(inputs[2]!).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GpuValidationError);
      // the encoding's own error (the open debug group), not only the submit's "invalid command buffer"
      expect((error as Error).message).toMatch(/PopDebugGroup/);
      check(await model.run(inputs[3]!), 3);
      check(await model.run(inputs[4]!), 4);
    } finally {
      faulty.plan = {};
      model.dispose();
    }
  });

  it('a submit WebGPU rejects fails that pre-encoded run only', async () => {
    const model = await compile(faulty.ctx, graph, weights, { deviceClass: 'gpu' });
    try {
      check(await model.run(inputs[0]!), 0);
      faulty.plan = { submit: () => 'validation' };
      await expect(model.run(inputs[1]!)).rejects.toBeInstanceOf(GpuValidationError);
      faulty.plan = {};
      check(await model.run(inputs[2]!), 2);
      check(await model.run(inputs[3]!), 3);
    } finally {
      faulty.plan = {};
      model.dispose();
    }
  });

  it('device loss with buffers encoded ahead rejects runs with DeviceLostError, not a hang; rebuild on a new device is right', async () => {
    const first = await createNodeGpuContext();
    const model: CompiledModel = await compile(first, graph, weights, { deviceClass: 'gpu' });
    const hang = (ms: number) => new Promise<string>((resolve) => setTimeout(() => resolve('hang'), ms));
    try {
      check(await model.run(inputs[0]!), 0);
      check(await model.run(inputs[1]!), 1);
      const inFlight = [2, 3].map((i) => model.run(inputs[i]!).then((r) => (check(r, i), 'ok'), (e: unknown) => (expect(e).toBeInstanceOf(WebGpuCnnError), 'typed')));
      first.device.destroy();
      expect(await Promise.race([Promise.all(inFlight).then(() => 'settled'), hang(20_000)])).toBe('settled');
      await new Promise((r) => setTimeout(r, 50));
      const after = await Promise.race([model.run(inputs[4]!).catch((e: unknown) => e), hang(20_000)]);
      expect(after).toBeInstanceOf(DeviceLostError);
      const second = await createNodeGpuContext();
      try {
        await model.rebuild(second);
        for (const i of [5, 6, 7]) check(await model.run(inputs[i]!), i);
      } finally {
        model.dispose();
        second.device.destroy();
      }
    } finally {
      model.dispose();
    }
  });
});
