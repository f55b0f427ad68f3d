/**
 * The depth_space kernel (DepthToSpace DCR / CRD, SpaceToDepth) on NHWC
 * against the float64 reference written as ONNX's reshape–transpose–reshape
 * on NCHW. A gather moves values unchanged, so the comparison is exact.
 */
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors.js';
import { depthSpace, type DepthSpaceMode } from '../../src/kernels/depth_space.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { depthSpaceRef, type DepthSpaceRefMode } from '../reference/depth_space.js';
import { nchwToNhwcRef } from '../reference/layout.js';

const REF_MODE: Record<DepthSpaceMode, DepthSpaceRefMode> = { depth_to_space_dcr: 'DCR', depth_to_space_crd: 'CRD', space_to_depth: 'S2D' };

describe('depth_space', () => {
  const rng = new Rng(1302);
  for (const mode of Object.keys(REF_MODE) as DepthSpaceMode[]) {
    for (const block of [2, 3]) {
      const toSpace = mode !== 'space_to_depth';
      const n = 2;
      const c = toSpace ? block * block * rng.int(1, 3) : rng.int(1, 5);
      const h = toSpace ? rng.int(1, 5) : block * rng.int(1, 3);
      const w = toSpace ? rng.int(1, 5) : block * rng.int(1, 3);
      it(`${mode} x=[${n},${c},${h},${w}] NCHW block ${block}`, async () => {
        const x = rng.array(n * c * h * w);
        const ref = depthSpaceRef(x, [n, c, h, w], block, REF_MODE[mode]);
        const [, oc, oh, ow] = ref.shape as [number, number, number, number];
        const expected = nchwToNhwcRef(ref.out, n, oc, oh, ow);
        const out = await runKernel(await testContext(), { x: Float32Array.from(nchwToNhwcRef(x, n, c, h, w)) }, expected.length, (b, o) => [
          depthSpace({ batch: n, height: h, width: w, channels: c, block, mode }, b.x!, o),
        ]);
        expect(Array.from(out)).toEqual(Array.from(expected, Math.fround));
      });
    }
  }
  it('rejects blocks that do not divide the channels or the spatial size', () => {
    const fake = {} as GPUBuffer;
    expect(() => depthSpace({ batch: 1, height: 2, width: 2, channels: 6, block: 2, mode: 'depth_to_space_dcr' }, fake, fake)).toThrow(InvalidParameterError);
    expect(() => depthSpace({ batch: 1, height: 3, width: 4, channels: 1, block: 2, mode: 'space_to_depth' }, fake, fake)).toThrow(/height 3/);
    expect(() => depthSpace({ batch: 1, height: 2, width: 2, channels: 4, block: 0, mode: 'depth_to_space_crd' }, fake, fake)).toThrow(/block/);
  });
});
