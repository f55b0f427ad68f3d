/**
 * The run path of one build of a compiled model: write the inputs, replay
 * the prepared dispatches in one command buffer (one pass, or one pass per
 * step when profiling), copy the asked-for outputs and the finite counts into
 * one pooled readback buffer, and type whatever fails. Runs without
 * profile or keepOnGpu submit a command buffer encoded ahead, right after
 * the previous run of their shape was submitted (run_slots.ts). A Replay
 * owns only what runs create (readback buffers, pre-encoded runs, the finite
 * check); the executor owns the buffers and dispatches it replays and
 * releases the Replay with them.
 */
import { DisposedError, GpuFailureError, InputError } from '../errors.js';
import { paddedByteSize, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { withErrorScopes } from '../gpu/error_capture.js';
import { TimestampQueries } from '../gpu/timer.js';
import { encodeDispatch, type BufferBinding, type PreparedDispatch } from '../kernels/dispatch.js';
import { createFiniteCheck, type FiniteCheck } from './check_finite.js';
import type { Lifecycle } from './lifecycle.js';
import { profileQueries, readProfile } from './profiling.js';
import { copyGpuInputs, normalizeInputs, writeCpuInputs, type IoTensor, type StagedInput, type TensorInput } from './run_inputs.js';
import { newRunResult, outputData, type RunResult } from './run_result.js';
import type { ElementType } from '../ops/types.js';
import { copyBinding, copyResults, readbackLayout, type ReadbackLayout } from './readback_layout.js';
import { RunSlots, type RunSlot } from './run_slots.js';

/** Run shapes (output set × finite check) whose pre-encoded runs are kept at once. */
export const MAX_RUN_SHAPES = 2;

export type { OutputData, RunResult } from './run_result.js';

export interface RunOptions {
  /** Output names to return (default: all). */
  outputs?: readonly string[];
  /** Leave outputs on the GPU: fresh buffers the caller owns (float32; int64 outputs as float32-exact integers), instead of arrays. */
  keepOnGpu?: boolean;
  /** Time each node with GPU timestamps (where the device has `timestamp-query`). */
  profile?: boolean;
  /**
   * Count NaN, +∞ and −∞ in every input and output on the GPU, by their bits,
   * in the run's own command buffer (result in `RunResult.finite`). The
   * kernels propagate non-finite values as PyTorch does, but WGSL lets a
   * driver assume floats are finite: this scan is the guaranteed check.
   */
  checkFinite?: boolean;
}

/** A graph output and where its NCHW (or row-major) bytes are after a run. */
export interface RunOutput extends IoTensor {
  source: BufferBinding;
  /** What the caller receives (the GPU holds float32 either way). */
  dtype: ElementType;
}

/** One step's prepared dispatches: what a run replays (and a profile times as one pass). */
export interface ReplayStep {
  step: { readonly name: string; readonly label: string; readonly sources: readonly string[] };
  dispatches: readonly PreparedDispatch[];
}

export class Replay {
  /** Mappable readback buffers reused across runs (one is taken per run in flight). */
  private readonly readbacks: GPUBuffer[] = [];
  /** The finite scan of inputs and outputs, made on the first run that asks for it. */
  private finiteCheck: Promise<FiniteCheck> | undefined;
  /** Pre-encoded runs per run shape (output set, finite check), least recently used first. */
  private readonly shapes = new Map<string, RunSlots>();
  private released = false;

  /** @param preEncode encode each run shape's next command buffer ahead (compile option `preEncode`) */
  constructor(
    private readonly ctx: GpuContext,
    private readonly life: Lifecycle,
    readonly steps: readonly ReplayStep[],
    readonly inputs: readonly StagedInput[],
    readonly outputs: readonly RunOutput[],
    private readonly preEncode = true,
  ) {}

  async run(input: TensorInput | Readonly<Record<string, TensorInput>>, options: RunOptions): Promise<RunResult> {
    const { device } = this.ctx;
    const given = normalizeInputs(this.inputs, input);
    const outputs = (options.outputs ?? this.outputs.map((o) => o.name)).map((name) => {
      const o = this.outputs.find((x) => x.name === name);
      if (!o) throw new InputError(name, `no such output; outputs are ${this.outputs.map((x) => x.name).join(', ')}`);
      return o;
    });
    const finite = options.checkFinite ? await this.finiteCheckNow() : undefined;
    // GPU inputs are copied in a submit of their own, so a bad buffer is blamed on the input, not on the model
    const inputFailures = copyGpuInputs(device, this.inputs, given);
    const result = newRunResult();
    // the finite counts ride in the same readback as the outputs (alone, with keepOnGpu)
    const layout = readbackLayout(options.keepOnGpu ? [] : outputs, finite);
    const run: SubmittedRun = { readback: undefined, slot: undefined, timing: undefined, encodeFailure: undefined, runFailure: undefined };
    try {
      this.submit(run, given, outputs, finite, layout, options, result);
    } catch (error) {
      // thrown before anything was submitted: what it took goes back, or slots would stay busy for good
      this.settle(run, result, true);
      throw error;
    }
    // the next run's commands are encoded while the GPU works on this one, after run() has returned
    const slots = run.slot?.slots;
    if (slots) queueMicrotask(() => this.life.lost || slots.encodeAhead());

    let failed = false;
    try {
      await this.life.whilePending(async () => {
        const { readback, timing } = run;
        // the scopes settle on the device timeline, beside the readback: no extra round trip
        const done = readback ? readback.mapAsync(GPUMapMode.READ) : device.queue.onSubmittedWorkDone();
        const [inputFailure, encodeFailure, runFailure, doneFailure] = await Promise.all([inputFailures, run.encodeFailure, run.runFailure, done.then(() => undefined, (e: unknown) => e)]);
        const failure = inputFailure ?? encodeFailure ?? runFailure ?? (doneFailure ? this.failureOf(doneFailure) : undefined);
        if (failure) throw failure;
        if (readback) {
          const bytes = readback.getMappedRange();
          if (!options.keepOnGpu) outputs.forEach((o, i) => (result.outputs[o.name] = outputData(bytes.slice(layout.offsets[i]!, layout.offsets[i]! + o.elements * 4), o.dtype)));
          if (finite) result.finite = finite.decode(bytes, layout.finiteOffset);
          readback.unmap();
        }
        if (timing) result.profile = await readProfile(timing, this.steps.map((s) => s.step));
      });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      this.settle(run, result, failed);
    }
    return result;
  }

  /**
   * Records one run into the caller's encoder, with no submit and no
   * readback: each input buffer is copied into the model's staging buffer,
   * the model's dispatches follow in one pass, then each asked output is
   * copied into the caller's buffer. What the caller encodes before and after
   * shares the command buffer and runs in order with it, so a training loop can put a batch's augmentation, the backbone
   * over it and the head's step in one submit.
   */
  encodeInto(encoder: GPUCommandEncoder, inputs: ReadonlyMap<string, GPUBuffer>, outputs: Readonly<Record<string, GPUBuffer>>): void {
    for (const io of this.inputs) encoder.copyBufferToBuffer(inputs.get(io.name)!, 0, io.staging, 0, io.elements * 4);
    this.encode(encoder, undefined, undefined);
    for (const [name, target] of Object.entries(outputs)) {
      const o = this.outputs.find((x) => x.name === name)!;
      copyBinding(encoder, o.source, target, 0, o.elements * 4);
    }
  }

  /**
   * Writes the CPU inputs and submits the run under error scopes: a command
   * buffer encoded ahead for runs of a pre-encoded shape (encoded now into a
   * free slot if none is ready), else one encoded here as `options` ask.
   */
  private submit(
    run: SubmittedRun,
    given: ReadonlyMap<string, TensorInput>,
    outputs: readonly RunOutput[],
    finite: FiniteCheck | undefined,
    layout: ReadbackLayout,
    options: RunOptions,
    result: RunResult,
  ): void {
    const { device } = this.ctx;
    // runs that differ only in their inputs replay a command buffer encoded ahead
    const slots = this.preEncode && !options.profile && !options.keepOnGpu && layout.bytes > 0 ? this.slotsFor(outputs, finite, layout) : undefined;
    run.runFailure = withErrorScopes(device, { operation: 'run' }, () => {
      writeCpuInputs(device, this.inputs, given);
      const slot = slots?.take();
      if (slots && slot) {
        run.slot = { slots, slot };
        run.readback = slot.readback;
        // what encoding it ahead raised was caught by the scopes open then, not by these (which see the submit)
        run.encodeFailure = slot.encodeError;
        const commands = slot.commands ?? slots.encode(slot);
        slots.submitted(slot);
        device.queue.submit([commands]);
        return;
      }
      const encoder = device.createCommandEncoder({ label: 'run' });
      run.timing = options.profile ? profileQueries(this.ctx, this.steps.length) : undefined;
      this.encode(encoder, run.timing instanceof TimestampQueries ? run.timing : undefined, finite);
      if (options.keepOnGpu) {
        for (const o of outputs) {
          const buffer = device.createBuffer({ label: `output ${o.name}`, size: paddedByteSize(o.elements * 4), usage: TENSOR_USAGE });
          copyBinding(encoder, o.source, buffer, 0, o.elements * 4);
          result.gpuOutputs[o.name] = buffer;
        }
      }
      if (layout.bytes > 0) {
        run.readback = this.takeReadback(layout.bytes);
        copyResults(encoder, run.readback, options.keepOnGpu ? [] : outputs, finite, layout);
      }
      device.queue.submit([encoder.finish()]);
    }).error;
  }

  /** After a run: its readback (or slot) goes back, its queries are freed, and a failed run's GPU outputs too. */
  private settle(run: SubmittedRun, result: RunResult, failed: boolean): void {
    if (run.slot) run.slot.slots.giveBack(run.slot.slot);
    else if (run.readback) this.giveBack(run.readback);
    if (failed) for (const b of Object.values(result.gpuOutputs)) b.destroy();
    if (run.timing instanceof TimestampQueries) run.timing.destroy();
  }

  /** Frees what runs made; runs still in flight return their readbacks to no pool. */
  release(): void {
    this.released = true;
    const finite = this.finiteCheck;
    this.finiteCheck = undefined;
    void finite?.then((c) => c.release(), () => undefined);
    for (const b of this.readbacks.splice(0)) b.destroy();
    // their command buffers name this build's buffers: dropped, never submitted
    for (const slots of this.shapes.values()) slots.release();
    this.shapes.clear();
  }

  /** The pre-encoded runs of this output set and finite check; the least recently used shape beyond MAX_RUN_SHAPES is released. */
  private slotsFor(outputs: readonly RunOutput[], finite: FiniteCheck | undefined, layout: ReadbackLayout): RunSlots {
    const key = `${finite ? 'finite' : 'plain'}:${outputs.map((o) => o.name).join('\n')}`;
    let slots = this.shapes.get(key);
    if (slots) this.shapes.delete(key);
    slots ??= new RunSlots(this.ctx.device, layout.bytes, (encoder, readback) => {
      this.encode(encoder, undefined, finite);
      copyResults(encoder, readback, outputs, finite, layout);
    });
    this.shapes.set(key, slots);
    for (const [k, old] of this.shapes) {
      if (this.shapes.size <= MAX_RUN_SHAPES) break;
      old.release();
      this.shapes.delete(k);
    }
    return slots;
  }

  /** The model's dispatches (one timed pass per step when profiling), then the finite scan. */
  private encode(encoder: GPUCommandEncoder, queries: TimestampQueries | undefined, finite: FiniteCheck | undefined): void {
    if (queries) {
      this.steps.forEach((s, i) => {
        const pass = encoder.beginComputePass({ label: s.step.label, timestampWrites: queries.timestampWrites(i) });
        s.dispatches.forEach((d) => encodeDispatch(pass, d));
        pass.end();
      });
      queries.resolve(encoder);
      if (finite) {
        const pass = encoder.beginComputePass({ label: 'finite check' });
        finite.encode(pass);
        pass.end();
      }
      return;
    }
    const pass = encoder.beginComputePass({ label: 'model' });
    for (const s of this.steps) s.dispatches.forEach((d) => encodeDispatch(pass, d));
    finite?.encode(pass);
    pass.end();
  }

  /** The finite check over every input's staging buffer and every output (made once per build). */
  private async finiteCheckNow(): Promise<FiniteCheck> {
    this.finiteCheck ??= createFiniteCheck(this.ctx, [
      ...this.inputs.map((io) => ({ name: `input ${io.name}`, binding: io.staging, elements: io.elements })),
      ...this.outputs.map((o) => ({ name: o.name, binding: o.source, elements: o.elements })),
    ]);
    const check = await this.finiteCheck;
    if (this.released) throw new DisposedError('the model was rebuilt or disposed while this run was starting: run it again');
    return check;
  }

  /** A failed mapAsync or work-done wait, as the typed error the caller should see. */
  private failureOf(cause: unknown): Error {
    if (this.life.lost) return this.life.lost;
    if (this.life.disposed) return new DisposedError('the model was disposed while this run was in flight', { cause });
    if (this.released) return new DisposedError('the model was rebuilt while this run was in flight: run it again', { cause });
    return cause instanceof GpuFailureError ? cause : new InputError('run', `reading the outputs failed: ${String((cause as Error)?.message ?? cause)}`);
  }

  /** A free readback buffer of at least `bytes` (runs in flight each hold their own). */
  private takeReadback(bytes: number): GPUBuffer {
    const size = Math.max(16, bytes);
    const i = this.readbacks.findIndex((b) => b.size >= size);
    if (i >= 0) return this.readbacks.splice(i, 1)[0]!;
    return this.ctx.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  private giveBack(readback: GPUBuffer): void {
    if (readback.mapState === 'mapped') readback.unmap();
    // a readback of a released build (an older device generation) must never serve a later run
    if (readback.mapState === 'unmapped' && !this.released) this.readbacks.push(readback);
    else readback.destroy();
  }
}

/** What a run took and submitted, until it is read back. */
interface SubmittedRun {
  readback: GPUBuffer | undefined;
  /** The pre-encoded slot it submitted (its readback is `readback`). */
  slot: { slots: RunSlots; slot: RunSlot } | undefined;
  timing: TimestampQueries | { reason: string } | undefined;
  /** Raised while its commands were encoded ahead, in scopes of their own. */
  encodeFailure: Promise<GpuFailureError | undefined> | undefined;
  /** Raised by the input writes, the submit and anything encoded in the run. */
  runFailure: Promise<GpuFailureError | undefined> | undefined;
}
