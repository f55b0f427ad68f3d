/** bench/gpu's pure parts: argument parsing, the full and --small plans, the FLOP arithmetic, the GEMM sample check, the target verdicts (no GPU). */
import { describe, expect, test } from 'vitest';
import { sampledRelError } from '../../bench/gpu/gemm_sweep.js';
import type { NetworkRow, VggRow } from '../../bench/gpu/networks.js';
import { benchPlan, convShare, gemmGflops, H200_FP32_PEAK_TFLOPS, NINE_NETWORKS, parseBenchArgs, tflops } from '../../bench/gpu/plan.js';
import { targetChecks } from '../../bench/gpu/report.js';
import { InvalidParameterError } from '../../src/errors.js';
import { summary } from '../../src/graph/summary.js';
import { vgg16 } from '../../src/models/vgg.js';
import { ZOO } from '../../src/models/zoo.js';
import { Rng } from '../helpers/random.js';

describe('parseBenchArgs', () => {
  test('defaults: every section, gpu heuristic, H200 peak, output in .cache unless $OUT', () => {
    const a = parseBenchArgs([]);
    expect(a).toMatchObject({ small: false, sections: ['networks', 'vgg', 'gemm'], deviceClass: 'gpu', peakTflops: H200_FP32_PEAK_TFLOPS, outDir: '.cache/bench_gpu', noOrt: false });
    expect(parseBenchArgs(['--out', 'x'], { OUT: '/tmp/o' }).outDir).toBe('/tmp/o');
    expect(parseBenchArgs(['--out', 'x'], {}).outDir).toBe('x');
  });

  test('flags and values, with the bare -- that npm and vite-node pass', () => {
    const a = parseBenchArgs(['--', '--small', '--sections', 'gemm,vgg', '--models', 'lenet5, resnet18', '--runs', '7', '--deadline-s', '12.5', '--no-ort', '--device-class', 'adapter']);
    expect(a).toMatchObject({ small: true, sections: ['gemm', 'vgg'], models: ['lenet5', 'resnet18'], runs: 7, deadlineS: 12.5, noOrt: true, deviceClass: 'adapter' });
  });

  test.each([
    [['--runs', '0'], /--runs must be a positive integer/],
    [['--runs', '2.5'], /--runs must be a positive integer/],
    [['--peak-tflops', 'x'], /--peak-tflops must be a positive number/],
    [['--sections', 'networks,conv'], /unknown section conv/],
    [['--device-class', 'tpu'], /--device-class must be gpu, cpu or adapter/],
    [['--fast'], /unknown argument "--fast"/],
    [['--runs'], /--runs needs a value/],
    [['--runs', '--small'], /--runs needs a value/],
  ])('%j is an InvalidParameterError naming it', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(InvalidParameterError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('benchPlan', () => {
  test('full: the nine zoo networks at 224² (LeNet-5 at 32²), VGG-16 at 8/16/64, every GEMM a real product', () => {
    const plan = benchPlan(parseBenchArgs([]));
    expect(plan.networks.map((n) => n.id)).toEqual([...NINE_NETWORKS]);
    for (const id of NINE_NETWORKS) expect(ZOO.some((e) => e.id === id)).toBe(true);
    expect(plan.networks.find((n) => n.id === 'lenet5')!.size).toBe(32);
    expect(plan.networks.filter((n) => n.id !== 'lenet5').every((n) => n.size === 224)).toBe(true);
    expect(plan.vgg).toMatchObject({ size: 224, batches: [8, 16, 64] });
    // ~7 minutes on the device: each section stops starting rows at its share, the sweep at the deadline
    expect(plan.deadlineS).toBe(480);
    expect(plan.sectionEndS.networks).toBeLessThan(plan.sectionEndS.vgg);
    expect(plan.sectionEndS.vgg).toBeLessThan(plan.sectionEndS.gemm);
    expect(plan.sectionEndS.gemm).toBe(480);
    expect(benchPlan(parseBenchArgs(['--deadline-s', '100'])).sectionEndS).toEqual({ networks: 62, vgg: 80, gemm: 100 });
    expect(plan.gemm.sizes.length).toBeGreaterThanOrEqual(15);
    for (const s of plan.gemm.sizes) expect([s.m, s.n, s.k].every((v) => Number.isInteger(v) && v >= 1)).toBe(true);
    // ResNet-50 layer3 3×3 256→256 at 14²: M = 196 pixels, K = 9·256
    expect(plan.gemm.sizes.find((s) => s.origin.startsWith('resnet50 layer3 3×3'))).toMatchObject({ m: 196, n: 256, k: 2304 });
  });

  test('--small: LeNet-5 and MobileNetV2 at 64², VGG-16 at 32² batch 2, three GEMMs, few runs; overrides win', () => {
    const plan = benchPlan(parseBenchArgs(['--small']));
    expect(plan.networks).toEqual([{ id: 'lenet5', size: 32 }, { id: 'mobilenet_v2', size: 64 }]);
    expect(plan.vgg).toMatchObject({ size: 32, batches: [2] });
    expect(plan.gemm.sizes).toHaveLength(3);
    expect(plan.runs).toBeLessThanOrEqual(5);
    const custom = benchPlan(parseBenchArgs(['--small', '--models', 'resnet18', '--runs', '4', '--tune-cap-s', '9']));
    expect(custom).toMatchObject({ networks: [{ id: 'resnet18', size: 64 }], runs: 4, tuneCapS: 9 });
  });
});

describe('FLOP arithmetic', () => {
  test('VGG-16 at 224² is 15.47 GMACs (torchvision\'s count): 1 ms of it is 30.9 TFLOP/s', () => {
    const macs = summary(vgg16()).totalMacs;
    expect(macs / 1e9).toBeCloseTo(15.47, 1);
    expect(tflops(macs, 1)).toBeCloseTo(30.94, 1);
    expect(tflops(macs * 8, 4)).toBeCloseTo((2 * 8 * macs) / 4e9, 6);
  });

  test('GEMM GFLOP/s: 2·M·N·K over the time', () => {
    expect(gemmGflops({ m: 1024, n: 1024, k: 1024 }, 1)).toBeCloseTo(2147.48, 1);
    expect(gemmGflops({ m: 3, n: 5, k: 7 }, 0.5)).toBeCloseTo(0.00042, 8);
  });

  test('convShare: MACs of the conv2d layers, time of the executed nodes covering any of them (fused epilogues included)', () => {
    const layers = [
      { name: 'features.0', op: 'conv2d', macs: 100 },
      { name: 'features.1', op: 'relu', macs: 0 },
      { name: 'features.2', op: 'conv2d', macs: 300 },
      { name: 'classifier.0', op: 'linear', macs: 50 },
    ];
    const nodes = [
      { sources: ['features.0', 'features.1'], milliseconds: 2 },
      { sources: ['features.2'], milliseconds: 3 },
      { sources: ['classifier.0'], milliseconds: 7 },
    ];
    expect(convShare(layers, nodes)).toEqual({ macs: 400, milliseconds: 5, nodes: 2 });
    expect(convShare(layers, [])).toEqual({ macs: 400, milliseconds: 0, nodes: 0 });
  });
});

describe('sampledRelError (the sweep\'s check of each tile against float64)', () => {
  test('≈ f32 rounding for a correct product on random shapes, and catches one wrong entry', () => {
    const rng = new Rng(14);
    for (let trial = 0; trial < 6; trial++) {
      const s = { m: rng.int(1, 40), n: rng.int(1, 40), k: rng.int(1, 300) };
      const a = rng.array(s.m * s.k);
      const b = rng.array(s.k * s.n);
      const c = new Float32Array(s.m * s.n);
      for (let i = 0; i < s.m; i++) for (let j = 0; j < s.n; j++) {
        let acc = 0;
        for (let p = 0; p < s.k; p++) acc = Math.fround(acc + Math.fround(a[i * s.k + p]! * b[p * s.n + j]!));
        c[i * s.n + j] = acc;
      }
      // f32 accumulation over K ≤ 300 terms of size ≤ 1: measured ≤ 5.6e-7 of the largest sampled entry
      expect(sampledRelError(a, b, c, s), `${JSON.stringify(s)}`).toBeLessThan(5e-6);
      // entry (0, 0) is always sampled
      const wrong = c.slice();
      wrong[0] = wrong[0]! + 0.01 * Math.max(...Array.from(c, Math.abs));
      expect(sampledRelError(a, b, wrong, s)).toBeGreaterThan(5e-3);
    }
  });
});

describe('targetChecks', () => {
  const stats = (median: number) => ({ runs: 5, median, p10: median, p90: median, mean: median, min: median, max: median });
  const network = (id: string, size: number, auto: number, tuned?: number): NetworkRow => ({
    id, size, macs: 1,
    auto: { ok: true, wallMs: stats(auto), coldMs: 1, dispatches: 1, strategies: '' },
    ...(tuned === undefined ? {} : { tuned: { ok: true, wallMs: stats(tuned), relL2: 0, coldMs: 1, measured: 1, cached: 0, chosen: '' } }),
  });
  const vgg = (batch: number, convTflops: number): VggRow => ({
    batch, size: 224, macs: 1,
    result: { ok: true, wallMs: stats(1), tflops: 1, strategies: '', conv: { macs: 1, milliseconds: 1, tflops: convTflops, nodes: 13 } },
  });

  test('judged on the best of auto and tuned at 224², and the best VGG-16 batch ≥ 8', () => {
    const checks = targetChecks({ networks: [network('mobilenet_v2', 224, 1.4, 0.9), network('resnet50', 224, 2.5)], vgg: [vgg(8, 20), vgg(16, 40)], peakTflops: 67 });
    expect(checks.map((c) => c.met)).toEqual([true, false, true]);
    expect(checks[2]!.measured).toMatch(/40\.00 TFLOP\/s = 59\.7 % \(batch 16\)/);
  });

  test('not judged where this run did not measure the target\'s shape (small mode, a batch-2 VGG)', () => {
    const checks = targetChecks({ networks: [network('mobilenet_v2', 64, 0.1)], vgg: [{ ...vgg(2, 60), size: 32 }], peakTflops: 67 });
    expect(checks.map((c) => c.met)).toEqual([undefined, undefined, undefined]);
    expect(checks[0]!.measured).toMatch(/not at 224²/);
  });
});
