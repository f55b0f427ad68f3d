/**
 * The graph half of compile(): argument checks, lowering, the passes, and
 * autotuned strategies and GEMM tiles where asked; plus the cancellation
 * helpers every wait of a compile goes through. Nothing here touches a
 * GPU buffer.
 */
import { autotuneConvs, type AutotuneOptions, type AutotuneReport } from '../autotune/autotune.js';
import { AbortError, InvalidParameterError } from '../errors.js';
import { computeUnitsOf } from '../gpu/compute_units.js';
import type { GpuContext } from '../gpu/device.js';
import { lower, type ExecGraph } from './exec_graph.js';
import type { Graph, WeightMap } from './ir.js';
import { runPasses, type PassOptions } from './passes/index.js';
import { describeValue } from './run_inputs.js';

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
  /**
   * Encode the next run's command buffer right after each submit (default
   * true), so a steady stream of runs spends only the input writes and the
   * submit on the CPU before the GPU starts. Runs with `profile` or
   * `keepOnGpu` always encode their own; `false` makes every run do so
   * (for measuring what pre-encoding saves: npm run bench:overhead).
   */
  preEncode?: boolean;
  /**
   * Let kernels use subgroup operations where the device has the feature
   * (default true); false runs the workgroup-memory kernels everywhere (for
   * comparing the two, and for tests). Only the GEMV of fully connected
   * layers at batch ≤ 4 has a subgroup variant so far.
   */
  subgroups?: boolean;
  /**
   * Read a rank-4 input straight from its NCHW staging buffer where every
   * layer reading it reads NCHW — the stem conv under direct or the implicit
   * GEMM (default true: the input's NCHW→NHWC permute is skipped, one
   * dispatch fewer); `false` always permutes it (for comparing). The
   * decision is placement's (graph/placement.ts).
   */
  readNchwInputs?: boolean;
}

/**
 * One wave of the device for the GEMM grid planner: the `computeUnits`
 * option, else the adapter's entry in gpu/compute_units.ts — by the adapter's
 * own class, not a forced `deviceClass` (SwiftShader run with the GPU rules
 * still has only its CPU threads).
 */
export function resolvedComputeUnits(ctx: GpuContext, options: Pick<CompileOptions, 'computeUnits'>): number {
  const given = options.computeUnits;
  if (given !== undefined && (!Number.isInteger(given) || given < 1)) throw new InvalidParameterError('computeUnits', `must be an integer ≥ 1, got ${given}`);
  return given ?? computeUnitsOf(ctx.adapter, ctx.deviceClass);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('compile was aborted');
}

/** `work`, or AbortError as soon as `signal` fires (the work itself is left to settle unobserved). */
export async function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
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
export function checkCompileArguments(ctx: GpuContext, graph: Graph, weights: WeightMap): void {
  if (!ctx || typeof ctx !== 'object' || !ctx.device) {
    throw new InvalidParameterError('ctx', 'compile(ctx, graph, weights) needs a GpuContext: make one with createGpuContext() (or createNodeGpuContext() in Node)');
  }
  if (!graph || typeof graph !== 'object' || !Array.isArray(graph.nodes) || !Array.isArray(graph.inputs)) {
    throw new InvalidParameterError('graph', 'compile(ctx, graph, weights) needs a Graph: build one with GraphBuilder.build(), a zoo builder or loadOnnx()');
  }
  if (!(weights instanceof Map)) {
    const got = weights === undefined ? 'nothing' : describeValue(weights);
    throw new InvalidParameterError(
      'weights',
      `compile(ctx, graph, weights) needs a Map of parameter name → Float32Array, got ${got}. ` +
        'Load a file with weightsForGraph(graph, await loadSafetensors(url)), take an ONNX model\'s `weights`, or try the graph with randomWeights(graph)',
    );
  }
}

export interface PassesResult {
  exec: ExecGraph;
  /** What the passes said (e.g. a forced strategy that fell back to auto). */
  notices: string[];
  /** The autotune report: the one given, or measured now. */
  tuned: AutotuneReport | undefined;
}

/**
 * The passes, with autotuned strategies where asked. `tuned` is an earlier
 * report (a rebuild reuses it and measures nothing).
 */
export async function compilePasses(ctx: GpuContext, graph: Graph, weights: WeightMap, options: CompileOptions, tuned: AutotuneReport | undefined, signal: AbortSignal | undefined): Promise<PassesResult> {
  const notices: string[] = [];
  const lowered = lower(graph, weights);
  // `auto` follows the adapter's class (GPU or CPU emulation) unless the caller set one
  const withClass: CompileOptions = { ...options, deviceClass: options.deviceClass ?? ctx.deviceClass, computeUnits: resolvedComputeUnits(ctx, options) };
  const { autotune, strategy } = withClass;
  if (!autotune || (strategy && strategy !== 'auto')) {
    if (autotune) notices.push(`autotune skipped: strategy "${strategy}" is forced for every layer`);
    return { exec: runPasses(lowered, withClass, notices), notices, tuned };
  }
  if (!tuned) {
    const auto = runPasses(lowered, { ...withClass, layerStrategies: undefined }, []);
    tuned = await abortable(autotuneConvs(ctx, auto, { computeUnits: withClass.computeUnits, ...(autotune === true ? {} : autotune) }), signal);
    throwIfAborted(signal);
  }
  // one notice per layer whose candidates failed: which, why, and whether the heuristic stands
  for (const [name, l] of Object.entries(tuned.layers)) {
    if (!l.skipped?.length) continue;
    const list = l.skipped.map((k) => `${k.candidate} skipped: ${k.reason}`).join('; ');
    notices.push(`autotune: ${name}: ${list}${l.untuned ? `; no candidate ran, so ${l.strategy} (the heuristic's choice) runs untuned` : ''}`);
  }
  const tunedStrategies = Object.fromEntries(Object.entries(tuned.layers).map(([name, l]) => [name, l.strategy]));
  // a measured tile goes with the measured strategy: not to a layer whose strategy the caller forced
  const tunedTiles = Object.fromEntries(Object.entries(tuned.layers).flatMap(([name, l]) => (l.tile && !options.layerStrategies?.[name] ? [[name, l.tile]] : [])));
  // a measured layer runs as measured: unsplit unless a split won (the planner does not second-guess it)
  const tunedSplits = Object.fromEntries(Object.entries(tuned.layers).flatMap(([name, l]) => (!options.layerStrategies?.[name] && !l.untuned ? [[name, l.splitK ?? 1]] : [])));
  const exec = runPasses(
    lowered,
    { ...withClass, layerStrategies: { ...tunedStrategies, ...options.layerStrategies }, layerTiles: { ...tunedTiles, ...options.layerTiles }, layerSplitK: { ...tunedSplits, ...options.layerSplitK } },
    notices,
  );
  return { exec, notices, tuned };
}
