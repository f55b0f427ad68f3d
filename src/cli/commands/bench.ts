/**
 * `webgpu-cnn bench <model>`: cold compile time (compile + first run),
 * latency after warm-up — wall clock including upload and readback always,
 * GPU time from timestamp queries where the device has them — and the
 * planned memory. Inputs are seeded random data of the model's input shape,
 * made only once the shape is known to fit the CLI's limit and the device.
 */
import { BindingLimitError } from '../../errors.js';
import type { GpuContext } from '../../gpu/device.js';
import type { CompiledModel } from '../../graph/executor.js';
import type { Graph, WeightMap } from '../../graph/ir.js';
import { integerOption, optionValue, type ParsedArgs } from '../args.js';
import { compileModel, helpOption, modelArgument, openGpu, parseStrategy, quietOption, shapeOption, strategyOption, weightsOption, type Command, type CommandIo } from '../command.js';
import { checkTensorShape } from '../input_limits.js';
import { shapesWithoutData } from '../inputs.js';
import { openModel } from '../model_source.js';
import type { ModelSource } from '../model_source_types.js';
import type { Reporter } from '../reporter.js';

// one definition of the statistics for the CLI, the bench page and the peers
import { latencyStats, type LatencyStats } from '../../bench/stats.js';
export { latencyStats, type LatencyStats };
// the one definition of a peer's result: what src/bench/peers.ts measures
import type { PeerResult } from '../../bench/peers.js';

/** What a peer runtime (ONNX Runtime Web, TF.js) gets to run the same model on the same device. */
export interface PeerContext {
  ctx: GpuContext;
  /** The model argument as given (zoo id or .onnx path). */
  modelArg: string;
  source: ModelSource;
  graph: Graph;
  weights: WeightMap;
  inputs: Record<string, Float32Array>;
  /** Our outputs for `inputs`, to compare with (rel. L2). */
  ours: Record<string, Float32Array>;
  runs: number;
  warmup: number;
  reporter: Reporter;
}

// ─── PEERS ──────────────────────────────────────────────────────────────────
// ONNX Runtime Web (WebGPU EP) and TF.js (WebGPU backend) on the same Dawn
// GPU: src/bench/peers_node.ts, imported dynamically so the published CLI
// without those dev dependencies says what to install instead of failing.
// With them: ours autotuned too, a comparison table and the winner per conv shape (src/bench/cli_peers.ts).
async function runPeers(peer: PeerContext, oursWall: LatencyStats, oursColdMs: number, strategy: string) {
  const { runCliPeers } = await import('../../bench/cli_peers.js');
  const onnx = peer.modelArg.toLowerCase().endsWith('.onnx') ? new Uint8Array(await (await import('node:fs/promises')).readFile(peer.modelArg)) : undefined;
  const job = { graph: peer.graph, weights: peer.weights, onnx, inputs: peer.inputs, ours: peer.ours, runs: peer.runs, warmup: peer.warmup, oursWall, oursColdMs, strategy, label: peer.source.label };
  const { peers, lines, ...tuned } = await runCliPeers(peer.ctx, job, (line) => peer.reporter.stage(line));
  return { peers, lines, tuned };
}
// ────────────────────────────────────────────────────────────────────────────

/** Seeded uniform [-1, 1) data, so two benches of one model see the same input. */
function randomInput(length: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = ((state >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Each input must fit one storage binding and one buffer of this device before its random data is made. */
function checkInputsFit(ctx: GpuContext, shapes: ReadonlyMap<string, readonly number[]>): void {
  const limit = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize);
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 4);
    if (bytes > limit) throw new BindingLimitError(`input "${name}" [${shape.join(', ')}]`, bytes, limit);
  }
}

async function timeRuns(model: CompiledModel, inputs: Record<string, Float32Array>, count: number, profile: boolean): Promise<{ wall: number[]; gpu: number[] }> {
  const wall: number[] = [];
  const gpu: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const result = await model.run(inputs, { profile });
    wall.push(performance.now() - start);
    if (result.profile?.available) gpu.push(result.profile.totalMilliseconds);
  }
  return { wall, gpu };
}

const ms = (x: number) => `${x.toFixed(x < 10 ? 3 : 1)} ms`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'latency (median/p10/p90), cold compile time and planned memory',
  usage: 'bench <model.onnx | zoo-id> [--runs N] [--warmup N] [--strategy NAME] [--peers] [--json]',
  options: [
    { name: 'runs', value: 'N', help: 'timed runs (default 20)' },
    { name: 'warmup', value: 'N', help: 'untimed runs first (default 3)' },
    shapeOption,
    weightsOption,
    strategyOption,
    { name: 'peers', help: 'also run ONNX Runtime Web and TF.js (WebGPU) on the same GPU and compare' },
    { name: 'json', help: 'print the results as JSON' },
    quietOption,
    helpOption,
  ],
  details: [
    'wall: model.run() from the call to the outputs on the CPU (upload, dispatches, readback).',
    'gpu: the sum of the compute passes by timestamp queries, in separate profiled runs,',
    'where the device offers timestamp-query. cold: compile() plus the first run.',
    "--peers ratios are the other runtime's median ÷ ours (above 1: ours is faster).",
  ].join('\n'),

  async run(args: ParsedArgs, io: CommandIo): Promise<number> {
    const modelArg = modelArgument(args, 'bench');
    const runs = integerOption(args, 'runs', 20, 1);
    const warmup = integerOption(args, 'warmup', 3, 0);
    const strategy = parseStrategy(optionValue(args, 'strategy'));
    const { reporter } = io;

    const source = await openModel(modelArg, { weightsPath: optionValue(args, 'weights'), notice: reporter.notice });
    reporter.stage(`${source.label}: ${source.weightsNote}`);
    const shapes = shapesWithoutData(source, args.values.get('shape') ?? []);
    for (const [name, shape] of shapes) checkTensorShape(name, shape);
    const { graph, weights } = await source.instantiate(shapes);

    const ctx = await openGpu(reporter);
    checkInputsFit(ctx, shapes);
    const inputs = Object.fromEntries([...shapes].map(([name, shape], i) => [name, randomInput(shape.reduce((a, b) => a * b, 1), 1 + i)]));
    const coldStart = performance.now();
    const model = await compileModel(ctx, source.label, graph, weights, strategy, reporter);
    const compileMs = performance.now() - coldStart;
    const first = await model.run(inputs);
    const coldMs = performance.now() - coldStart;

    if (warmup) await reporter.timed(`warm-up (${warmup} runs)`, () => timeRuns(model, inputs, warmup, false));
    const wall = await reporter.timed(`timing ${runs} runs`, () => timeRuns(model, inputs, runs, false));
    const gpu = ctx.features.timestampQuery ? await reporter.timed(`profiling ${runs} runs (GPU timestamps)`, () => timeRuns(model, inputs, runs, true)) : undefined;
    const info = model.info;

    const report = {
      model: source.label,
      adapter: ctx.adapter,
      inputs: Object.fromEntries(shapes),
      strategy,
      weights: source.weightsNote,
      coldMs,
      compileMs,
      firstRunMs: coldMs - compileMs,
      wallMs: latencyStats(wall.wall),
      gpuMs: gpu?.gpu.length ? latencyStats(gpu.gpu) : undefined,
      gpuTimeUnavailable: gpu?.gpu.length ? undefined : 'this device has no timestamp-query feature',
      memory: { plannedBytes: info.plannedBytes, naiveBytes: info.naiveBytes, weightBytes: info.weightBytes, arenas: info.arenas },
      nodes: info.nodes.length,
      dispatches: info.dispatches,
      notices: info.notices,
      peers: undefined as PeerResult[] | undefined,
      tuned: undefined as Awaited<ReturnType<typeof runPeers>>['tuned'] | undefined,
    };
    let peerLines: string[] = [];
    if (args.flags.has('peers')) {
      ({ peers: report.peers, tuned: report.tuned, lines: peerLines } = await runPeers({ ctx, modelArg, source, graph, weights, inputs, ours: first.floats(), runs, warmup, reporter }, report.wallMs, coldMs, strategy));
    }
    model.dispose();

    if (args.flags.has('json')) {
      io.stdout(JSON.stringify(report, null, 2));
    } else {
      const w = report.wallMs;
      const lines = [
        `${report.model}  input ${[...shapes].map(([n, s]) => `${n} [${s.join(', ')}]`).join(', ')}  strategy ${strategy}`,
        `adapter      ${[ctx.adapter.vendor, ctx.adapter.architecture, ctx.adapter.description].filter(Boolean).join(' / ')}`,
        `cold         ${ms(coldMs)} (compile ${ms(compileMs)} + first run ${ms(report.firstRunMs)})`,
        `wall         median ${ms(w.median)}  p10 ${ms(w.p10)}  p90 ${ms(w.p90)}  (${w.runs} runs after ${warmup} warm-up)`,
        report.gpuMs ? `gpu          median ${ms(report.gpuMs.median)}  p10 ${ms(report.gpuMs.p10)}  p90 ${ms(report.gpuMs.p90)}` : `gpu          n/a (${report.gpuTimeUnavailable})`,
        `memory       planned ${mib(info.plannedBytes)} in ${info.arenas} arena(s), naive ${mib(info.naiveBytes)}, weights ${mib(info.weightBytes)}`,
        `graph        ${info.nodes.length} fused nodes, ${info.dispatches} dispatches`,
        ...(report.peers ?? []).map((p) =>
          p.available
            ? `${p.name.padEnd(12)} median ${ms(p.wallMs!.median)}  p10 ${ms(p.wallMs!.p10)}  p90 ${ms(p.wallMs!.p90)}${p.relL2 !== undefined ? `  rel. L2 vs ours ${p.relL2.toExponential(2)}` : ''}`
            : `${p.name.padEnd(12)} n/a (${p.reason})`,
        ),
        ...peerLines,
      ];
      io.stdout(lines.join('\n'));
    }
    if (report.peers?.some((p) => !p.available && p.name === 'peers')) {
      reporter.notice('--peers: not available in this build');
      return 1;
    }
    return 0;
  },
};
