/** model.info reports the scratch its layers use: im2col's patch matrix, none for the implicit GEMM. */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import { testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';
import { randomWeights } from '../helpers/random_graph.js';

describe('model.info scratch', () => {
  // batch 2, 6×7 → 3×4 outputs (stride 2), 5 channels: K = 3·3·5 = 45, padded to 48
  const g = new GraphBuilder();
  const x = g.input('image', [2, 5, 6, 7]);
  g.output(g.relu(g.conv2d(x, { name: 'c1', outChannels: 8, kernel: 3, stride: 2, pad: 1 })), 'out');
  const graph = g.build();
  const weights = randomWeights(graph, new Rng(3));

  for (const [strategy, bytes] of [['im2col', 2 * 3 * 4 * 48 * 4], ['implicit_gemm', 0]] as const) {
    it(`${strategy}: ${bytes} bytes, in total and on the conv`, async () => {
      const model = await compile(await testContext(), graph, weights, { strategy });
      try {
        const conv = model.info.nodes.find((n) => n.name === 'c1')!;
        expect(conv.strategy).toBe(strategy);
        expect(model.info.scratchBytes).toBe(bytes);
        expect(conv.scratchBytes).toBe(bytes || undefined);
      } finally {
        model.dispose();
      }
    });
  }
});
