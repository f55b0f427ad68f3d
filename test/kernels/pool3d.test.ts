/**
 * 3-D max and average pooling against the float64 reference
 * (test/reference/pool3d.ts) on random NCDHW shapes: batch 2, odd sizes,
 * strides, dilations, asymmetric pads up to past half the kernel, ceil mode,
 * count_include_pad; NaN propagation in max; the typed errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import type { PoolOp } from '../../src/kernels/pool2d.js';
import { pool3d, pool3dShape, type Pool3dParams } from '../../src/kernels/pool3d.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { pool3dOutSize, pool3dRef } from '../reference/pool3d.js';

// measured worst relative L2 on SwiftShader: max 0 (exact), average 7.9e-8 (printed below)
const TOLERANCE = 3e-7;
const worst: Record<string, number> = {};
afterAll(() => console.log(`[pool3d] worst relative L2 ${JSON.stringify(worst)}`));

function randomParams(rng: Rng, op: PoolOp): Pool3dParams {
  const kernel = [rng.int(1, 3), rng.int(1, 3), rng.int(2, 3)] as const;
  const dilation = [rng.int(1, 2), 1, rng.int(1, 2)] as const;
  // pads up to the kernel size (ONNX allows pads past half the kernel)
  const pad = (i: number): number => rng.int(0, kernel[i]! - 1);
  const inSize = [0, 1, 2].map((i) => (kernel[i]! - 1) * dilation[i]! + rng.pick([1, 2, 3, 5])) as unknown as [number, number, number];
  return {
    batch: 2,
    channels: rng.int(1, 3),
    inSize,
    kernel,
    stride: [rng.int(1, 2), rng.int(1, 3), rng.int(1, 2)],
    dilation,
    padBegin: [pad(0), pad(1), pad(2)],
    padEnd: [pad(0), pad(1), pad(2)],
    ceilMode: rng.bool(),
    countIncludePad: op === 'average' && rng.bool(),
  };
}

const show = (op: PoolOp, p: Pool3dParams): string =>
  `${op} x=[${p.batch},${p.channels},${p.inSize.join(',')}] f=[${p.kernel.join(',')}] s=[${p.stride.join(',')}] d=[${p.dilation.join(',')}] p=[${p.padBegin.join(',')}|${p.padEnd.join(',')}] ceil=${p.ceilMode} countIncludePad=${p.countIncludePad}`;

async function run(op: PoolOp, p: Pool3dParams, x: Float32Array): Promise<Float32Array> {
  const s = pool3dShape(p);
  const outLength = p.batch * p.channels * s.outSize[0] * s.outSize[1] * s.outSize[2];
  return runKernel(await testContext(), { x }, outLength, (buf, output) => [pool3d(op, s, { buffer: buf.x! }, { buffer: output })]);
}

describe('pool3d vs the float64 reference', () => {
  const rng = new Rng(1302);
  for (const op of ['max', 'average'] as const)
    for (let i = 0; i < 8; i++) {
      const p = randomParams(rng, op);
      it(show(op, p), async () => {
        const x = new Rng(8000 + i).array(p.batch * p.channels * p.inSize[0] * p.inSize[1] * p.inSize[2]);
        const cfg = { shape: [p.batch, p.channels, ...p.inSize], ...p };
        expect(pool3dShape(p).outSize).toEqual(pool3dOutSize(cfg));
        const want = pool3dRef(op, cfg, x);
        const got = await run(op, p, x);
        // windows of padding only are −inf (max) or NaN (average without count_include_pad) on both sides
        const same = Array.from(want).every((v, k) => (Number.isFinite(v) ? Number.isFinite(got[k]!) : Object.is(v, got[k]) || (Number.isNaN(v) && Number.isNaN(got[k]!))));
        expect(same, 'non-finite outputs in the same places').toBe(true);
        const finite = (a: ArrayLike<number>): number[] => Array.from(a).filter((_, k) => Number.isFinite(want[k]!));
        const err = relativeL2(finite(got), finite(want));
        worst[op] = Math.max(worst[op] ?? 0, err);
        expect(err).toBeLessThanOrEqual(TOLERANCE);
      });
    }

  it('a NaN in a max window makes that output NaN', async () => {
    const p: Pool3dParams = { batch: 1, channels: 1, inSize: [2, 2, 2], kernel: [2, 2, 1], stride: [2, 2, 1], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0], ceilMode: false, countIncludePad: false };
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, Number.NaN, 8]);
    const got = await run('max', p, x);
    expect(Number.isNaN(got[0]!)).toBe(true);
    expect(got[1]).toBe(8);
  });
});

describe('pool3d shape errors', () => {
  const base: Pool3dParams = { batch: 1, channels: 2, inSize: [3, 3, 3], kernel: [2, 2, 2], stride: [1, 1, 1], dilation: [1, 1, 1], padBegin: [0, 0, 0], padEnd: [0, 0, 0], ceilMode: false, countIncludePad: false };
  it('names the field', () => {
    expect(() => pool3dShape({ ...base, kernel: [2, 0, 2] })).toThrow(InvalidParameterError);
    expect(() => pool3dShape({ ...base, kernel: [2, 0, 2] })).toThrow(/kernelH/);
    expect(() => pool3dShape({ ...base, padBegin: [-1, 0, 0] })).toThrow(/padBeginD/);
    expect(() => pool3dShape({ ...base, kernel: [2, 2, 4] })).toThrow(/does not fit the 3×3×3 input/);
  });
});
