/**
 * compile(): graph + weights → a CompiledModel whose every dispatch is
 * prepared once (pipelines created in parallel and cached per device, bind
 * groups made, weights uploaded, memory planned). run(): write the inputs,
 * encode the prepared dispatches into one command buffer, read back only the
 * outputs asked for.
 */
import { autotuneConvs, type AutotuneOptions, type AutotuneReport } from '../autotune/autotune.js';
import { GEMM_TILES, withGemmTile } from '../autotune/candidates.js';
import { AbortError, DeviceLostError, DisposedError, InputError } from '../errors.js';
import { createTensorBuffer, paddedByteSize, placeholderBuffer, TENSOR_USAGE } from '../gpu/buffers.js';
import type { GpuContext } from '../gpu/device.js';
import type { ChannelSlice } from '../kernels/conv2d_shape.js';
import { fullSlice } from '../kernels/conv2d_shape.js';
import { encodeDispatch, prepareDispatch, releaseDispatch, type BufferBinding, type DispatchSpec, type PreparedDispatch } from '../kernels/dispatch.js';
import { permute4d } from '../kernels/layout_transform.js';
import { consumerCounts, lower, nodeReads, type ExecGraph, type ExecNode } from './exec_graph.js';
import { elementCount, type Graph, type Shape, type WeightMap } from './ir.js';
import { concatCopy, nodeKernel, type NodeKernel } from './node_kernels.js';
import { runPasses, type PassOptions } from './passes/index.js';
import { planStorage, type PlannedStep, type StoragePlan, type TensorAlias } from './storage_plan.js';

export interface CompileOptions extends PassOptions {
  /** Cancels compilation between pipeline creations. */
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

/**
 * Compiles a graph with its weights for a device.
 *
 * @example
 * const model = await compile(ctx, graph, weights);
 * const { outputs } = await model.run(new Float32Array(1 * 3 * 224 * 224));
 * model.dispose();
 */
export async function compile(ctx: GpuContext, graph: Graph, weights: WeightMap, options: CompileOptions = {}): Promise<CompiledModel> {
  throwIfAborted(options.signal);
  const model = new CompiledModel(ctx, graph, weights, options);
  await model.build(options.signal);
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
  private lost: DeviceLostError | undefined;
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
    this.exec = await this.passes(signal);
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
    });
    throwIfAborted(signal);

    const own = (b: GPUBuffer) => (this.owned.push(b), b);
    const arenas = this.plan.arenaBytes.map((bytes, i) => own(device.createBuffer({ label: `arena ${i}`, size: Math.max(16, bytes), usage: TENSOR_USAGE })));
    this.inputs = ioInputs.map((io) => ({ ...io, staging: own(createTensorBuffer(device, io.elements * 4, `input ${io.name}`)) }));
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
        })),
      });
    }
    this.outputs = exec.outputs.map((o) => {
      const io = this.ioTensor(o.name, o.tensor);
      return { ...io, source: this.outputSources.get(o.name) ?? rootBinding(o.tensor) };
    });
    const flat = specs.flatMap((s) => s.specs);
    const prepared = await Promise.all(
      flat.map(async (spec) => {
        throwIfAborted(signal);
        return prepareDispatch(device, spec);
      }),
    );
    let at = 0;
    this.prepared = specs.map((s) => ({ step: s.step, dispatches: s.specs.map(() => prepared[at++]!) }));
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
      this.tuned = await autotuneConvs(this.ctx, auto, autotune === true ? {} : autotune);
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
            const buffer = createTensorBuffer(device, data, `${node.name}.${role}`);
            this.owned.push(buffer);
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
      const target = createTensorBuffer(device, elementCount(shape) * 4, `output ${output.name}`);
      this.owned.push(target);
      this.outputSources.set(output.name, target);
      steps.push({
        label: `output ${output.name} NHWC→NCHW`, name: `output:${output.name}`, sources: [], reads: [output.tensor], writes: [], scratchFloats: 0,
        build: (b) => [permute4d([n, h, w, c], [0, 3, 1, 2], b.read(output.tensor), target, `output ${output.name}`)],
      });
    }
    return steps;
  }

  private watchDevice(device: GPUDevice): void {
    void device.lost.then((info) => {
      if (this.ctx.device !== device || this.disposed) return;
      this.lost = new DeviceLostError(info.reason, `the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''}); call rebuild() with a new device`);
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    });
  }

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
    this.assertUsable();
    const { device } = this.ctx;
    const given = this.normalizeInputs(input);
    const wanted = options.outputs ?? this.outputs.map((o) => o.name);
    const outputs = wanted.map((name) => {
      const o = this.outputs.find((x) => x.name === name);
      if (!o) throw new InputError(name, `no such output; outputs are ${this.outputs.map((x) => x.name).join(', ')}`);
      return o;
    });

    const encoder = device.createCommandEncoder({ label: 'run' });
    for (const io of this.inputs) {
      const data = given.get(io.name)!;
      if (data instanceof Float32Array) device.queue.writeBuffer(io.staging, 0, data.buffer, data.byteOffset, data.byteLength);
      else encoder.copyBufferToBuffer(data, 0, io.staging, 0, io.elements * 4);
    }
    const timing = options.profile ? this.timingQueries() : undefined;
    if (timing && 'querySet' in timing) {
      this.prepared.forEach((p, i) => {
        const pass = encoder.beginComputePass({ label: p.step.label, timestampWrites: { querySet: timing.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        p.dispatches.forEach((d) => encodeDispatch(pass, d));
        pass.end();
      });
      encoder.resolveQuerySet(timing.querySet, 0, 2 * this.prepared.length, timing.resolve, 0);
      encoder.copyBufferToBuffer(timing.resolve, 0, timing.read, 0, timing.resolve.size);
    } else {
      const pass = encoder.beginComputePass({ label: 'model' });
      for (const p of this.prepared) p.dispatches.forEach((d) => encodeDispatch(pass, d));
      pass.end();
    }

    const result: RunResult = { outputs: {}, gpuOutputs: {} };
    let readback: GPUBuffer | undefined;
    const offsets: number[] = [];
    if (options.keepOnGpu) {
      for (const o of outputs) {
        const buffer = device.createBuffer({ label: `output ${o.name}`, size: paddedByteSize(o.elements * 4), usage: TENSOR_USAGE });
        copyBinding(encoder, o.source, buffer, 0, o.elements * 4);
        result.gpuOutputs[o.name] = buffer;
      }
    } else {
      let total = 0;
      for (const o of outputs) {
        offsets.push(total);
        total += paddedByteSize(o.elements * 4);
      }
      readback = this.takeReadback(total);
      outputs.forEach((o, i) => copyBinding(encoder, o.source, readback!, offsets[i]!, o.elements * 4));
    }
    device.queue.submit([encoder.finish()]);

    try {
      await this.whilePending(async () => {
        if (readback) {
          await readback.mapAsync(GPUMapMode.READ);
          const bytes = readback.getMappedRange();
          outputs.forEach((o, i) => (result.outputs[o.name] = new Float32Array(bytes.slice(offsets[i]!, offsets[i]! + o.elements * 4))));
          readback.unmap();
        } else {
          await device.queue.onSubmittedWorkDone();
        }
        if (options.profile) result.profile = await this.readProfile(timing);
      });
    } finally {
      if (readback) {
        if (readback.mapState === 'unmapped' && !this.disposed) this.readbacks.push(readback);
        else readback.destroy();
      }
      if (timing && 'querySet' in timing) [timing.querySet, timing.resolve, timing.read].forEach((x) => x.destroy());
    }
    return result;
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
    this.releaseGpu();
    this.ctx = ctx;
    this.lost = undefined;
    this.outputSources = new Map();
    await this.build(signal);
  }

  /** Frees every GPU buffer the model made. Later calls throw DisposedError. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseGpu();
    this.disposed = true;
  }

  private releaseGpu(): void {
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
    const isTensor = (x: unknown): x is TensorInput => x instanceof Float32Array || (typeof x === 'object' && x !== null && 'mapAsync' in x);
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
      } else if (isTensor(value)) {
        if (value.size < io.elements * 4) throw new InputError(io.name, `GPU buffer has ${value.size} bytes; shape [${io.shape.join(', ')}] needs ${io.elements * 4}`);
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

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  return typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : typeof x;
}
