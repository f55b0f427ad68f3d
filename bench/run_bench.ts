/**
 * The bench page's measurements, independent of the DOM: per conv layer
 * every candidate (strategy and GEMM tile) with GPU timestamps, TF.js's
 * kernel on the same shape, whole-network latency under auto, autotuned and
 * each forced strategy, and the peers on the whole network.
 */
import { candidateName, convCandidates } from '../src/autotune/candidates.js';
import { measureConvCandidates, convMacs } from '../src/autotune/measure.js';
import { localStorageAutotuneStore, memoryAutotuneStore } from '../src/autotune/store.js';
import { autoMark, AUTO_RULES } from '../src/bench/auto_mark.js';
import { runOrtPeer, runTfjsPeer, type PeerResult } from '../src/bench/peers.js';
import { speedup } from '../src/bench/ratio.js';
import { timeWall, type LatencyStats } from '../src/bench/stats.js';
import type { DeviceClass, GpuContext } from '../src/gpu/device.js';
import { compile, type CompileOptions, type ModelInfo } from '../src/graph/executor.js';
import { lower } from '../src/graph/exec_graph.js';
import { runPasses } from '../src/graph/passes/index.js';
import { convShapeOf } from '../src/graph/passes/choose_strategy.js';
import type { ConvNode } from '../src/graph/exec_graph.js';
import type { Conv2dShape } from '../src/kernels/conv2d_shape.js';
import { randomWeights } from '../src/models/random_weights.js';
import { zooModel } from '../src/models/zoo.js';
import { loadPeers, type PeerId } from './peers_browser.js';

export interface BenchParams {
  model: string;
  size: number;
  runs: number;
  warmup: number;
  /** The peers to load and run (each library is fetched only when listed). */
  peers: readonly PeerId[];
  tiles: boolean;
}

export interface LayerRow {
  layer: string;
  shape: string;
  candidate: string;
  runtime: 'ours' | 'tfjs';
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  gflops: number;
  /** What compile()'s auto runs on this layer on this adapter class (see autoMark). */
  auto: boolean;
  winner: boolean;
  /** Relative L2 from the auto choice's output (ours only). */
  relL2?: number;
  /** TF.js rows: its ms ÷ our winner's ms (src/bench/ratio.ts: > 1, ours is faster). */
  ratio?: number;
}

export interface NetworkRow {
  runtime: string;
  config: string;
  wallMs?: LatencyStats;
  gpuMs?: number;
  /** Cold start: compile (session creation for a peer) plus the first run. */
  coldMs?: number;
  relL2?: number;
  notices?: readonly string[];
  error?: string;
  /** Peers: their median ÷ our auto median (src/bench/ratio.ts: > 1, ours is faster). */
  ratioToOurs?: number;
}

export interface BenchResults {
  params: BenchParams;
  adapter: GpuContext['adapter'];
  /** The adapter class: 'cpu' for a software adapter (SwiftShader), whose figures are CPU emulation. */
  deviceClass: DeviceClass;
  /** Which rules the auto marks follow ("CPU-emulation rules"). */
  autoRules: string;
  timing: string;
  layers: LayerRow[];
  network: NetworkRow[];
  memory?: Pick<ModelInfo, 'plannedBytes' | 'naiveBytes' | 'weightBytes' | 'arenas' | 'dispatches'>;
  tuned?: Record<string, string>;
  peers: PeerResult[];
  finishedAt: string;
}

const describe = (s: Conv2dShape) => `${s.inHeight}×${s.inWidth}×${s.inChannels} → ${s.outChannels}, ${s.kernelHeight}×${s.kernelWidth}/${s.strideH}${s.groups > 1 ? ` g${s.groups}` : ''}`;

function seeded(length: number, seed: number): Float32Array {
  let x = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2147483648) - 1);
}

export async function runBench(ctx: GpuContext, p: BenchParams, progress: (line: string) => void): Promise<BenchResults> {
  const entry = zooModel(p.model);
  const graph = entry.build({ inputSize: p.size });
  const weights = randomWeights(graph, 7);
  const inputs = { [graph.inputs[0]!.name]: seeded(entry.inputChannels * p.size * p.size, 3) };
  const results: BenchResults = {
    params: p,
    adapter: ctx.adapter,
    deviceClass: ctx.deviceClass,
    autoRules: AUTO_RULES[ctx.deviceClass],
    timing: ctx.features.timestampQuery ? 'gpu-timestamps' : 'queue-completion',
    layers: [],
    network: [],
    peers: [],
    finishedAt: '',
  };
  const peers = p.peers.length ? await loadPeers(p.peers, progress) : undefined;

  // per layer: each distinct conv shape once, as compile() sees it on this adapter
  const exec = runPasses(lower(graph, weights), { deviceClass: ctx.deviceClass }, []);
  const seen = new Set<string>();
  for (const node of exec.nodes.filter((n): n is ConvNode => n.kind === 'conv')) {
    const s = convShapeOf(exec, node);
    const key = describe(s);
    if (seen.has(key)) continue;
    seen.add(key);
    progress(`layer ${node.name}: ${key}`);
    const auto = autoMark(s, ctx.deviceClass).candidate;
    const candidates = convCandidates(s, p.tiles).sort((a, b) => Number(b.strategy === auto && !b.tile) - Number(a.strategy === auto && !a.tile));
    const timings = await measureConvCandidates(ctx, s, candidates, { runs: p.runs, warmup: p.warmup, activation: node.activation });
    const best = Math.min(...timings.filter((t) => t.correct).map((t) => t.medianMs));
    const gflop = (2 * convMacs(s)) / 1e6;
    for (const t of timings) {
      results.layers.push({ layer: node.name, shape: key, candidate: t.name, runtime: 'ours', medianMs: t.medianMs, p10Ms: t.p10Ms, p90Ms: t.p90Ms, gflops: gflop / t.medianMs, auto: t.name === auto, winner: t.medianMs === best && t.correct, relL2: t.relL2 });
    }
    if (peers?.tf) {
      const row = await timeTfjsConv(peers.tf, s, p);
      if (row) results.layers.push({ layer: node.name, shape: key, candidate: row.op, runtime: 'tfjs', medianMs: row.median, p10Ms: row.p10, p90Ms: row.p90, gflops: gflop / row.median, auto: false, winner: false, ratio: speedup(row.median, best) });
    }
  }

  // whole network
  const configs: [string, CompileOptions][] = [
    ['auto', {}],
    ['autotuned', { autotune: { store: typeof localStorage !== 'undefined' ? localStorageAutotuneStore(localStorage) : memoryAutotuneStore(), runs: Math.max(2, Math.min(p.runs, 5)), warmup: 1, tiles: p.tiles } }],
    ...(['direct', 'im2col', 'implicit_gemm', 'pointwise', 'depthwise'] as const).map((s): [string, CompileOptions] => [`forced ${s}`, { strategy: s }]),
  ];
  let ours: Record<string, Float32Array> | undefined;
  for (const [config, options] of configs) {
    progress(`network: ${config}`);
    try {
      const coldStart = performance.now();
      const model = await compile(ctx, graph, weights, options);
      const first = await model.run(inputs);
      const coldMs = performance.now() - coldStart;
      ours ??= first.floats();
      const wallMs = await timeWall(() => model.run(inputs), p.runs, p.warmup);
      const profiled = ctx.features.timestampQuery ? (await model.run(inputs, { profile: true })).profile?.totalMilliseconds : undefined;
      const info = model.info;
      if (config === 'auto') results.memory = { plannedBytes: info.plannedBytes, naiveBytes: info.naiveBytes, weightBytes: info.weightBytes, arenas: info.arenas, dispatches: info.dispatches };
      if (info.autotune) results.tuned = Object.fromEntries(Object.entries(info.autotune.layers).map(([k, v]) => [k, v.chosen]));
      results.network.push({ runtime: 'ours', config, wallMs, gpuMs: profiled, coldMs, notices: info.notices });
      model.dispose();
    } catch (e) {
      results.network.push({ runtime: 'ours', config, error: String(e) });
    }
  }
  const autoMedian = results.network[0]?.wallMs?.median;
  if (peers && ours) {
    const job = { graph, weights, inputs, ours, runs: p.runs, warmup: p.warmup };
    if (peers.ort) {
      progress('network: ONNX Runtime Web (WebGPU EP)');
      results.peers.push(await runOrtPeer(peers.ort, job));
    } else if (p.peers.includes('ort')) results.peers.push({ name: 'ort-web webgpu', available: false, reason: peers.ortError });
    if (peers.tf) {
      progress('network: TF.js (WebGPU)');
      results.peers.push(await runTfjsPeer(peers.tf, job));
    } else if (p.peers.includes('tfjs')) results.peers.push({ name: 'tfjs webgpu', available: false, reason: peers.tfError });
    for (const r of results.peers) {
      results.network.push({ runtime: r.name, config: 'whole network', wallMs: r.wallMs, coldMs: r.coldMs, relL2: r.relL2, error: r.available ? undefined : r.reason, ratioToOurs: speedup(r.wallMs?.median, autoMedian) });
    }
  }
  results.finishedAt = new Date().toISOString();
  return results;
}

/** TF.js's own kernel on our layer shape (NHWC), its kernel time from tf.time() where it has one. */
async function timeTfjsConv(tf: typeof import('@tensorflow/tfjs-core'), s: Conv2dShape, p: BenchParams) {
  const depthwise = s.groups > 1 && s.groups === s.inChannels;
  if (s.groups > 1 && !depthwise) return undefined;
  const x = tf.tensor4d(seeded(s.inHeight * s.inWidth * s.inChannels, 1), [1, s.inHeight, s.inWidth, s.inChannels]);
  const f = depthwise
    ? tf.tensor4d(seeded(s.kernelHeight * s.kernelWidth * s.inChannels * (s.outChannels / s.inChannels), 2), [s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels / s.inChannels])
    : tf.tensor4d(seeded(s.kernelHeight * s.kernelWidth * s.inChannels * s.outChannels, 2), [s.kernelHeight, s.kernelWidth, s.inChannels, s.outChannels]);
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [s.padTop, s.padBottom], [s.padLeft, s.padRight], [0, 0]];
  const op = () => (depthwise ? tf.depthwiseConv2d(x, f, [s.strideH, s.strideW], s.padTop) : tf.conv2d(x, f, [s.strideH, s.strideW], pad));
  const times: number[] = [];
  try {
    for (let i = 0; i < p.warmup + p.runs; i++) {
      const t = await tf.time(() => void op().dispose());
      const ms = typeof t.kernelMs === 'number' ? t.kernelMs : t.wallMs;
      if (i >= p.warmup) times.push(ms);
    }
  } finally {
    x.dispose();
    f.dispose();
  }
  const sorted = times.sort((a, b) => a - b);
  const q = (v: number) => sorted[Math.min(sorted.length - 1, Math.round(v * (sorted.length - 1)))]!;
  return { op: depthwise ? 'tf.depthwiseConv2d' : 'tf.conv2d', median: q(0.5), p10: q(0.1), p90: q(0.9) };
}

export { candidateName };
