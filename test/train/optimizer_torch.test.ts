/**
 * The GPU optimizer steps against PyTorch itself: torch.optim.SGD (with and
 * without momentum and weight decay) and torch.optim.Adam (two settings of
 * betas/eps/weight decay), one and three steps from an nn.Linear(13, 7)'s
 * parameters with given gradients. The fixture is made by
 * test/fixtures/make_train_fixtures.py and committed (34 kB of JSON).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTensorBuffer, readTensor } from '../../src/gpu/buffers.js';
import { runDispatches } from '../../src/kernels/dispatch.js';
import { adamStep, sgdStep } from '../../src/kernels/train_optimizer.js';
import { testContext } from '../helpers/gpu.js';

interface Config {
  kind: 'sgd' | 'adam';
  lr: number;
  momentum?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay: number;
}
interface Fixture {
  torch: string;
  initial: number[];
  grads: number[][];
  cases: { config: Config; after: number[][] }[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/train_optimizers.json', import.meta.url), 'utf8')) as Fixture;

describe(`optimizer steps match PyTorch ${fixture.torch}`, () => {
  for (const { config, after } of fixture.cases) {
    const name = Object.entries(config).map(([k, v]) => `${k}=${v}`).join(' ');
    it(name, async () => {
      const { device } = await testContext();
      const count = fixture.initial.length;
      const weights = createTensorBuffer(device, Float32Array.from(fixture.initial), 'weights');
      const grads = createTensorBuffer(device, count * 4, 'grads');
      const first = createTensorBuffer(device, count * 4, 'momentum or m');
      const second = createTensorBuffer(device, count * 4, 'v');
      const stats = createTensorBuffer(device, 3 * 4, 'stats');
      try {
        const errors: number[] = [];
        for (let t = 1; t <= 3; t++) {
          device.queue.writeBuffer(grads, 0, Float32Array.from(fixture.grads[t - 1]!));
          device.queue.writeBuffer(stats, 0, new Float32Array([0, 0, t]));
          const spec =
            config.kind === 'sgd'
              ? sgdStep({ count, lr: config.lr, momentum: config.momentum!, weightDecay: config.weightDecay }, { weights, grads, velocity: first })
              : adamStep({ count, lr: config.lr, beta1: config.beta1!, beta2: config.beta2!, eps: config.eps!, weightDecay: config.weightDecay }, { weights, grads, m: first, v: second, stats });
          await runDispatches(device, [spec]);
          const got = await readTensor(device, weights, count);
          const want = after[t - 1]!;
          errors.push(Math.max(...want.map((w, i) => Math.abs(got[i]! - w))));
        }
        console.log(`${name}: max |ours − torch| after steps 1, 2, 3: ${errors.map((e) => e.toExponential(2)).join(', ')}`);
        // parameters are ~0.3: a few f32 ulps
        for (const e of errors) expect(e).toBeLessThan(2e-7);
      } finally {
        [weights, grads, first, second, stats].forEach((b) => b.destroy());
      }
    });
  }
});
