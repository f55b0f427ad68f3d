/**
 * Which optional features createGpuContext requests, on a fake adapter (no
 * GPU): `subgroups` where the adapter has it unless `subgroups: false`, none
 * of them with `optionalFeatures: false`, and ctx.features reports what the
 * device was granted.
 */
import { describe, expect, it } from 'vitest';
import { createGpuContext, type CreateGpuContextOptions } from '../../src/gpu/device.js';

/** A GPU whose adapter offers `offered` and grants whatever is asked; returns what was asked. */
function fakeGpu(offered: string[]): { gpu: GPU; asked: () => string[] } {
  let asked: string[] = [];
  const adapter = {
    features: new Set(offered),
    limits: {},
    info: { vendor: 'fake', architecture: 'fake', description: 'fake' },
    requestDevice: async (d: GPUDeviceDescriptor) => {
      asked = [...(d.requiredFeatures ?? [])];
      return { features: new Set(asked), limits: {} } as unknown as GPUDevice;
    },
  };
  return { gpu: { requestAdapter: async () => adapter } as unknown as GPU, asked: () => asked };
}

describe('optional features', () => {
  const all = ['shader-f16', 'timestamp-query', 'subgroups'];
  for (const [offered, options, expected] of [
    [all, {}, all],
    [all, { subgroups: false }, ['shader-f16', 'timestamp-query']],
    [all, { optionalFeatures: false }, []],
    [['timestamp-query'], {}, ['timestamp-query']],
    [['subgroups', 'depth-clip-control'], {}, ['subgroups']],
  ] as [string[], CreateGpuContextOptions, string[]][]) {
    it(`offered [${offered.join(', ')}] with ${JSON.stringify(options)}: requests [${expected.join(', ')}]`, async () => {
      const fake = fakeGpu(offered);
      const ctx = await createGpuContext({ ...options, gpu: fake.gpu });
      expect(fake.asked().sort()).toEqual([...expected].sort());
      expect(ctx.features).toEqual({
        shaderF16: expected.includes('shader-f16'),
        timestampQuery: expected.includes('timestamp-query'),
        subgroups: expected.includes('subgroups'),
      });
    });
  }
});
