/**
 * Times conv candidates on the device: random NHWC input and OIHW weights,
 * each candidate's dispatches in one compute pass, GPU timestamps where the
 * device has them (queue completion otherwise), median and spread of N runs
 * after warm-up. Each candidate's output is compared with a baseline
 * candidate's, so a fast but wrong kernel (a driver bug) is never chosen.
 */
import { createTensorBuffer, placeholderBuffer, readTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { PassTimer, median, quantile, type TimingSource } from '../gpu/timer.js';
import { CONV_STRATEGIES } from '../kernels/conv2d.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch } from '../kernels/dispatch.js';
import type { Activation } from '../vocabulary.js';
import { candidateDispatches, candidateName, type ConvCandidate } from './candidates.js';

export interface MeasureOptions {
  /** Timed runs per candidate (default 5). */
  runs?: number;
  /** Untimed runs first (default 1). */
  warmup?: number;
  activation?: Activation;
  /** Largest relative L2 difference from the baseline that still counts as correct (default 1e-3). */
  tolerance?: number;
  /** Seed of the random data (default 1). */
  seed?: number;
}

export interface CandidateTiming {
  candidate: ConvCandidate;
  name: string;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  source: TimingSource;
  /** Relative L2 difference of its output from the first candidate's. */
  relL2: number;
  correct: boolean;
}

function random(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    a[i] = state / 2147483648 - 1;
  }
  return a;
}

export function relativeL2(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = (actual[i] ?? NaN) - reference[i]!;
    num += d * d;
    den += reference[i]! * reference[i]!;
  }
  return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
}

/** Multiply-accumulates of a conv layer. */
export function convMacs(s: Conv2dShape): number {
  return s.batch * s.outHeight * s.outWidth * s.outChannels * (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth;
}

/**
 * Times each candidate on this shape; the first candidate is the baseline
 * the others' outputs are checked against.
 */
export async function measureConvCandidates(ctx: GpuContext, s: Conv2dShape, candidates: readonly ConvCandidate[], options: MeasureOptions = {}): Promise<CandidateTiming[]> {
  const { device } = ctx;
  const runs = Math.max(1, options.runs ?? 5);
  const warmup = options.warmup ?? 1;
  const tolerance = options.tolerance ?? 1e-3;
  const seed = options.seed ?? 1;
  const outFloats = s.batch * s.outHeight * s.outWidth * s.outChannels;
  const fanIn = (s.inChannels / s.groups) * s.kernelHeight * s.kernelWidth;
  const oihw = random(s.outChannels * fanIn, seed + 1).map((v) => v / Math.sqrt(fanIn));
  const input = createTensorBuffer(device, random(s.batch * s.inHeight * s.inWidth * s.inChannels, seed), 'autotune input');
  const bias = createTensorBuffer(device, random(s.outChannels, seed + 2), 'autotune bias');
  const output = createTensorBuffer(device, outFloats * 4, 'autotune output');
  const timer = new PassTimer(ctx);
  const results: CandidateTiming[] = [];
  let baseline: Float32Array | undefined;
  try {
    for (const candidate of candidates) {
      const strategy = CONV_STRATEGIES[candidate.strategy];
      const weight = createTensorBuffer(device, strategy.layoutWeights(s, oihw), 'autotune weight');
      const scratchFloats = strategy.scratchLength(s);
      const scratch = scratchFloats ? createTensorBuffer(device, scratchFloats * 4, 'autotune scratch') : undefined;
      const specs = candidateDispatches(s, candidate, { input, weight, bias, output, scratch, unused: placeholderBuffer(device) }, { activation: options.activation ?? 'none', hasBias: true });
      const prepared = await Promise.all(specs.map((d) => prepareDispatch(device, d)));
      try {
        const times: number[] = [];
        for (let i = 0; i < warmup + runs; i++) {
          const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
          if (i >= warmup) times.push(t.milliseconds);
        }
        const result = await readTensor(device, output, outFloats);
        baseline ??= result;
        const relL2 = relativeL2(result, baseline);
        results.push({
          candidate,
          name: candidateName(candidate),
          medianMs: median(times),
          p10Ms: quantile(times, 0.1),
          p90Ms: quantile(times, 0.9),
          minMs: Math.min(...times),
          maxMs: Math.max(...times),
          source: timer.source,
          relL2,
          correct: Number.isFinite(relL2) && relL2 <= tolerance,
        });
      } finally {
        prepared.forEach(releaseDispatch);
        weight.destroy();
        scratch?.destroy();
      }
    }
  } finally {
    timer.destroy();
    input.destroy();
    bias.destroy();
    output.destroy();
  }
  return results;
}
