/**
 * The CLI's pure pieces in-process: error → exit code, argument parsing,
 * image resampling against a float64 reference, latency statistics.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, type OptionSpec } from '../../src/cli/args.js';
import { latencyStats } from '../../src/cli/commands/bench.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit_codes.js';
import { IMAGENET_MEAN, IMAGENET_STD, imageToTensor, resizeAndCrop, resizeBilinear, type RgbImage } from '../../src/cli/image_input.js';
import { CliFileError, UsageError } from '../../src/cli/usage_error.js';
import {
  BindingLimitError,
  DeviceLostError,
  GraphError,
  InputError,
  OnnxFormatError,
  SafetensorsError,
  UnsupportedConfigurationError,
  UnsupportedOnnxError,
  WebGpuUnavailableError,
  WeightError,
} from '../../src/errors.js';
import { Rng } from '../helpers/random.js';

describe('exit codes', () => {
  it('maps every typed error to its code', () => {
    const cases: [unknown, number][] = [
      [new UsageError('x'), EXIT.usage],
      [new Error('surprise'), EXIT.usage],
      [new CliFileError('x'), EXIT.invalidFile],
      [new InputError('image', 'x'), EXIT.invalidFile],
      [new SafetensorsError('x'), EXIT.invalidFile],
      [new WeightError(['a'], [], []), EXIT.invalidFile],
      [new GraphError('n', 'x'), EXIT.invalidFile],
      [new OnnxFormatError('x'), EXIT.invalidFile],
      [new UnsupportedOnnxError('operators', 'x', [{ opType: 'CumSum', nodes: ['n'] }]), EXIT.unsupported],
      [new UnsupportedConfigurationError('x'), EXIT.unsupported],
      [new BindingLimitError('w', 10, 5), EXIT.unsupported],
      [new WebGpuUnavailableError('no-adapter', 'x'), EXIT.noGpu],
      [new DeviceLostError('unknown', 'x'), EXIT.noGpu],
    ];
    for (const [error, code] of cases) expect(exitCodeFor(error), String(error)).toBe(code);
  });
});

describe('parseArgs', () => {
  const options: OptionSpec[] = [
    { name: 'input', short: 'i', value: 'FILE', repeatable: true, help: '' },
    { name: 'top', value: 'K', help: '' },
    { name: 'json', help: '' },
  ];
  it('reads values, repeats, --x=y, flags and positionals', () => {
    const a = parseArgs(['m', '-i', 'a', '--input=b', '--top', '3', '--json', '--', '--not-an-option'], options);
    expect(a.positionals).toEqual(['m', '--not-an-option']);
    expect(a.values.get('input')).toEqual(['a', 'b']);
    expect(a.values.get('top')).toEqual(['3']);
    expect(a.flags.has('json')).toBe(true);
  });
  it('rejects unknown options, missing values, repeats of single options', () => {
    expect(() => parseArgs(['--nope'], options)).toThrow(UsageError);
    expect(() => parseArgs(['--top'], options)).toThrow(/needs a value/);
    expect(() => parseArgs(['--top', '1', '--top', '2'], options)).toThrow(/twice/);
    expect(() => parseArgs(['--json=1'], options)).toThrow(/takes no value/);
  });
});

/** float64 triangle-filter resampling of one channel, written out directly. */
function referenceResize(src: Float64Array, w: number, h: number, ow: number, oh: number): Float64Array {
  const weights = (inSize: number, outSize: number, o: number) => {
    const scale = inSize / outSize;
    const support = Math.max(1, scale);
    const centre = (o + 0.5) * scale;
    const taps: [number, number][] = [];
    for (let i = 0; i < inSize; i++) {
      const wgt = Math.max(0, 1 - Math.abs(i + 0.5 - centre) / support);
      if (wgt > 0) taps.push([i, wgt]);
    }
    const total = taps.reduce((s, t) => s + t[1], 0);
    return taps.map(([i, wgt]) => [i, wgt / total] as const);
  };
  const out = new Float64Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sum = 0;
      for (const [sy, wy] of weights(h, oh, y)) for (const [sx, wx] of weights(w, ow, x)) sum += src[sy * w + sx]! * wy * wx;
      out[y * ow + x] = sum;
    }
  }
  return out;
}

describe('image resampling', () => {
  const rng = new Rng(42);
  const randomImage = (width: number, height: number): RgbImage => ({ width, height, data: rng.array(width * height * 3, 0, 1) });

  it('equal size is the identity', () => {
    const img = randomImage(rng.int(5, 30), rng.int(5, 30));
    expect(resizeBilinear(img, img.width, img.height).data).toEqual(img.data);
  });

  it('matches a float64 separable triangle filter, shrinking and enlarging', () => {
    for (let t = 0; t < 6; t++) {
      const img = randomImage(rng.int(3, 40), rng.int(3, 40));
      const [ow, oh] = [rng.int(2, 50), rng.int(2, 50)];
      const ours = resizeBilinear(img, ow, oh);
      for (let c = 0; c < 3; c++) {
        const channel = Float64Array.from({ length: img.width * img.height }, (_, i) => img.data[3 * i + c]!);
        const ref = referenceResize(channel, img.width, img.height, ow, oh);
        for (let i = 0; i < ow * oh; i++) expect(ours.data[3 * i + c]).toBeCloseTo(ref[i]!, 5);
      }
    }
  });

  it('resize + centre crop follows torchvision: short side to the target, long side truncated, centred', () => {
    const img = randomImage(40, 30);
    const out = resizeAndCrop(img, 30, 20, 30);
    expect([out.width, out.height]).toEqual([30, 20]);
    // short side already 30: no resampling; crop rows 5..24 and columns 5..34
    for (const [x, y] of [[0, 0], [29, 19], [rng.int(0, 29), rng.int(0, 19)]] as const) {
      for (let c = 0; c < 3; c++) expect(out.data[3 * (y * 30 + x) + c]).toBe(img.data[3 * ((y + 5) * 40 + x + 5) + c]);
    }
  });
});

describe('imageToTensor', () => {
  it('normalizes per channel into NCHW planes (a uniform colour stays uniform through resize and crop)', () => {
    const rng = new Rng(43);
    const colour = [rng.next(), rng.next(), rng.next()];
    const [w, h] = [rng.int(60, 90), rng.int(60, 90)];
    const data = new Float32Array(w * h * 3).map((_, i) => colour[i % 3]!);
    const size = rng.int(16, 40);
    const out = imageToTensor({ width: w, height: h, data }, 3, size, size, { mean: IMAGENET_MEAN, std: IMAGENET_STD });
    expect(out.length).toBe(3 * size * size);
    for (let c = 0; c < 3; c++) {
      const expected = (colour[c]! - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
      for (const i of [0, size * size - 1, rng.int(0, size * size - 1)]) expect(out[c * size * size + i]).toBeCloseTo(expected, 5);
    }
  });
});

describe('latencyStats', () => {
  it('median and percentiles by linear interpolation', () => {
    const s = latencyStats([5, 1, 4, 2, 3, 10, 6, 7, 8, 9, 0]);
    expect(s.median).toBe(5);
    expect(s.p10).toBeCloseTo(1);
    expect(s.p90).toBeCloseTo(9);
    expect(s.min).toBe(0);
    expect(s.max).toBe(10);
  });
});
