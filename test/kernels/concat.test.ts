import { describe, expect, it } from 'vitest';
import { GraphError, InvalidParameterError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { copyChannels } from '../../src/kernels/concat.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { thrown } from '../helpers/thrown.js';
import { Rng } from '../helpers/random.js';
import { concatChannelsRef } from '../reference/concat.js';

describe('concat by channel copies', () => {
  const rng = new Rng(2014);
  const cases = Array.from({ length: 44 }, () => ({
    batch: rng.int(1, 3),
    height: rng.pick([1, 2, 5, 7, 13]),
    width: rng.pick([1, 3, 7, 11]),
    channels: Array.from({ length: rng.int(2, 4) }, () => rng.pick([1, 3, 5, 16, 64, 67])),
  }));

  for (const { batch, height, width, channels } of cases) {
    it(`n=${batch} h=${height} w=${width} c=[${channels.join(', ')}]`, async () => {
      const ctx = await testContext();
      const pixels = batch * height * width;
      const parts = channels.map((c) => ({ data: rng.array(pixels * c), channels: c }));
      const ref = concatChannelsRef(pixels, parts);
      const inputs = Object.fromEntries(parts.map((p, i) => [`x${i}`, p.data]));
      // what the executor does for a concat whose producers cannot write their slices: one copy per input, in order
      const channelStride = channels.reduce((a, c) => a + c, 0);
      const offsets = channels.map((_, i) => channels.slice(0, i).reduce((a, c) => a + c, 0));
      const out = await runKernel(ctx, inputs, ref.length, (b, o) =>
        channels.map((c, i) => copyChannels({ pixels, channels: c, slice: { channelStride, channelOffset: offsets[i]! } }, b[`x${i}`]!, o)),
      );
      // a copy is exact
      expect(Array.from(out)).toEqual(Array.from(ref));
    });
  }

  it('leaves the channels outside the slice untouched: c=5 into [7, 12) of 16', async () => {
    const ctx = await testContext();
    const pixels = 3 * 4 * 5;
    const x = rng.array(pixels * 5);
    const before = rng.array(pixels * 16);
    const out = await runKernel(ctx, { x }, before.length, (b, o) => [copyChannels({ pixels, channels: 5, slice: { channelStride: 16, channelOffset: 7 } }, b.x!, o)], before);
    const expected = Array.from(before);
    for (let p = 0; p < pixels; p++) for (let c = 0; c < 5; c++) expected[p * 16 + 7 + c] = x[p * 5 + c]!;
    expect(Array.from(out)).toEqual(expected);
  });

  it('rejects slices that do not fit and mismatched inputs', () => {
    const fake = {} as GPUBuffer;
    const parameter = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidParameterError);
        return (e as InvalidParameterError).parameter;
      }
      throw new Error('did not throw');
    };
    expect(parameter(() => copyChannels({ pixels: 4, channels: 5, slice: { channelStride: 8, channelOffset: 4 } }, fake, fake))).toBe('channelStride');
    expect(parameter(() => copyChannels({ pixels: 4, channels: 5, slice: { channelStride: 8, channelOffset: -1 } }, fake, fake))).toBe('channelOffset');
    expect(parameter(() => copyChannels({ pixels: 0, channels: 5, slice: { channelStride: 8, channelOffset: 0 } }, fake, fake))).toBe('pixels');
    expect(parameter(() => copyChannels({ pixels: 4, channels: 0, slice: { channelStride: 8, channelOffset: 0 } }, fake, fake))).toBe('channels');
  });

  it('a concat of nothing, or of tensors whose N, H, W differ, is refused where the graph is built', () => {
    const g = new GraphBuilder();
    const a = g.input('a', [1, 3, 4, 5]);
    const b = g.input('b', [1, 2, 4, 6]);
    const empty = thrown(() => g.concat([], 'empty'));
    expect(empty).toBeInstanceOf(GraphError);
    expect(empty.message).toMatch(/concat needs at least one input/);
    const mixed = thrown(() => g.concat([a, b], 'mixed'));
    expect(mixed).toBeInstanceOf(GraphError);
    expect(mixed.message).toMatch(/N, H, W must agree/);
    expect(g.concat([a, a]).shape).toEqual([1, 6, 4, 5]);
  });
});
