/**
 * npm run probe:limits
 *
 * Real resource limits, not injected ones — kept out of `npm test` because
 * they allocate gigabytes. Each probe prints what the runtime answered:
 * a typed error (the pass) or outputs (then checked for being right).
 * 1. a conv whose activation is exactly 1 GiB (3→64 channels, 3×3, on
 *    1×3×2048×2048), then global average pooling: the arena allocation the
 *    driver may refuse;
 * 2. the same at 2× the batch: over the binding limit, refused before any
 *    GPU work.
 */
import { WebGpuCnnError } from '../src/errors.js';
import { compile } from '../src/graph/executor.js';
import { GraphBuilder } from '../src/graph/builder.js';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { randomWeights } from '../src/models/random_weights.js';

const ctx = await createNodeGpuContext();
console.log(`adapter: ${ctx.adapter.vendor} ${ctx.adapter.architecture}; maxStorageBufferBindingSize ${ctx.limits.maxStorageBufferBindingSize}, maxBufferSize ${ctx.limits.maxBufferSize}`);
console.log('\n| probe | outcome | ms |\n|---|---|---|');
for (const batch of [1, 2]) {
  const g = new GraphBuilder();
  const x = g.input('x', [batch, 3, 2048, 2048]);
  g.output(g.flatten(g.globalAvgPool(g.conv2d(x, { name: 'conv', outChannels: 64, kernel: 3, pad: 1 }))), 'y');
  const graph = g.build();
  const start = performance.now();
  let outcome: string;
  try {
    const model = await compile(ctx, graph, randomWeights(graph, 1));
    const y = await model.predict(new Float32Array(batch * 3 * 2048 * 2048).fill(0.5));
    const nonZero = y.filter((v) => v !== 0).length;
    outcome = `ran: ${nonZero} of ${y.length} outputs non-zero`;
    model.dispose();
  } catch (error) {
    outcome = error instanceof WebGpuCnnError ? `${error.name}: ${error.message}` : `UNTYPED ${String(error)}`;
  }
  console.log(`| ${batch}×64×2048×2048 activation (${batch} GiB) | ${outcome.replace(/\|/g, '/').replace(/\n/g, ' ')} | ${(performance.now() - start).toFixed(0)} |`);
}
