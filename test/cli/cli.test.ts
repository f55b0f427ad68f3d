/**
 * The `webgpu-cnn` executable end to end, spawned as a child process the
 * way a user runs it: LeNet-5 on MNIST digits (raw float32 and images)
 * against the library's own run and PyTorch's predictions, tiny ONNX exports
 * against onnxruntime-node, every exit code, summary and bench. Checks of
 * messages that fail before the GPU run main() in this process instead.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/graph/executor.js';
import { summary } from '../../src/graph/summary.js';
import { parseSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { lenet5, lenet5Input } from '../../src/models/lenet.js';
import { mobilenetV2 } from '../../src/models/mobilenet.js';
import { weightsForGraph } from '../../src/models/weights.js';
import { testContext } from '../helpers/gpu.js';
import { runOnnxRuntime } from '../helpers/onnx_runtime.js';
import { Rng, relativeL2 } from '../helpers/random.js';
import { bytesOf, cli, cliInProcess, ensureOnnxModels, floatsOf, mnistTestSet, ROOT } from './helpers.js';

const WEIGHTS = `${ROOT}src/models/weights/`;
let dir: string;
const file = (name: string) => `${dir}/${name}`;

/** The library's own LeNet-5 (shipped weights, auto strategy) on NCHW input. */
async function libraryLenet(input: Float32Array, batch: number): Promise<Float32Array> {
  const graph = lenet5({ batch });
  const weights = weightsForGraph(graph, readSafetensors(parseSafetensors(readFileSync(`${WEIGHTS}lenet5.safetensors`))));
  const model = await compile(await testContext(), graph, weights);
  try {
    return await model.predict(input);
  } finally {
    model.dispose();
  }
}

const argmax = (row: Float32Array) => row.indexOf(Math.max(...row));

function pngOf(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      [png.data[i], png.data[i + 1], png.data[i + 2]] = rgb(x, y);
      png.data[i + 3] = 255;
    }
  }
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/webgpu-cnn-cli-`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lenet5 on MNIST digits', () => {
  const { images, labels } = mnistTestSet();
  const pytorch = new Uint8Array(readFileSync(`${WEIGHTS}lenet5_pytorch_predictions.bin`));
  // digits PyTorch classifies correctly, picked at random
  const rng = new Rng(0xc11);
  const picks: number[] = [];
  while (picks.length < 3) {
    const i = rng.int(0, labels.length - 1);
    if (pytorch[i] === labels[i] && !picks.includes(i)) picks.push(i);
  }
  const pixels = (i: number) => images.subarray(i * 784, (i + 1) * 784);

  it('a raw float32 batch: the right digits, and --output holds exactly the library run’s bytes', async () => {
    const batch = new Uint8Array(picks.flatMap((i) => [...pixels(i)]));
    const input = lenet5Input(batch);
    writeFileSync(file('digits.f32'), bytesOf(input));
    const r = await cli(['run', 'lenet5', '--input', file('digits.f32'), '--output', file('digits.out.f32'), '--json', '--top', '1']);
    expect(r.code, r.stderr).toBe(0);
    const out = new Uint8Array(readFileSync(file('digits.out.f32')));
    expect(out.byteLength).toBe(picks.length * 10 * 4);
    const expected = await libraryLenet(input, picks.length);
    expect(Buffer.from(out).equals(Buffer.from(bytesOf(expected)))).toBe(true);
    const json = JSON.parse(r.stdout);
    expect(json.inputs.image).toEqual([picks.length, 1, 32, 32]);
    const predicted = json.outputs.logits.top.map((row: { index: number }[]) => row[0]!.index);
    expect(predicted).toEqual(picks.map((i) => labels[i]));
    expect(predicted).toEqual(picks.map((i) => pytorch[i]));
  });

  it('NaN in a raw input: the run warns on stderr and in the JSON notices, and the logits are NaN as in PyTorch', async () => {
    const input = lenet5Input(pixels(picks[0]!));
    for (let k = 0; k < 10; k++) input[100 + 37 * k] = NaN;
    writeFileSync(file('nan.f32'), bytesOf(input));
    const r = await cliInProcess(['run', 'lenet5', '--input', file('nan.f32'), '--output', file('nan.out.f32'), '--json', '--top', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: non-finite values \(input image: 10 NaN; logits: 10 NaN\)/);
    expect(JSON.parse(r.stdout).notices.join('\n')).toMatch(/non-finite values/);
    expect([...floatsOf(new Uint8Array(readFileSync(file('nan.out.f32'))))].every(Number.isNaN)).toBe(true);
  });

  it('PNG and JPEG images: MNIST preprocessing, dark-on-light inverted, same logits as the library', async () => {
    const p = pixels(picks[0]!);
    writeFileSync(file('digit.png'), pngOf(28, 28, (x, y) => [p[y * 28 + x]!, p[y * 28 + x]!, p[y * 28 + x]!]));
    const ink = (x: number, y: number) => 255 - p[y * 28 + x]!;
    writeFileSync(file('paper.png'), pngOf(28, 28, (x, y) => [ink(x, y), ink(x, y), ink(x, y)]));
    // 3× larger colour photo of the digit: resize + JPEG decoding
    const big = new Uint8Array(84 * 84 * 4);
    for (let y = 0; y < 84; y++) for (let x = 0; x < 84; x++) big.set([ink(x / 3 | 0, y / 3 | 0), ink(x / 3 | 0, y / 3 | 0), Math.min(255, ink(x / 3 | 0, y / 3 | 0) + 20), 255], 4 * (y * 84 + x));
    writeFileSync(file('photo.jpg'), jpeg.encode({ width: 84, height: 84, data: big }, 95).data);

    const r = await cli(['run', 'lenet5', '-i', file('digit.png'), '-i', file('paper.png'), '-i', file('photo.jpg'), '-o', file('images.out.f32'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const out = floatsOf(readFileSync(file('images.out.f32')));
    expect(out.length).toBe(30);
    // the two 28×28 PNGs become exactly lenet5Input of the digit
    const expected = await libraryLenet(lenet5Input(new Uint8Array([...p, ...p])), 2);
    expect(Buffer.from(bytesOf(out.subarray(0, 20))).equals(Buffer.from(bytesOf(expected)))).toBe(true);
    for (let row = 0; row < 3; row++) expect(argmax(out.subarray(10 * row, 10 * row + 10))).toBe(labels[picks[0]!]);
    expect(r.stdout).toMatch(new RegExp(`logits, sample 2:\\n\\s+1\\. ${labels[picks[0]!]} `));
  });
});

describe('ONNX files', () => {
  let models: ReturnType<typeof ensureOnnxModels>;
  beforeAll(() => {
    models = ensureOnnxModels();
  });

  it('symbolic batch from the file size; --output matches onnxruntime-node', async () => {
    const rng = new Rng(5);
    const input = rng.array(2 * 3 * 20 * 20);
    writeFileSync(file('convnet.in.f32'), bytesOf(input));
    const r = await cli(['run', models.convnet, '--input', file('convnet.in.f32'), '--output', file('convnet.out.f32'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const ours = floatsOf(readFileSync(file('convnet.out.f32')));
    const ort = await runOnnxRuntime(new Uint8Array(readFileSync(models.convnet)), { image: { data: input, shape: [2, 3, 20, 20] } });
    expect(ours.length).toBe(ort.logits!.data.length);
    expect(relativeL2(ours, ort.logits!.data)).toBeLessThanOrEqual(1e-4);
  });

  it('dynamic H and W need --shape, then run like onnxruntime-node', async () => {
    const rng = new Rng(6);
    const side = rng.int(12, 28);
    const input = rng.array(3 * side * side);
    writeFileSync(file('dynamic.in.f32'), bytesOf(input));
    const without = await cliInProcess(['run', models.dynamic, '--input', file('dynamic.in.f32'), '-q']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('--shape');
    const r = await cli(['run', models.dynamic, '--input', file('dynamic.in.f32'), '--shape', `1,3,${side},${side}`, '--output', file('dynamic.out.f32'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const ort = await runOnnxRuntime(new Uint8Array(readFileSync(models.dynamic)), { image: { data: input, shape: [1, 3, side, side] } });
    expect(relativeL2(floatsOf(readFileSync(file('dynamic.out.f32'))), ort.logits!.data)).toBeLessThanOrEqual(1e-4);
  });

  it('several inputs and outputs by name', async () => {
    const rng = new Rng(7);
    const a = rng.array(3 * 8 * 8);
    const b = rng.array(3 * 8 * 8);
    writeFileSync(file('a.f32'), bytesOf(a));
    writeFileSync(file('b.f32'), bytesOf(b));
    const unnamed = await cliInProcess(['run', models.two_io, '--input', file('a.f32'), '-q']);
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toContain('--input name=');
    const r = await cli(['run', models.two_io, '--input', `a=${file('a.f32')}`, '--input', `b=${file('b.f32')}`, '--output', `features=${file('features.f32')}`, '--output', `scores=${file('scores.f32')}`, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const ort = await runOnnxRuntime(new Uint8Array(readFileSync(models.two_io)), { a: { data: a, shape: [1, 3, 8, 8] }, b: { data: b, shape: [1, 3, 8, 8] } });
    const features = floatsOf(readFileSync(file('features.f32')));
    expect(features.length).toBe(6 * 8 * 8);
    expect(relativeL2(features, ort.features!.data)).toBeLessThanOrEqual(1e-4);
    expect(relativeL2(floatsOf(readFileSync(file('scores.f32'))), ort.scores!.data)).toBeLessThanOrEqual(1e-4);
  });

  it('exit 3 for unsupported operators (listed), exit 2 for a truncated file', async () => {
    writeFileSync(file('x.f32'), bytesOf(new Rng(8).array(3 * 4 * 4)));
    const unsupported = await cliInProcess(['run', models.unsupported, '--input', file('x.f32')]);
    expect(unsupported.code).toBe(3);
    expect(unsupported.stderr).toContain('CumSum');
    const bytes = readFileSync(models.convnet);
    writeFileSync(file('truncated.onnx'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const truncated = await cliInProcess(['summary', file('truncated.onnx')]);
    expect(truncated.code).toBe(2);
    expect(truncated.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('exit codes and messages', () => {
  it('0 for --help and --version, 1 for usage errors', async () => {
    const version = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')).version;
    expect((await cli(['--version'])).stdout.trim()).toBe(version);
    const bogus = await cli(['run', 'lenet5', '--bogus']);
    expect(bogus.code).toBe(1);
    expect(bogus.stderr).toContain('unknown option --bogus');
    const help = await cliInProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run[\s\S]*summary[\s\S]*bench/);
    const runHelp = await cliInProcess(['run', '--help']);
    expect(runHelp.code).toBe(0);
    expect(runHelp.stdout).toContain('--strategy');
    for (const args of [['run', 'lenet5', '--bogus'], ['run', 'lenet5'], ['run', 'lenet5', '-i', 'x.f32', '--strategy', 'fast'], ['frobnicate']]) {
      const r = await cliInProcess(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('2 for a missing file, an unknown model and a wrong input size (naming both sizes)', async () => {
    const missing = await cliInProcess(['run', 'lenet5', '--input', file('nope.f32')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.f32');
    expect((await cliInProcess(['summary', 'resnet51'])).code).toBe(2);
    const floats = 1024 + new Rng(9).int(1, 1000);
    writeFileSync(file('wrong.f32'), new Uint8Array(floats * 4));
    const wrong = await cliInProcess(['run', 'lenet5', '--input', file('wrong.f32')]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`${floats} floats (${floats * 4} bytes)`);
    expect(wrong.stderr).toContain('1024 floats (4096 bytes)');
  });

  it('4 when there is no WebGPU adapter', async () => {
    writeFileSync(file('one.f32'), bytesOf(new Rng(10).array(1024)));
    // a Vulkan driver list that does not exist: no adapter, and createNodeGpuContext keeps the user's choice (no SwiftShader retry)
    const r = await cli(['run', 'lenet5', '--input', file('one.f32')], { VK_ICD_FILENAMES: `${dir}/no-such-icd.json` });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no GPU adapter');
  });
});

describe('summary and bench', () => {
  const learnable = (g: ReturnType<typeof lenet5>) => [...g.parameters.values()].filter((p) => p.learnable).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);

  it('summary --json: totals equal the builder’s parameter count and MACs; conv layers carry a strategy', async () => {
    for (const [id, graph] of [['lenet5', lenet5()], ['mobilenet_v2', mobilenetV2()]] as const) {
      const r = await cliInProcess(['summary', id, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout);
      expect(s.totals.parameters).toBe(learnable(graph));
      expect(s.totals.macs).toBe(summary(graph).totalMacs);
      expect(s.layers).toHaveLength(graph.nodes.length);
      for (const l of s.layers.filter((x: { op: string }) => x.op === 'conv2d')) expect(['direct', 'im2col', 'pointwise', 'depthwise', 'implicit_gemm']).toContain(l.strategy);
    }
    expect(learnable(lenet5())).toBe(61706);
  });

  it('bench --json: latency, cold compile and memory; a forced strategy falls back with a notice', async () => {
    const r = await cli(['bench', 'lenet5', '--runs', '3', '--warmup', '1', '--strategy', 'pointwise', '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.wallMs.runs).toBe(3);
    expect(b.wallMs.p10).toBeLessThanOrEqual(b.wallMs.median);
    expect(b.wallMs.median).toBeLessThanOrEqual(b.wallMs.p90);
    expect(b.coldMs).toBeGreaterThan(b.compileMs);
    expect(b.memory.plannedBytes).toBeGreaterThan(0);
    expect(b.memory.plannedBytes).toBeLessThanOrEqual(b.memory.naiveBytes);
    expect(b.memory.weightBytes).toBeGreaterThanOrEqual(61706 * 4);
    expect(r.stderr).toContain('instead of pointwise');
  });
});
