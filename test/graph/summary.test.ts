import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { formatSummary, summary } from '../../src/graph/summary.js';

describe("summary() reproduces the course's counts", () => {
  it('5×5 same conv 28×28×192 → 28×28×32 costs ≈ 120.4 M multiplies', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 192, 28, 28]);
    g.output(g.conv2d(x, { name: 'conv', outChannels: 32, kernel: 5, pad: 2 }));
    const s = summary(g.build());
    expect(s.layers[0]!.outputShape).toEqual([1, 32, 28, 28]);
    expect(s.totalMacs).toBe(28 * 28 * 32 * 5 * 5 * 192);
    expect(s.totalMacs / 1e6).toBeCloseTo(120.4, 1);
  });

  it('with a 16-channel 1×1 bottleneck first ≈ 12.4 M', () => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 192, 28, 28]);
    const b = g.conv2d(x, { name: 'bottleneck', outChannels: 16, kernel: 1 });
    g.output(g.conv2d(b, { name: 'conv', outChannels: 32, kernel: 5, pad: 2 }));
    const s = summary(g.build());
    expect(s.layers.map((l) => l.macs)).toEqual([28 * 28 * 16 * 192, 28 * 28 * 32 * 5 * 5 * 16]);
    expect(s.totalMacs / 1e6).toBeCloseTo(12.4, 1);
  });

  it('depthwise-separable 6×6×3 → 4×4×5 costs 432 + 240 = 672 vs 2160 (ratio 0.31)', () => {
    const sep = new GraphBuilder();
    let x = sep.input('x', [1, 3, 6, 6]);
    x = sep.conv2d(x, { name: 'depthwise', outChannels: 3, kernel: 3, groups: 3, bias: false });
    sep.output(sep.conv2d(x, { name: 'pointwise', outChannels: 5, kernel: 1, bias: false }));
    const separable = summary(sep.build());
    expect(separable.layers.map((l) => l.macs)).toEqual([432, 240]);
    expect(separable.layers[1]!.outputShape).toEqual([1, 5, 4, 4]);

    const normal = new GraphBuilder();
    const y = normal.input('x', [1, 3, 6, 6]);
    normal.output(normal.conv2d(y, { name: 'conv', outChannels: 5, kernel: 3, bias: false }));
    const full = summary(normal.build());
    expect(full.totalMacs).toBe(2160);
    expect(separable.totalMacs / full.totalMacs).toBeCloseTo(0.31, 2);
  });

  it('counts learnable parameters: conv/linear weights and biases, BN γ and β, not running statistics', () => {
    const g = new GraphBuilder();
    let x = g.input('x', [2, 3, 6, 6]);
    x = g.conv2d(x, { name: 'conv', outChannels: 2, kernel: 3 });
    x = g.batchNorm(x, { name: 'bn' });
    x = g.linear(g.flatten(x), { name: 'fc', outFeatures: 4 });
    g.output(x);
    const s = summary(g.build());
    expect(s.layers.map((l) => l.parameters)).toEqual([56, 4, 0, 2 * 4 * 4 * 4 + 4]);
    expect(s.totalParameters).toBe(56 + 4 + 132);
    expect(formatSummary(s)).toContain('total');
  });
});
