/**
 * Times conv candidates on the device: random NHWC input and OIHW weights,
 * each candidate's dispatches in one compute pass, GPU timestamps where the
 * device has them (queue completion otherwise), median and spread of N runs
 * after warm-up. Each candidate's output is compared with a baseline
 * candidate's, so a fast but wrong kernel (a driver bug) is never chosen.
 * A candidate that fails (a typed error of ours — a binding over the
 * device's limit, an unsupported configuration, a grid or uniform out of
 * range — or an error the GPU reports while it is set up and timed) is
 * skipped and told to `onSkip`; the others are still measured.
 */
import { createTensorBuffer, placeholderBuffer, readTensor } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { withErrorScopesAsync } from '../gpu/error_capture.js';
import { PassTimer, median, quantile, type TimingSource } from '../gpu/timer.js';
import { CONV_STRATEGIES } from '../kernels/conv2d.js';
import type { Conv2dShape } from '../kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type PreparedDispatch } from '../kernels/dispatch.js';
import { BindingLimitError, GpuFailureError, InvalidParameterError, ShaderError, UnsupportedConfigurationError } from '../errors.js';
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
  /** Told each candidate that failed and was skipped (default: dropped silently). */
  onSkip?: (skipped: SkippedCandidate) => void;
}

/** A candidate that could not be measured, and why. */
export interface SkippedCandidate {
  /** Its name (candidateName). */
  candidate: string;
  /** The error's message. */
  reason: string;
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

/**
 * What one candidate may fail with and be skipped: the candidate cannot serve
 * this shape on this device. Anything else (a lost device, an abort, a bug)
 * stays fatal.
 */
function skippable(error: unknown): error is Error {
  return [InvalidParameterError, UnsupportedConfigurationError, BindingLimitError, ShaderError, GpuFailureError].some((type) => error instanceof type);
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
 * Times each candidate on this shape; the first candidate that runs is the
 * baseline the others' outputs are checked against. Skipped candidates have
 * no entry in the result (see `onSkip`).
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
      const name = candidateName(candidate);
      let weight: GPUBuffer | undefined;
      let scratch: GPUBuffer | undefined;
      let partials: GPUBuffer | undefined;
      const prepared: PreparedDispatch[] = [];
      try {
        const measured = await withErrorScopesAsync(device, { operation: `autotune candidate ${name}` }, async () => {
          weight = createTensorBuffer(device, strategy.layoutWeights(s, oihw), 'autotune weight');
          const scratchFloats = strategy.scratchLength(s);
          scratch = scratchFloats ? createTensorBuffer(device, scratchFloats * 4, 'autotune scratch') : undefined;
          const partialFloats = strategy.partialLength?.(s, candidate.tile, candidate.splitK) ?? 0;
          partials = partialFloats ? createTensorBuffer(device, partialFloats * 4, 'autotune split-K partials') : undefined;
          const specs = candidateDispatches(s, candidate, { input, weight, bias, output, scratch, partials, unused: placeholderBuffer(device) }, { activation: options.activation ?? 'none', hasBias: true });
          const settled = await Promise.allSettled(specs.map((d) => prepareDispatch(device, d)));
          for (const r of settled) if (r.status === 'fulfilled') prepared.push(r.value);
          for (const r of settled) if (r.status === 'rejected') throw r.reason;
          const times: number[] = [];
          for (let i = 0; i < warmup + runs; i++) {
            const t = await timer.time((pass) => prepared.forEach((d) => encodeDispatch(pass, d)));
            if (i >= warmup) times.push(t.milliseconds);
          }
          return { times, result: await readTensor(device, output, outFloats) };
        }).catch((error: unknown) => {
          if (!skippable(error)) throw error;
          options.onSkip?.({ candidate: name, reason: error.message });
          return undefined;
        });
        if (!measured) continue;
        const { times, result } = measured;
        baseline ??= result;
        const relL2 = relativeL2(result, baseline);
        results.push({
          candidate,
          name,
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
        weight?.destroy();
        scratch?.destroy();
        partials?.destroy();
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
