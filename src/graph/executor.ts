/**
 * compile(): graph + weights → a CompiledModel whose every dispatch is
 * prepared once. The passes (compile_passes.ts) and the placement
 * (placement.ts: steps, aliases, arena offsets) decide everything; the
 * executor then makes exactly the buffers the placement asks for — arenas,
 * input staging, weights, output conversion targets, in that order, under
 * error scopes — binds each step's dispatches to them, prepares those
 * (pipelines in parallel, bind groups once) and hands them to a Replay
 * (run_path.ts), which runs them.
 */
import type { AutotuneReport } from '../autotune/autotune.js';
import { DisposedError, InputError } from '../errors.js';
import type { GpuContext } from '../gpu/device.js';
import { GpuErrorCollector } from '../gpu/error_capture.js';
import { prepareDispatch, releaseDispatch, type DispatchSpec } from '../kernels/dispatch.js';
import { allocate } from './allocation.js';
import { abortable, checkCompileArguments, compilePasses, resolvedComputeUnits, throwIfAborted, type CompileOptions } from './compile_passes.js';
import type { ExecGraph, ExecNode } from './exec_graph.js';
import { elementCount, type Graph, type WeightMap } from './ir.js';
import { Lifecycle } from './lifecycle.js';
import { nodeKernel } from './node_kernels.js';
import { place, type Placement } from './placement.js';
import { describeValue, isGpuBuffer, normalizeInputs, type IoTensor, type TensorInput } from './run_inputs.js';
import { Replay, type ReplayStep, type RunOptions, type RunResult } from './run_path.js';
import { stepDispatches, tensorBinding } from './step_dispatches.js';

export type { CompileOptions } from './compile_passes.js';
export type { NodeTiming, Profile } from './profiling.js';
export type { TensorInput } from './run_inputs.js';
export type { OutputData, RunOptions, RunResult } from './run_path.js';

export interface ModelInfo {
  /** Executed nodes after fusion, with their conv strategy. */
  /** splitK: the K slices of a conv's GEMM, where more than 1 (a linear layer's are planned in its kernel). */
  nodes: { name: string; kind: ExecNode['kind']; sources: readonly string[]; strategy?: string; tile?: string; splitK?: number; scratchBytes?: number }[];
  dispatches: number;
  /**
   * Bytes of scratch the layers ask for (im2col's patch matrices), summed
   * over layers: what they write and re-read per run. The arena holds them
   * in reused space, so plannedBytes grows by at most the largest. Per node
   * as `scratchBytes` where it is not 0.
   */
  scratchBytes: number;
  /** Bytes of the arena buffers holding activations and scratch. */
  plannedBytes: number;
  /** Bytes if every intermediate tensor had its own buffer. */
  naiveBytes: number;
  arenas: number;
  weightBytes: number;
  /** E.g. a forced strategy that fell back to auto for a layer. */
  notices: readonly string[];
  /** What autotuning chose per conv layer, and which shapes it measured now (compile option `autotune`). */
  autotune?: AutotuneReport;
  /** Kernels with a subgroup variant run it (the device has `subgroups` and the compile option did not turn it off). */
  subgroups: boolean;
}

/**
 * Compiles a graph with its weights for a device.
 *
 * @example
 * const model = await compile(ctx, graph, weights);
 * const { outputs } = await model.run(new Float32Array(1 * 3 * 224 * 224));
 * model.dispose();
 */
export async function compile(ctx: GpuContext, graph: Graph, weights: WeightMap, options: CompileOptions = {}): Promise<CompiledModel> {
  checkCompileArguments(ctx, graph, weights);
  throwIfAborted(options.signal);
  const model = new CompiledModel(ctx, graph, weights, options);
  try {
    await model.build(options.signal);
  } catch (error) {
    // a failed compile keeps nothing on the GPU: retry loops must not leak
    model.dispose();
    throw error;
  }
  return model;
}

/** What one build made of the graph; replaced whole by the next build. */
interface Built {
  exec: ExecGraph;
  placement: Placement;
  notices: string[];
  weightBytes: number;
  replay: Replay;
  subgroups: boolean;
}

export class CompiledModel {
  private built: Built | undefined;
  private tuned: AutotuneReport | undefined;
  /** Every GPU buffer the current build made (uniform buffers included): released together. */
  private owned: GPUBuffer[] = [];
  /** Set while rebuild() works: runs wait for it instead of using half-made state. */
  private rebuilding: Promise<void> | undefined;
  private readonly life = new Lifecycle();

  /** Use compile(); the constructor does not touch the GPU. */
  constructor(
    private ctx: GpuContext,
    readonly graph: Graph,
    private readonly weights: WeightMap,
    private readonly options: CompileOptions,
  ) {}

  /** @internal builds everything on this.ctx */
  async build(signal?: AbortSignal): Promise<void> {
    const { ctx } = this;
    this.life.watch(ctx.device);
    const { exec, notices, tuned } = await abortable(compilePasses(ctx, this.graph, this.weights, this.options, this.tuned, signal), signal);
    this.tuned = tuned;
    const computeUnits = resolvedComputeUnits(ctx, this.options);
    const subgroups = ctx.features.subgroups && this.options.subgroups !== false;
    const kernels = exec.nodes.map((n) => nodeKernel(exec, n, ctx.limits.maxStorageBufferBindingSize, computeUnits, subgroups));
    const { minStorageBufferOffsetAlignment: alignment, maxStorageBufferBindingSize: maxBindingSize, maxBufferSize } = ctx.limits;
    const placement = place(exec, kernels, { alignment, maxBindingSize, maxBufferSize }, { readNchwInputs: this.options.readNchwInputs });
    throwIfAborted(signal);

    // every GPU object is made under error scopes: a refused allocation must fail compile, not run on zeros
    const gpuErrors = new GpuErrorCollector(ctx.device);
    const { buffers, weightBytes } = allocate(ctx.device, gpuErrors, exec, kernels, placement, (b) => this.owned.push(b));
    const specs = placement.steps.map((_, i) => stepDispatches(ctx.device, exec, kernels, placement, buffers, i));
    const io = (name: string, tensor: number): IoTensor => {
      const shape = exec.shapes.get(tensor)!;
      return { name, tensor, shape, elements: elementCount(shape) };
    };
    const inputs = exec.inputs.map((i) => ({ ...io(i.name, i.tensor), staging: buffers.staging.get(i.name)! }));
    const dtypeOf = (name: string) => this.graph.tensors[this.graph.outputs.find((o) => o.name === name)!.tensor]!.dtype ?? 'float32';
    const outputs = exec.outputs.map((o) => ({ ...io(o.name, o.tensor), source: buffers.outputTargets.get(o.name) ?? tensorBinding(placement, buffers, o.tensor), dtype: dtypeOf(o.name) }));
    throwIfAborted(signal);
    // prepareDispatch makes its uniform buffer and bind groups before its first await, so they fall in these scopes
    const prepare = (spec: DispatchSpec, layer: string) => gpuErrors.track({ operation: `dispatch "${spec.label}"`, layer }, () => prepareDispatch(ctx.device, spec, (b) => this.owned.push(b)));
    const prepared = await abortable(Promise.all(specs.flatMap((stepSpecs, i) => stepSpecs.map((spec) => prepare(spec, placement.steps[i]!.name)))), signal);
    await abortable(gpuErrors.throwFirst(), signal);
    let at = 0;
    const steps: ReplayStep[] = placement.steps.map((step, i) => ({ step, dispatches: specs[i]!.map(() => prepared[at++]!) }));
    this.built = { exec, placement, notices, weightBytes, replay: new Replay(ctx, this.life, steps, inputs, outputs, this.options.preEncode ?? true), subgroups };
  }

  /** What compile() made of the graph: fused nodes, strategies, memory. */
  get info(): ModelInfo {
    const { exec, placement, notices, weightBytes, replay, subgroups } = this.current();
    const scratch = new Map<number, number>();
    for (const step of placement.steps) if (step.kind === 'node' && step.scratchFloats) scratch.set(step.node, step.scratchFloats * 4);
    return {
      nodes: exec.nodes.map((n, i) => ({
        name: n.name,
        kind: n.kind,
        sources: n.sources,
        strategy: n.kind === 'conv' ? n.strategy : undefined,
        ...(n.kind === 'conv' && n.tile ? { tile: n.tile } : {}),
        ...(n.kind === 'conv' && n.splitK ? { splitK: n.splitK } : {}),
        ...(scratch.has(i) ? { scratchBytes: scratch.get(i)! } : {}),
      })),
      dispatches: replay.steps.reduce((s, p) => s + p.dispatches.length, 0),
      scratchBytes: [...scratch.values()].reduce((a, b) => a + b, 0),
      plannedBytes: placement.storage.peakBytes,
      naiveBytes: placement.storage.naiveBytes,
      arenas: placement.storage.arenaBytes.length,
      weightBytes,
      notices: [...notices],
      ...(this.tuned ? { autotune: this.tuned } : {}),
      subgroups,
    };
  }

  get inputNames(): string[] {
    return this.graph.inputs.map((i) => i.name);
  }

  get outputNames(): string[] {
    return this.graph.outputs.map((o) => o.name);
  }

  /**
   * Runs the model. `input` is one tensor (for single-input models) or a
   * record by input name; data is NCHW float32 (or [N, F]).
   *
   * @example
   * const result = await model.run(image);
   * const logits = result.float(model.outputNames[0]);    // Float32Array, NCHW
   * const best = result.int64('argmax');                   // BigInt64Array, for an ArgMax/TopK-indices output
   */
  async run(input: TensorInput | Readonly<Record<string, TensorInput>>, options: RunOptions = {}): Promise<RunResult> {
    while (this.rebuilding) await this.rebuilding.catch(() => undefined);
    return this.current().replay.run(input, options);
  }

  /**
   * Records one run into `encoder` without submitting it or reading anything
   * back: `inputs` (one GPUBuffer for single-input models, or a record by
   * name; NCHW float32, COPY_SRC) are copied in, the dispatches follow, and
   * each output named in `outputs` is copied into its buffer (COPY_DST, at
   * offset 0, float32). The caller encodes its own work before and after and
   * submits once — e.g. a trainer's next-batch augmentation beside the
   * backbone and the head step of the current batch. GPU errors surface in
   * the caller's error scopes. Do not mix with run() calls in flight that
   * the same command buffer would race (the two share the model's buffers).
   * @example
   * const encoder = ctx.device.createCommandEncoder();
   * model.encodeRun(encoder, batchBuffer, { features: featureBuffer });
   * ctx.device.queue.submit([encoder.finish()]);
   */
  encodeRun(encoder: GPUCommandEncoder, inputs: GPUBuffer | Readonly<Record<string, GPUBuffer>>, outputs: Readonly<Record<string, GPUBuffer>>): void {
    if (this.rebuilding) throw new DisposedError('the model is being rebuilt: await rebuild() before encoding a run');
    const { replay } = this.current();
    const given = normalizeInputs(replay.inputs, inputs);
    for (const [name, buffer] of given) if (!isGpuBuffer(buffer)) throw new InputError(name, 'encodeRun takes GPUBuffers only: use run() for CPU data');
    for (const [name, target] of Object.entries(outputs)) {
      const o = replay.outputs.find((x) => x.name === name);
      if (!o) throw new InputError(name, `no such output; outputs are ${replay.outputs.map((x) => x.name).join(', ')}`);
      if (!isGpuBuffer(target)) throw new InputError(name, `the output target must be a GPUBuffer, got ${describeValue(target)}`);
      if (target.size < o.elements * 4) throw new InputError(name, `the output buffer has ${target.size} bytes; [${o.shape.join(', ')}] float32 needs ${o.elements * 4}`);
      if ((target.usage & GPUBufferUsage.COPY_DST) === 0) throw new InputError(name, 'the output buffer lacks GPUBufferUsage.COPY_DST');
    }
    replay.encodeInto(encoder, given as ReadonlyMap<string, GPUBuffer>, outputs);
  }

  /** The first output of a single-input model, as a Float32Array (OutputTypeError if it is int64: use run). */
  async predict(input: TensorInput): Promise<Float32Array> {
    const name = this.graph.outputs[0]!.name;
    return (await this.run(input, { outputs: [name] })).float(name);
  }

  /**
   * Rebuilds on a new device after a loss (or to move devices): weights are
   * re-uploaded from the CPU copies, pipelines recreated.
   */
  async rebuild(ctx: GpuContext, signal?: AbortSignal): Promise<void> {
    if (this.life.disposed) throw new DisposedError('this model was disposed');
    if (this.rebuilding) await this.rebuilding.catch(() => undefined);
    this.releaseGpu();
    this.ctx = ctx;
    const building = this.build(signal);
    this.rebuilding = building;
    try {
      await building;
      // disposed while it built: what it made is released here, since dispose() ran before it existed
      if (this.life.disposed) {
        this.releaseGpu();
        throw new DisposedError('the model was disposed while it was being rebuilt');
      }
    } catch (error) {
      if (this.life.disposed) throw error;
      // half-built state is released; the model stays usable only through another rebuild
      this.releaseGpu();
      this.life.failRebuild(error as Error);
      throw error;
    } finally {
      if (this.rebuilding === building) this.rebuilding = undefined;
    }
  }

  /** Frees every GPU buffer the model made. Later calls throw DisposedError. */
  dispose(): void {
    if (this.life.disposed) return;
    this.releaseGpu();
    this.life.dispose();
  }

  /** The current build, once the model is known to be usable. */
  private current(): Built {
    this.life.assertUsable();
    if (!this.built) throw new DisposedError('the model is being rebuilt: await rebuild() before using it');
    return this.built;
  }

  private releaseGpu(): void {
    // runs in flight on this build see it released: their readbacks are destroyed, never pooled
    const replay = this.built?.replay;
    replay?.release();
    for (const s of replay?.steps ?? []) s.dispatches.forEach(releaseDispatch);
    for (const b of this.owned) b.destroy();
    this.built = undefined;
    this.owned = [];
  }
}
