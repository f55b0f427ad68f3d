/**
 * A VGG-style network (3×3 convs, max pools, three fully connected layers
 * whose batch ≤ 4 runs the GEMV) compiled under the GPU rules on a device
 * with the `subgroups` feature, against the float64 interpreter: once with
 * the subgroup GEMV (the default where the device has it) and once with the
 * compile option `subgroups: false` (the workgroup-memory GEMV).
 * Tolerance: relative L2 ≤ 1e-4 (F32_TOLERANCE).
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/graph/builder.js';
import { compile } from '../../src/graph/executor.js';
import type { Graph } from '../../src/graph/ir.js';
import { expectMatchesReference } from '../helpers/graph_check.js';
import { testContext } from '../helpers/gpu.js';
import { randomWeights } from '../helpers/random_graph.js';
import { F32_TOLERANCE, Rng } from '../helpers/random.js';

/** conv 3×3 ×2 + pools → 800 features → fc 300 → fc 129 → fc 10, like VGG's head at a small size (odd widths). */
function vggStyle(batch: number): Graph {
  const g = new GraphBuilder();
  const x = g.input('x', [batch, 3, 20, 20]);
  let a = g.relu(g.conv2d(x, { name: 'conv1', outChannels: 16, kernel: 3, pad: 1 }));
  a = g.maxPool(a, { kernel: 2, stride: 2 });
  a = g.relu(g.conv2d(a, { name: 'conv2', outChannels: 32, kernel: 3, pad: 1 }));
  a = g.maxPool(a, { kernel: 2, stride: 2 });
  let h = g.relu(g.linear(g.flatten(a), { name: 'fc6', outFeatures: 300 }));
  h = g.relu(g.linear(h, { name: 'fc7', outFeatures: 129 }));
  g.output(g.linear(h, { name: 'fc8', outFeatures: 10 }), 'logits');
  return g.build();
}

describe('subgroups in a compiled VGG-style network (GPU rules)', () => {
  for (const batch of [1, 3]) {
    it(`batch ${batch}: the subgroup GEMV and the fallback both match float64`, async () => {
      const graph = vggStyle(batch);
      const ctx = await testContext();
      expect(ctx.features.subgroups).toBe(true);
      const on = await compile(ctx, graph, randomWeights(graph, new Rng(1)), { deviceClass: 'gpu' });
      const off = await compile(ctx, graph, randomWeights(graph, new Rng(1)), { deviceClass: 'gpu', subgroups: false });
      try {
        expect(on.info.subgroups).toBe(true);
        expect(off.info.subgroups).toBe(false);
      } finally {
        on.dispose();
        off.dispose();
      }
      const withSubgroups = await expectMatchesReference(graph, 20 + batch, { deviceClass: 'gpu' });
      const without = await expectMatchesReference(graph, 20 + batch, { deviceClass: 'gpu', subgroups: false });
      expect(withSubgroups.logits).toBeLessThanOrEqual(F32_TOLERANCE);
      expect(without.logits).toBeLessThanOrEqual(F32_TOLERANCE);
      console.log(`VGG-style batch ${batch}: relative L2 ${withSubgroups.logits!.toExponential(2)} with subgroups, ${without.logits!.toExponential(2)} without`);
    });
  }
});
