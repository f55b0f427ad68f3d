/**
 * The augment_batch kernel against PyTorch (test/fixtures/augment_roi_align.py):
 * torchvision's roi_align (aligned=True, sampling_ratio=1) samples a crop the
 * way the kernel does, so this checks the kernel's geometry — fractional
 * corners, centres at +0.5, edge clamping, mirror, offsets — against an
 * implementation that is not ours, on random shapes and data.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { augmentBatchDispatch, packAugmentSamples, type AugmentGeometry, type AugmentSample } from '../../src/kernels/augment.js';
import { runKernel, testContext } from '../helpers/gpu.js';
import { Rng } from '../helpers/random.js';

const DIR = fileURLToPath(new URL('../../.cache/fixtures/augment/', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../fixtures/augment_roi_align.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
// measured worst |GPU − PyTorch|: 6.9e-6 on SwiftShader (f32 coordinates; PyTorch's box corner x + w is rounded to f32 on its own)
const TOLERANCE = 1.5e-5;

/** PyTorch's result for each batch, from one Python run (importing torch costs seconds). */
function torchOutputs(batches: { x: Float32Array; g: AugmentGeometry; samples: AugmentSample[] }[]): Float32Array[] {
  mkdirSync(DIR, { recursive: true });
  const requests = batches.map((b, i) => {
    const input = `${DIR}input_${i}.bin`;
    const output = `${DIR}output_${i}.bin`;
    writeFileSync(input, new Uint8Array(b.x.buffer, b.x.byteOffset, b.x.byteLength));
    const request = `${DIR}request_${i}.json`;
    writeFileSync(request, JSON.stringify({ input, output, shape: [b.g.batch, b.g.channels, b.g.inHeight, b.g.inWidth], outSize: [b.g.outHeight, b.g.outWidth], samples: b.samples }));
    return { request, output };
  });
  const driver = `import runpy, sys\nmod = runpy.run_path(${JSON.stringify(SCRIPT)})\nfor r in sys.argv[1:]: mod['main'](r)`;
  try {
    execFileSync(PYTHON, ['-c', driver, ...requests.map((r) => r.request)], { stdio: ['ignore', 'inherit', 'pipe'], timeout: 120_000 });
  } catch (cause) {
    throw new Error(`PyTorch fixture failed (needs Debian's python3-torch and python3-torchvision: apt-get install -y python3-torch python3-torchvision): ${String((cause as { stderr?: Buffer }).stderr ?? cause)}`);
  }
  return requests.map((r) => {
    const bytes = readFileSync(r.output);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });
}

describe('augment_batch kernel vs PyTorch roi_align', () => {
  it('random shapes, fractional crops, mirror, offsets', async () => {
    const rng = new Rng(1610);
    const batches = Array.from({ length: 6 }, (_, i) => {
      const g: AugmentGeometry = { batch: rng.int(1, 5), channels: i % 2 ? 3 : 1, inHeight: rng.int(5, 40), inWidth: rng.int(5, 40), outHeight: rng.int(5, 40), outWidth: rng.int(5, 40) };
      const samples = Array.from({ length: g.batch }, (_, n) => {
        const w = g.inWidth * (0.2 + 0.8 * rng.next());
        const h = g.inHeight * (0.2 + 0.8 * rng.next());
        return {
          crop: [rng.next() * (g.inWidth - w), rng.next() * (g.inHeight - h), w, h] as const,
          mirror: n % 2 === 1,
          offset: Array.from({ length: g.channels }, () => rng.next() - 0.5),
        };
      });
      return { x: rng.array(g.batch * g.channels * g.inHeight * g.inWidth), g, samples };
    });
    const expected = torchOutputs(batches);
    const ctx = await testContext();
    let worst = 0;
    for (const [i, { x, g, samples }] of batches.entries()) {
      const records = new Float32Array(packAugmentSamples(g, samples));
      const y = await runKernel(ctx, { x, records }, g.batch * g.channels * g.outHeight * g.outWidth, (b, output) => [augmentBatchDispatch(g, { input: b.x!, samples: b.records!, output })]);
      expect(y.length).toBe(expected[i]!.length);
      let d = 0;
      for (let k = 0; k < y.length; k++) d = Math.max(d, Math.abs(y[k]! - expected[i]![k]!));
      worst = Math.max(worst, d);
      expect(d, `x=[${g.batch},${g.channels},${g.inHeight},${g.inWidth}] out=${g.outHeight}x${g.outWidth}`).toBeLessThanOrEqual(TOLERANCE);
    }
    console.log(`[augment vs torch] ${batches.length} batches, worst max |d| ${worst.toExponential(2)}`);
  });
});
