/**
 * compile(): graph + weights → a CompiledModel whose every dispatch is
 * prepared once (pipelines created in parallel and cached per device, bind
 * groups made, weights uploaded, memory planned). run(): write the inputs,
 * encode the prepared dispatches into one command buffer, read back only the
 * outputs asked for.
 */
import { autotuneConvs, type AutotuneOptions, type AutotuneReport } from '../autotune/autotune.js';
import { GEMM_TILES, withGemmTile } from '../autotune/candidates.js';
import { AbortError, DeviceLostError, DisposedError, GpuFailureError, InputError, InvalidParameterError } from '../errors.js';
import { createTensorBuffer, paddedByteSize, placeholderBuffer, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import { onDeviceLost } from '../gpu/device_loss.js';
import { GpuErrorCollector, withErrorScopes } from '../gpu/error_capture.js';
import { createFiniteCheck, type FiniteCheck, type FiniteReport } from './check_finite.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import { fullSlice } from '../kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type BufferBinding, type DispatchSpec, type PreparedDispatch } from '../kernels/dispatch.js';
import { permute4d } from '../kernels/layout_transform.js';
import { consumerCounts, lower, nodeReads, tensorLabel, type ExecGraph, type ExecNode } from './exec_graph.js';
import { elementCount, type Graph, type Shape, type WeightMap } from './ir.js';
import { concatCopy, nodeKernel, type NodeKernel } from './node_kernels.js';
import { runPasses, type PassOptions } from './passes/index.js';
import { planStorage, type PlannedStep, type StoragePlan, type TensorAlias } from './storage_plan.js';

export interface CompileOptions extends PassOptions {
  /**
   * Cancels compilation: honoured at every wait (passes, autotune, pipeline
   * creation); the GPU objects made so far are released and compile rejects
   * with AbortError.
   */
  signal?: AbortSignal;
  label?: string;
  /**
   * Measure the candidate strategies and GEMM tiles of each distinct conv
   * shape on this device and use the fastest correct one; choices are kept
   * per (adapter, shape) in a store (localStorage in browsers, a JSON file
   * with webgpu-cnn/node) so later compiles measure nothing. Layers named in
   * `layerStrategies` and a forced `strategy` are left alone.
   */
  autotune?: boolean | AutotuneOptions;
}

/** A run input: NCHW (or [N, F]) float32 data, on the CPU or already on the GPU. */
export type TensorInput = Float32Array | GPUBuffer;

export interface RunOptions {
  /** Output names to return (default: all). */
  outputs?: readonly string[];
  /** Leave outputs on the GPU: fresh buffers the caller owns, instead of Float32Arrays. */
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

export interface NodeTiming {
  /** The executed node (a fused node is named after its anchor, e.g. the conv). */
  name: string;
  /** The graph nodes it covers. */
  sources: readonly string[];
  milliseconds: number;
}

export interface Profile {
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  nodes: NodeTiming[];
  totalMilliseconds: number;
}

export interface RunResult {
  /** NCHW (or [N, F]) outputs by name (when keepOnGpu is false). */
  outputs: Record<string, Float32Array>;
  /** Caller-owned GPU buffers by name (when keepOnGpu is true). */
  gpuOutputs: Record<string, GPUBuffer>;
  profile?: Profile;
  /** Non-finite counts per input (named `input <name>`) and output, when run with `checkFinite`. */
  finite?: FiniteReport;
}

export interface ModelInfo {
  /** Executed nodes after fusion, with their conv strategy. */
  nodes: { name: string; kind: ExecNode['kind']; sources: readonly string[]; strategy?: string; tile?: string }[];
  dispatches: number;
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
}

interface Step {
  label: string;
  name: string;
  sources: readonly string[];
  reads: number[];
  writes: number[];
  scratchFloats: number;
  build(bind: StepBindings): DispatchSpec[];
}

interface StepBindings {
  read(t: number): BufferBinding;
  write(t: number): { binding: BufferBinding; slice: ChannelSlice };
  scratch?: BufferBinding;
  /** A model-owned tensor buffer (weights, output targets), its GPU errors checked at compile. */
  tensorBuffer(data: Float32Array | number, label: string, layer?: string): GPUBuffer;
}

interface IoTensor {
  name: string;
  tensor: number;
  shape: Shape;
  elements: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('compile was aborted');
}

/** `work`, or AbortError as soon as `signal` fires (the work itself is left to settle unobserved). */
async function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  throwIfAborted(signal);
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new AbortError('compile was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Catches the argument mistakes that would otherwise surface as a TypeError deep inside. */
function checkCompileArguments(ctx: GpuContext, graph: Graph, weights: WeightMap): void {
  if (!ctx || typeof ctx !== 'object' || !ctx.device) {
    throw new InvalidParameterError('ctx', 'compile(ctx, graph, weights) needs a GpuContext: make one with createGpuContext() (or createNodeGpuContext() in Node)');
  }
  if (!graph || typeof graph !== 'object' || !Array.isArray(graph.nodes) || !Array.isArray(graph.inputs)) {
    throw new InvalidParameterError('graph', 'compile(ctx, graph, weights) needs a Graph: build one with GraphBuilder.build(), a zoo builder or loadOnnx()');
  }
  if (!(weights instanceof Map)) {
    const got = weights === undefined ? 'nothing' : describe(weights);
    throw new InvalidParameterError(
      'weights',
      `compile(ctx, graph, weights) needs a Map of parameter name → Float32Array, got ${got}. ` +
        'Load a file with weightsForGraph(graph, await loadSafetensors(url)), take an ONNX model\'s `weights`, or try the graph with randomWeights(graph)',
    );
  }
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

export class CompiledModel {
  private steps: Step[] = [];
  private prepared: { step: Step; dispatches: PreparedDispatch[] }[] = [];
  private owned: GPUBuffer[] = [];
  private exec!: ExecGraph;
  private plan!: StoragePlan;
  private notices: string[] = [];
  private tuned: AutotuneReport | undefined;
  private weightBytes = 0;
  /** Mappable readback buffers reused across runs (one is taken per run in flight). */
  private readbacks: GPUBuffer[] = [];
  private inputs: (IoTensor & { staging: GPUBuffer })[] = [];
  /** Output conversion targets (NHWC → NCHW), made while scheduling. */
  private outputSources = new Map<string, BufferBinding>();
  private outputs: (IoTensor & { source: BufferBinding })[] = [];
  private disposed = false;
  /** Bumped whenever the GPU objects are released: a run's buffers of an older generation never return to the pools. */
  private generation = 0;
  /** Set while rebuild() works: runs wait for it instead of using half-made state. */
  private rebuilding: Promise<void> | undefined;
  private lost: DeviceLostError | undefined;
  /** The finite scan of inputs and outputs, made on the first run that asks for it. */
  private finiteCheck: Promise<FiniteCheck> | undefined;
  private readonly pending = new Set<(e: Error) => void>();

  /** Use compile(); the constructor does not touch the GPU. */
  constructor(
    private ctx: GpuContext,
    readonly graph: Graph,
    private readonly weights: WeightMap,
    private readonly options: CompileOptions,
  ) {}

  /** @internal builds everything on this.ctx */
  async build(signal?: AbortSignal): Promise<void> {
    const { device } = this.ctx;
    this.watchDevice(device);
    this.notices = [];
    this.outputSources = new Map();
    this.exec = await abortable(this.passes(signal), signal);
    const exec = this.exec;
    const kernels = exec.nodes.map((n) => nodeKernel(exec, n, this.ctx.limits.maxStorageBufferBindingSize));
    const aliases = this.decideAliases(exec, kernels);
    const root = (t: number) => aliases.get(t)?.root ?? t;
    this.steps = this.schedule(exec, kernels, aliases);

    const ioInputs = exec.inputs.map((i) => this.ioTensor(i.name, i.tensor));
    // 2-D graph inputs are read straight from their staging buffer; 4-D ones are converted into the arena
    const external = new Set(ioInputs.filter((i) => i.shape.length !== 4).map((i) => i.tensor));
    const rootBytes = new Map<number, number>();
    for (const [t, shape] of exec.shapes) if (root(t) === t && !external.has(t)) rootBytes.set(t, elementCount(shape) * 4);
    const planned: PlannedStep[] = this.steps.map((s) => ({ reads: s.reads.map(root), writes: s.writes.map(root), scratchBytes: s.scratchFloats * 4 }));
    const limits = this.ctx.limits;
    this.plan = planStorage(planned, rootBytes, new Set(exec.outputs.map((o) => root(o.tensor))), {
      alignment: limits.minStorageBufferOffsetAlignment,
      maxBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
    }, { tensor: (t) => tensorLabel(exec, t), step: (i) => this.steps[i]!.name });
    throwIfAborted(signal);

    // every GPU object is made under error scopes: a refused allocation must fail compile, not run on zeros
    const gpuErrors = new GpuErrorCollector(device);
    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const arenas = this.plan.arenaBytes.map((bytes, i) =>
      own(gpuErrors.track({ operation: `arena ${i}`, layer: this.largestLayerIn(i, root), bytes }, () => device.createBuffer({ label: `arena ${i}`, size: Math.max(16, bytes), usage: TENSOR_USAGE }))),
    );
    this.inputs = ioInputs.map((io) => ({
      ...io,
      staging: own(gpuErrors.track({ operation: `input "${io.name}" staging buffer`, bytes: io.elements * 4 }, () => createTensorBuffer(device, io.elements * 4, `input ${io.name}`))),
    }));
    const tensorBuffer = (data: Float32Array | number, label: string, layer?: string): GPUBuffer => {
      const bytes = typeof data === 'number' ? data : data.byteLength;
      return own(gpuErrors.track({ operation: label, layer, bytes }, () => createTensorBuffer(device, data, label)));
    };
    const rootBinding = (t: number): BufferBinding => {
      const r = root(t);
      const input = this.inputs.find((i) => i.tensor === r && external.has(r));
      if (input) return input.staging;
      const loc = this.plan.tensors.get(r)!;
      return { buffer: arenas[loc.arena]!, offset: loc.offset, size: loc.bytes };
    };

    const specs: { step: Step; specs: DispatchSpec[] }[] = [];
    this.weightBytes = 0;
    for (const [i, step] of this.steps.entries()) {
      const scratchLoc = this.plan.scratch.get(i);
      specs.push({
        step,
        specs: this.withTunedTile(step.name, step.build({
          read: (t) => rootBinding(t),
          write: (t) => ({ binding: rootBinding(t), slice: aliases.get(t)?.slice ?? fullSlice(channelsOf(exec.shapes.get(t)!)) }),
          scratch: scratchLoc ? { buffer: arenas[scratchLoc.arena]!, offset: scratchLoc.offset, size: scratchLoc.bytes } : undefined,
          tensorBuffer,
        })),
      });
    }
    this.outputs = exec.outputs.map((o) => {
      const io = this.ioTensor(o.name, o.tensor);
      return { ...io, source: this.outputSources.get(o.name) ?? rootBinding(o.tensor) };
    });
    const flat = specs.flatMap((s) => s.specs.map((spec) => ({ spec, layer: s.step.name })));
    throwIfAborted(signal);
    const preparing = flat.map(({ spec, layer }) =>
      // prepareDispatch makes its uniform buffer and bind groups before its first await, so they fall in these scopes
      gpuErrors.track({ operation: `dispatch "${spec.label}"`, layer }, () => prepareDispatch(device, spec, own)),
    );
    const prepared = await abortable(Promise.all(preparing), signal);
    await abortable(gpuErrors.throwFirst(), signal);
    let at = 0;
    this.prepared = specs.map((s) => ({ step: s.step, dispatches: s.specs.map(() => prepared[at++]!) }));
  }

  /** The layer producing the largest tensor placed in an arena: what an out-of-memory message names. */
  private largestLayerIn(arena: number, root: (t: number) => number): string | undefined {
    let best: { bytes: number; tensor: number } | undefined;
    for (const [tensor, loc] of this.plan.tensors) if (loc.arena === arena && (!best || loc.bytes > best.bytes)) best = { bytes: loc.bytes, tensor };
    if (!best) return undefined;
    const producer = this.exec.nodes.find((n) => root(n.output) === best!.tensor);
    return producer?.name ?? this.exec.inputs.find((i) => root(i.tensor) === best!.tensor)?.name;
  }

  /** The passes, with autotuned strategies where asked (measured once; a rebuild reuses them). */
  private async passes(signal: AbortSignal | undefined): Promise<ExecGraph> {
    const lowered = lower(this.graph, this.weights);
    // `auto` follows the adapter's class (GPU or CPU emulation) unless the caller set one
    const options: CompileOptions = { ...this.options, deviceClass: this.options.deviceClass ?? this.ctx.deviceClass };
    const { autotune, strategy } = options;
    if (!autotune || (strategy && strategy !== 'auto')) {
      if (autotune) this.notices.push(`autotune skipped: strategy "${strategy}" is forced for every layer`);
      return runPasses(lowered, options, this.notices);
    }
    if (!this.tuned) {
      const auto = runPasses(lowered, { ...options, layerStrategies: undefined }, []);
      this.tuned = await abortable(autotuneConvs(this.ctx, auto, autotune === true ? {} : autotune), signal);
      throwIfAborted(signal);
    }
    const tunedStrategies = Object.fromEntries(Object.entries(this.tuned.layers).map(([name, l]) => [name, l.strategy]));
    return runPasses(lowered, { ...options, layerStrategies: { ...tunedStrategies, ...this.options.layerStrategies } }, this.notices);
  }

  /** A tuned GEMM tile for this conv, unless the user forced the layer's strategy. */
  private tunedTile(name: string): string | undefined {
    const layer = this.tuned?.layers[name];
    if (!layer?.tile || this.options.layerStrategies?.[name]) return undefined;
    return layer.tile;
  }

  private withTunedTile(name: string, specs: DispatchSpec[]): DispatchSpec[] {
    const tile = this.tunedTile(name);
    return tile ? withGemmTile(specs, GEMM_TILES[tile]!) : specs;
  }

  private ioTensor(name: string, tensor: number): IoTensor {
    const shape = this.exec.shapes.get(tensor)!;
    return { name, tensor, shape, elements: elementCount(shape) };
  }

  private decideAliases(exec: ExecGraph, kernels: NodeKernel[]): Map<number, TensorAlias> {
    const aliases = new Map<number, TensorAlias>();
    const consumers = consumerCounts(exec);
    const producerIndex = new Map(exec.nodes.map((n, i) => [n.output, i] as const));
    const outputs = new Set(exec.outputs.map((o) => o.tensor));
    const rootOf = (t: number) => aliases.get(t)?.root ?? t;
    for (const n of exec.nodes) {
      if (n.kind === 'flatten') {
        const s = exec.shapes.get(n.inputs[0]!)!;
        if (s.length !== 4 || s[2]! * s[3]! === 1) aliases.set(n.output, { root: rootOf(n.inputs[0]!) });
      }
      if (n.kind === 'concat') {
        const channels = exec.shapes.get(n.output)![1]!;
        let offset = 0;
        for (const t of n.inputs) {
          const p = producerIndex.get(t);
          const once = n.inputs.filter((x) => x === t).length === 1;
          if (p !== undefined && kernels[p]!.writesSlices && consumers.get(t) === 1 && once && !outputs.has(t) && !aliases.has(t)) {
            aliases.set(t, { root: n.output, slice: { channelStride: channels, channelOffset: offset } });
          }
          offset += exec.shapes.get(t)![1]!;
        }
      }
    }
    return aliases;
  }

  private schedule(exec: ExecGraph, kernels: NodeKernel[], aliases: Map<number, TensorAlias>): Step[] {
    const { device } = this.ctx;
    const steps: Step[] = [];
    const staging = (name: string) => this.inputs.find((i) => i.name === name)!.staging;
    for (const input of exec.inputs) {
      const shape = exec.shapes.get(input.tensor)!;
      if (shape.length !== 4) continue;
      const [n, c, h, w] = shape as [number, number, number, number];
      steps.push({
        label: `input ${input.name} NCHW→NHWC`, name: `input:${input.name}`, sources: [], reads: [], writes: [input.tensor], scratchFloats: 0,
        build: (b) => [permute4d([n, c, h, w], [0, 2, 3, 1], staging(input.name), b.write(input.tensor).binding, `input ${input.name}`)],
      });
    }
    exec.nodes.forEach((node, i) => {
      const kernel = kernels[i]!;
      if (node.kind === 'flatten' && aliases.get(node.output)?.root === (aliases.get(node.inputs[0]!)?.root ?? node.inputs[0])) return;
      if (node.kind === 'concat') {
        let offset = 0;
        const channels = exec.shapes.get(node.output)![1]!;
        node.inputs.forEach((t, k) => {
          const slice = { channelStride: channels, channelOffset: offset };
          offset += exec.shapes.get(t)![1]!;
          if (aliases.get(t)?.root === node.output) return;
          steps.push({
            label: `${node.name} copy input ${k}`, name: node.name, sources: node.sources, reads: [t], writes: [node.output], scratchFloats: 0,
            build: (b) => [concatCopy(exec, t, b.read(t), b.write(node.output).binding, slice, `${node.name} input ${k}`)],
          });
        });
        return;
      }
      steps.push({
        label: node.sources.join('+'), name: node.name, sources: node.sources, reads: nodeReads(node), writes: [node.output], scratchFloats: kernel.scratchFloats,
        build: (b) => {
          const out = b.write(node.output);
          const weights: Record<string, BufferBinding> = {};
          for (const [role, data] of Object.entries(kernel.weights)) {
            const buffer = b.tensorBuffer(data, `${node.name}.${role}`, node.name);
            this.weightBytes += buffer.size;
            weights[role] = buffer;
          }
          return kernel.dispatches({ read: b.read, write: out.binding, slice: out.slice, weights, scratch: b.scratch, unused: placeholderBuffer(device) });
        },
      });
    });
    for (const output of exec.outputs) {
      const shape = exec.shapes.get(output.tensor)!;
      if (shape.length !== 4 || shape[2]! * shape[3]! === 1) continue;
      const [n, c, h, w] = shape as [number, number, number, number];
      steps.push({
        label: `output ${output.name} NHWC→NCHW`, name: `output:${output.name}`, sources: [], reads: [output.tensor], writes: [], scratchFloats: 0,
        build: (b) => {
          const target = b.tensorBuffer(elementCount(shape) * 4, `output ${output.name}`);
          this.outputSources.set(output.name, target);
          return [permute4d([n, h, w, c], [0, 3, 1, 2], b.read(output.tensor), target, `output ${output.name}`)];
        },
      });
    }
    return steps;
  }

  private watchDevice(device: GPUDevice): void {
    this.unwatchDevice?.();
    this.unwatchDevice = onDeviceLost(device, (info) => {
      if (this.ctx.device !== device || this.disposed) return;
      this.lost = new DeviceLostError(info.reason, `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); call rebuild() with a new device`);
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    });
  }

  /** Stops listening for the loss of the current device (dispose, rebuild). */
  private unwatchDevice: (() => void) | undefined;

  /** What compile() made of the graph: fused nodes, strategies, memory. */
  get info(): ModelInfo {
    this.assertUsable();
    return {
      nodes: this.exec.nodes.map((n) => ({
        name: n.name,
        kind: n.kind,
        sources: n.sources,
        strategy: n.kind === 'conv' ? n.strategy : undefined,
        ...(n.kind === 'conv' && this.tunedTile(n.name) ? { tile: this.tunedTile(n.name) } : {}),
      })),
      dispatches: this.prepared.reduce((s, p) => s + p.dispatches.length, 0),
      plannedBytes: this.plan.peakBytes,
      naiveBytes: this.plan.naiveBytes,
      arenas: this.plan.arenaBytes.length,
      weightBytes: this.weightBytes,
      notices: [...this.notices],
      ...(this.tuned ? { autotune: this.tuned } : {}),
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
   * const { outputs } = await model.run(image);           // Float32Array, NCHW
   * const logits = outputs[model.outputNames[0]];
   */
  async run(input: TensorInput | Readonly<Record<string, TensorInput>>, options: RunOptions = {}): Promise<RunResult> {
    if (this.rebuilding) await this.rebuilding.catch(() => undefined);
    this.assertUsable();
    const { device } = this.ctx;
    const generation = this.generation;
    const given = this.normalizeInputs(input);
    const wanted = options.outputs ?? this.outputs.map((o) => o.name);
    const outputs = wanted.map((name) => {
      const o = this.outputs.find((x) => x.name === name);
      if (!o) throw new InputError(name, `no such output; outputs are ${this.outputs.map((x) => x.name).join(', ')}`);
      return o;
    });

    const finite = options.checkFinite ? await this.finiteCheckOf(generation) : undefined;
    // GPU inputs are copied in a submit of their own, so a bad buffer is blamed on the input, not on the model
    const inputFailures = this.copyGpuInputs(given);
    const result: RunResult = { outputs: {}, gpuOutputs: {} };
    const offsets: number[] = [];
    let readback: GPUBuffer | undefined;
    let timing: ReturnType<CompiledModel['timingQueries']> | undefined;
    let finiteOffset = 0;
    const { error: runFailure } = withErrorScopes(device, { operation: 'run' }, () => {
      const encoder = device.createCommandEncoder({ label: 'run' });
      for (const io of this.inputs) {
        const data = given.get(io.name)!;
        if (data instanceof Float32Array) device.queue.writeBuffer(io.staging, 0, data.buffer, data.byteOffset, data.byteLength);
      }
      timing = options.profile ? this.timingQueries() : undefined;
      if (timing && 'querySet' in timing) {
        const t = timing;
        this.prepared.forEach((p, i) => {
          const pass = encoder.beginComputePass({ label: p.step.label, timestampWrites: { querySet: t.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
          p.dispatches.forEach((d) => encodeDispatch(pass, d));
          pass.end();
        });
        encoder.resolveQuerySet(t.querySet, 0, 2 * this.prepared.length, t.resolve, 0);
        encoder.copyBufferToBuffer(t.resolve, 0, t.read, 0, t.resolve.size);
        if (finite) {
          const pass = encoder.beginComputePass({ label: 'finite check' });
          finite.encode(pass);
          pass.end();
        }
      } else {
        const pass = encoder.beginComputePass({ label: 'model' });
        for (const p of this.prepared) p.dispatches.forEach((d) => encodeDispatch(pass, d));
        finite?.encode(pass);
        pass.end();
      }
      let total = 0;
      if (options.keepOnGpu) {
        for (const o of outputs) {
          const buffer = device.createBuffer({ label: `output ${o.name}`, size: paddedByteSize(o.elements * 4), usage: TENSOR_USAGE });
          copyBinding(encoder, o.source, buffer, 0, o.elements * 4);
          result.gpuOutputs[o.name] = buffer;
        }
      } else {
        for (const o of outputs) {
          offsets.push(total);
          total += paddedByteSize(o.elements * 4);
        }
      }
      // the finite counts ride in the same readback as the outputs (alone, with keepOnGpu)
      finiteOffset = total;
      if (finite) total += finite.byteLength;
      if (total > 0) {
        readback = this.takeReadback(total);
        if (!options.keepOnGpu) outputs.forEach((o, i) => copyBinding(encoder, o.source, readback!, offsets[i]!, o.elements * 4));
        finite?.copyTo(encoder, readback, finiteOffset);
      }
      device.queue.submit([encoder.finish()]);
    });

    let failed = false;
    try {
      await this.whilePending(async () => {
        // the scopes settle on the device timeline, beside the readback: no extra round trip
        const done = readback ? readback.mapAsync(GPUMapMode.READ) : device.queue.onSubmittedWorkDone();
        const [inputFailure, gpuFailure, doneFailure] = await Promise.all([inputFailures, runFailure, done.then(() => undefined, (e: unknown) => e)]);
        const failure = inputFailure ?? gpuFailure ?? (doneFailure ? this.runFailureOf(doneFailure, generation) : undefined);
        if (failure) throw failure;
        if (readback) {
          const bytes = readback.getMappedRange();
          if (!options.keepOnGpu) outputs.forEach((o, i) => (result.outputs[o.name] = new Float32Array(bytes.slice(offsets[i]!, offsets[i]! + o.elements * 4))));
          if (finite) result.finite = finite.decode(bytes, finiteOffset);
          readback.unmap();
        }
        if (options.profile) result.profile = await this.readProfile(timing);
      });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (readback) {
        if (readback.mapState === 'mapped') readback.unmap();
        // a readback of an older device generation must never serve a later run
        if (readback.mapState === 'unmapped' && !this.disposed && generation === this.generation) this.readbacks.push(readback);
        else readback.destroy();
      }
      if (failed) for (const b of Object.values(result.gpuOutputs)) b.destroy();
      if (timing && 'querySet' in timing) [timing.querySet, timing.resolve, timing.read].forEach((x) => x.destroy());
    }
    return result;
  }

  /**
   * Copies GPUBuffer inputs into their staging buffers, one submit per input
   * under its own error scopes: a destroyed buffer or one from another device
   * is only detectable there, and must become an InputError naming it.
   */
  private copyGpuInputs(given: Map<string, TensorInput>): Promise<InputError | undefined> {
    const { device } = this.ctx;
    const checks = this.inputs.flatMap((io) => {
      const data = given.get(io.name)!;
      if (data instanceof Float32Array) return [];
      const { error } = withErrorScopes(device, { operation: `input "${io.name}"` }, () => {
        const encoder = device.createCommandEncoder({ label: `input ${io.name}` });
        encoder.copyBufferToBuffer(data, 0, io.staging, 0, io.elements * 4);
        device.queue.submit([encoder.finish()]);
      });
      return [
        error.then((e) =>
          e
            ? new InputError(io.name, `the GPU buffer could not be read — it may be destroyed, mapped, or made on another device than this model's (WebGPU said: ${e.gpuMessage.split('\n')[0]})`)
            : undefined,
        ),
      ];
    });
    return Promise.all(checks).then((errors) => errors.find((e) => e !== undefined));
  }

  /** The finite check over every input's staging buffer and every output (made once per device generation). */
  private async finiteCheckOf(generation: number): Promise<FiniteCheck> {
    this.finiteCheck ??= createFiniteCheck(this.ctx, [
      ...this.inputs.map((io) => ({ name: `input ${io.name}`, binding: io.staging, elements: io.elements })),
      ...this.outputs.map((o) => ({ name: o.name, binding: o.source, elements: o.elements })),
    ]);
    const check = await this.finiteCheck;
    if (generation !== this.generation) throw new DisposedError('the model was rebuilt or disposed while this run was starting: run it again');
    return check;
  }

  /** A failed mapAsync or work-done wait, as the typed error the caller should see. */
  private runFailureOf(cause: unknown, generation: number): Error {
    if (this.lost) return this.lost;
    if (this.disposed) return new DisposedError('the model was disposed while this run was in flight', { cause });
    if (generation !== this.generation) return new DisposedError('the model was rebuilt while this run was in flight: run it again', { cause });
    return cause instanceof GpuFailureError ? cause : new InputError('run', `reading the outputs failed: ${String((cause as Error)?.message ?? cause)}`);
  }

  /** A free readback buffer of at least `bytes` (runs in flight each hold their own). */
  private takeReadback(bytes: number): GPUBuffer {
    const size = Math.max(16, bytes);
    const i = this.readbacks.findIndex((b) => b.size >= size);
    if (i >= 0) return this.readbacks.splice(i, 1)[0]!;
    return this.ctx.device.createBuffer({ label: 'readback', size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** The first output of a single-input model, as a Float32Array. */
  async predict(input: TensorInput): Promise<Float32Array> {
    const name = this.outputs[0]!.name;
    return (await this.run(input, { outputs: [name] })).outputs[name]!;
  }

  /**
   * Rebuilds on a new device after a loss (or to move devices): weights are
   * re-uploaded from the CPU copies, pipelines recreated.
   */
  async rebuild(ctx: GpuContext, signal?: AbortSignal): Promise<void> {
    if (this.disposed) throw new DisposedError('this model was disposed');
    if (this.rebuilding) await this.rebuilding.catch(() => undefined);
    this.releaseGpu();
    this.ctx = ctx;
    this.lost = undefined;
    const building = this.build(signal);
    this.rebuilding = building;
    try {
      await building;
    } catch (error) {
      // half-built state is released; the model stays usable only through another rebuild
      this.releaseGpu();
      this.lost = new DeviceLostError('rebuild-failed', `rebuild failed (${(error as Error).message}); call rebuild() again`);
      throw error;
    } finally {
      if (this.rebuilding === building) this.rebuilding = undefined;
    }
  }

  /** Frees every GPU buffer the model made. Later calls throw DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseGpu();
    this.unwatchDevice?.();
    this.unwatchDevice = undefined;
    this.disposed = true;
  }

  private releaseGpu(): void {
    this.generation++;
    const finite = this.finiteCheck;
    this.finiteCheck = undefined;
    void finite?.then((c) => c.release(), () => undefined);
    for (const p of this.prepared) p.dispatches.forEach(releaseDispatch);
    for (const b of this.owned) b.destroy();
    for (const b of this.readbacks) b.destroy();
    this.prepared = [];
    this.owned = [];
    this.readbacks = [];
  }

  private assertUsable(): void {
    if (this.disposed) throw new DisposedError('this model was disposed: compile it again to use it');
    if (this.lost) throw this.lost;
  }

  private async whilePending<T>(work: () => Promise<T>): Promise<T> {
    let reject!: (e: Error) => void;
    const lost = new Promise<never>((_, r) => (reject = r));
    this.pending.add(reject);
    try {
      return await Promise.race([work(), lost]);
    } finally {
      this.pending.delete(reject);
    }
  }

  private normalizeInputs(input: TensorInput | Readonly<Record<string, TensorInput>>): Map<string, TensorInput> {
    const byName = new Map<string, TensorInput>();
    const isTensor = (x: unknown): x is TensorInput => x instanceof Float32Array || isGpuBuffer(x);
    if (Array.isArray(input) || (ArrayBuffer.isView(input) && !(input instanceof Float32Array))) {
      throw new InputError(this.inputs[0]?.name ?? 'input', `expected a Float32Array or GPUBuffer, got ${describe(input)}: wrap the values as new Float32Array(...), NCHW`);
    }
    if (isTensor(input)) {
      if (this.inputs.length !== 1) throw new InputError(this.inputs.map((i) => i.name).join(', '), `this model has ${this.inputs.length} inputs: pass a record by name`);
      byName.set(this.inputs[0]!.name, input);
    } else if (typeof input === 'object' && input !== null && !ArrayBuffer.isView(input)) {
      for (const [name, value] of Object.entries(input)) byName.set(name, value);
    } else {
      throw new InputError(this.inputs[0]?.name ?? 'input', `expected a Float32Array or GPUBuffer, got ${describe(input)}`);
    }
    for (const io of this.inputs) {
      const value = byName.get(io.name);
      if (value === undefined) throw new InputError(io.name, 'missing');
      if (value instanceof Float32Array) {
        if (value.length !== io.elements) throw new InputError(io.name, `expected ${io.elements} floats for shape [${io.shape.join(', ')}], got ${value.length}`);
      } else if (isGpuBuffer(value)) {
        if (value.size < io.elements * 4) throw new InputError(io.name, `GPU buffer has ${value.size} bytes; shape [${io.shape.join(', ')}] needs ${io.elements * 4}`);
        if ((value.usage & GPUBufferUsage.COPY_SRC) === 0) throw new InputError(io.name, 'the GPU buffer lacks GPUBufferUsage.COPY_SRC: create it with COPY_SRC so the model can copy it in');
        if (value.mapState !== 'unmapped') throw new InputError(io.name, `the GPU buffer is ${value.mapState}: unmap it before running`);
      } else {
        throw new InputError(io.name, `expected a Float32Array or GPUBuffer, got ${describe(value)}`);
      }
    }
    for (const name of byName.keys()) if (!this.inputs.some((i) => i.name === name)) throw new InputError(name, `no such input; inputs are ${this.inputs.map((i) => i.name).join(', ')}`);
    return byName;
  }

  private timingQueries(): { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | { reason: string } {
    if (!this.ctx.features.timestampQuery) return { reason: 'this device has no timestamp-query feature (browsers may hide it; in Chrome try --enable-features=WebGPUDeveloperFeatures)' };
    const { device } = this.ctx;
    const count = 2 * this.prepared.length;
    return {
      querySet: device.createQuerySet({ label: 'profile', type: 'timestamp', count }),
      resolve: device.createBuffer({ label: 'profile resolve', size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
      read: device.createBuffer({ label: 'profile read', size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
    };
  }

  private async readProfile(timing: ReturnType<CompiledModel['timingQueries']> | undefined): Promise<Profile> {
    if (!timing || !('querySet' in timing)) return { available: false, reason: timing && 'reason' in timing ? timing.reason : 'not requested', nodes: [], totalMilliseconds: 0 };
    await timing.read.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(timing.read.getMappedRange().slice(0));
    timing.read.unmap();
    const nodes: NodeTiming[] = [];
    this.prepared.forEach((p, i) => {
      const ms = Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6;
      const last = nodes[nodes.length - 1];
      // a concat's copies are several steps of one node
      if (last && last.name === p.step.name) last.milliseconds += ms;
      else nodes.push({ name: p.step.name, sources: p.step.sources, milliseconds: ms });
    });
    return { available: true, nodes, totalMilliseconds: nodes.reduce((s, n) => s + n.milliseconds, 0) };
  }
}

function channelsOf(shape: Shape): number {
  return shape.length === 4 ? shape[1]! : shape[shape.length - 1]!;
}

function copyBinding(encoder: GPUCommandEncoder, source: BufferBinding, target: GPUBuffer, targetOffset: number, bytes: number): void {
  const [buffer, offset] = 'buffer' in source ? [source.buffer, source.offset ?? 0] : [source, 0];
  encoder.copyBufferToBuffer(buffer, offset, target, targetOffset, bytes);
}

function isGpuBuffer(x: unknown): x is GPUBuffer {
  return typeof x === 'object' && x !== null && 'mapAsync' in x && 'usage' in x && 'size' in x;
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an Array of ${x.length}`;
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}
