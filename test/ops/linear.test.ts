/**
 * The linear kernel as the executor builds it: batch ≤ 4 runs the GEMV,
 * larger batches the tiled GEMM; a weight over the binding limit (forced
 * small here) is split into column blocks that each fit with their vec4
 * padding. Against the float64 GEMM reference, relative L2 ≤ 1e-4.
 */
import { describe, expect, it } from 'vitest';
import { placeholderBuffer } from '../../src/gpu/buffers.js';
import { linearKernel, type LinearExecNode } from '../../src/ops/linear.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from '../helpers/random.js';
import { matmulRef } from '../reference/gemm.js';

function linearNode(inFeatures: number, outFeatures: number, rng: Rng): LinearExecNode {
  return {
    kind: 'linear', name: 'fc', sources: ['fc'], inputs: [0], output: 1,
    weight: rng.array(outFeatures * inFeatures), bias: rng.array(outFeatures),
    inFeatures, outFeatures, activation: 'relu',
  };
}

describe('linear kernel', () => {
  const rng = new Rng(404);
  // [batch, in, out, maxBindingBytes]: 203 outputs pad to 204 columns, so blocks of 128 + 75 at this limit
  // subgroups: the context says the device has them; the GEMV then reduces with subgroupAdd, the GEMM is unchanged
  for (const [m, inF, outF, maxBinding, blocks, shader, subgroups] of [
    [1, 50, 203, 50 * 4 * 130, 2, 'gemv', false],
    [3, 50, 203, 50 * 4 * 130, 2, 'gemv', false],
    [4, 33, 130, 33 * 4 * 64, 3, 'gemv', false],
    [2, 40, 12, 1 << 20, 1, 'gemv', false],
    [5, 50, 203, 50 * 4 * 130, 2, 'gemm_tiled', false],
    [3, 50, 203, 50 * 4 * 130, 2, 'gemv_subgroups', true],
    [5, 50, 203, 50 * 4 * 130, 2, 'gemm_tiled', true],
  ] as const) {
    it(`batch ${m}, ${inF} → ${outF}, binding ${maxBinding} B: ${blocks} block(s) on ${shader}${subgroups ? ' (subgroups on)' : ''}`, async () => {
      const ctx = await testContext();
      expect(ctx.features.subgroups || !subgroups).toBe(true);
      const n = linearNode(inF, outF, rng);
      const kernel = linearKernel.kernel(n, { shape: (t) => (t === 0 ? [m, inF] : [m, outF]), maxBindingBytes: maxBinding, label: 'fc', computeUnits: 1, subgroups });
      const names = Object.keys(kernel.weights).filter((k) => k.startsWith('weight'));
      expect(names.length).toBe(blocks);
      for (const name of names) expect(kernel.weights[name]!.byteLength).toBeLessThanOrEqual(maxBinding);
      const x = rng.array(m * inF);
      const got = await runKernel(ctx, { x, ...kernel.weights }, m * outF, (buf, output) => {
        const specs = kernel.dispatches({ read: () => buf.x!, write: output, slice: { channelStride: outF, channelOffset: 0 }, weights: buf, unused: placeholderBuffer(ctx.device) });
        for (const s of specs) expect(s.shader.name.startsWith(shader)).toBe(true);
        for (const s of specs) expect(s.shader.name === 'gemv_subgroups').toBe(subgroups && m <= 4);
        return specs;
      }, rng.array(m * outF));
      const b = new Float64Array(inF * outF);
      for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) b[i * outF + o] = n.weight[o * inF + i]!;
      expect(relativeL2(got, matmulRef(x, b, m, outF, inF, n.bias, undefined, 'relu'))).toBeLessThanOrEqual(F32_TOLERANCE);
    });
  }
});
