/**
 * CompiledModel.encodeRun: one run recorded into the caller's encoder (no
 * submit, no readback), fed from a GPU buffer and copied into the caller's
 * buffer; it must give the float64 interpreter's answer, and refuse wrong
 * buffers with typed errors before it records anything.
 */
import { describe, expect, it } from 'vitest';
import { DisposedError, InputError } from '../../src/errors.js';
import { compile } from '../../src/graph/executor.js';
import { createTensorBuffer, readTensor } from '../../src/gpu/buffers.js';
import { lenet5 } from '../../src/models/lenet.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, relativeL2, Rng } from '../helpers/random.js';
import { runGraphRef } from '../reference/graph.js';

describe('CompiledModel.encodeRun', () => {
  it('records a run into the caller’s command buffer, between the caller’s own commands', async () => {
    const ctx = await testContext();
    const rng = new Rng(606);
    const graph = lenet5({ batch: 2 });
    const weights = randomWeights(graph, rng);
    const model = await compile(ctx, graph, weights);
    const output = model.outputNames[0]!;
    const image = rng.array(2 * 32 * 32);
    const source = createTensorBuffer(ctx.device, image, 'source');
    const staged = createTensorBuffer(ctx.device, image.length * 4, 'staged');
    const target = createTensorBuffer(ctx.device, 2 * 10 * 4, 'target');
    try {
      // the caller's own copy first: the model must read what it copied, in the same submit
      const encoder = ctx.device.createCommandEncoder();
      encoder.copyBufferToBuffer(source, 0, staged, 0, image.length * 4);
      model.encodeRun(encoder, staged, { [output]: target });
      ctx.device.queue.submit([encoder.finish()]);
      const got = await readTensor(ctx.device, target, 20);
      const want = runGraphRef(graph, weights, new Map([['image', image]])).get(output)!;
      console.log(`[encodeRun] LeNet-5 batch 2: relative L2 ${relativeL2(got, want).toExponential(2)}`);
      expect(want.some((v) => v !== 0)).toBe(true);
      expect(relativeL2(got, want)).toBeLessThan(F32_TOLERANCE);

      const e = ctx.device.createCommandEncoder();
      expect(() => model.encodeRun(e, staged, { nope: target })).toThrow(/no such output/);
      expect(() => model.encodeRun(e, staged, { [output]: createTensorBuffer(ctx.device, 16, 'small') })).toThrow(/needs 80/);
      expect(() => model.encodeRun(e, image as unknown as GPUBuffer, { [output]: target })).toThrow(InputError);
      expect(() => model.encodeRun(e, createTensorBuffer(ctx.device, 64, 'short'), { [output]: target })).toThrow(/needs 8192/);
      model.dispose();
      expect(() => model.encodeRun(e, staged, { [output]: target })).toThrow(DisposedError);
    } finally {
      model.dispose();
      [source, staged, target].forEach((b) => b.destroy());
    }
  });
});
