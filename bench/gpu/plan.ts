/**
 * What bench_gpu.ts runs, as data: its arguments parsed, the full plan (sized
 * for one ~7-minute call on a lent H200) or the --small one (minutes on
 * SwiftShader), and the FLOP arithmetic of its tables. Pure: no GPU here, so
 * the test can check it (test/bench/gpu_plan.test.ts).
 */
import { InvalidParameterError } from '../../src/errors.js';
import type { DeviceClass } from '../../src/gpu/device.js';

export type SectionName = 'networks' | 'vgg' | 'gemm';
export const SECTION_NAMES: readonly SectionName[] = ['networks', 'vgg', 'gemm'];

/** The nine classic networks of the zoo (ids of src/models/zoo.ts). */
export const NINE_NETWORKS = ['lenet5', 'alexnet', 'vgg16', 'resnet18', 'resnet50', 'googlenet', 'mobilenet_v1', 'mobilenet_v2', 'efficientnet_b0'] as const;

/**
 * The fp32 figure achieved TFLOP/s are divided by: NVIDIA's H200 (SXM)
 * datasheet gives 67 TFLOP/s FP32 on the CUDA cores (no tensor cores, which
 * WebGPU cannot reach). Override with --peak-tflops for another GPU.
 */
export const H200_FP32_PEAK_TFLOPS = 67;

export interface GemmSize {
  m: number;
  n: number;
  k: number;
  /** Where the shape comes from. */
  origin: string;
}

export interface BenchArgs {
  small: boolean;
  /** Where JSON + markdown go: $OUT, else --out, else .cache/bench_gpu. */
  outDir: string;
  sections: readonly SectionName[];
  /** Overrides of the plan's model list / runs. */
  models?: readonly string[];
  runs?: number;
  warmup?: number;
  /** Seconds after which the remaining rows are skipped (each says so), so one device call always ends with its tables. */
  deadlineS?: number;
  /** Cap on one model's autotune, seconds. */
  tuneCapS?: number;
  peakTflops: number;
  /** The `auto` heuristic's class: 'gpu' unless told (SwiftShader then rehearses the H200's kernel choices). */
  deviceClass: DeviceClass | 'adapter';
  /** Skip ORT-web (its wasm tier-up costs ~30 s of CPU). */
  noOrt: boolean;
}

export interface BenchPlan {
  networks: readonly { id: string; size: number }[];
  runs: number;
  warmup: number;
  /** Profiled runs whose GPU-timestamp totals give the GPU time of ours. */
  profileRuns: number;
  /** Timed runs per autotune candidate. */
  candidateRuns: number;
  tuneCapS: number;
  /** Seconds of autotuning for all networks together (the per-model cap shrinks to what is left). */
  tuneBudgetS: number;
  vgg: { size: number; batches: readonly number[]; runs: number; warmup: number };
  gemm: { sizes: readonly GemmSize[]; runs: number; warmup: number };
  deadlineS: number;
  /**
   * When each section stops starting rows (seconds from the start): the
   * networks until 62 % of the deadline, VGG until 80 %, the sweep until the
   * end — a slow section cannot starve the later ones of every row.
   */
  sectionEndS: Readonly<Record<SectionName, number>>;
}

const VALUE_FLAGS = ['out', 'sections', 'models', 'runs', 'warmup', 'deadline-s', 'tune-cap-s', 'peak-tflops', 'device-class'] as const;
const BOOLEAN_FLAGS = ['small', 'no-ort'] as const;

function positive(name: string, text: string, integer: boolean): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) throw new InvalidParameterError(name, `--${name} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
  return v;
}

/**
 * Parses `--small --sections networks,gemm --runs 5 ...` (vite-node's and
 * npm's bare `--` separators are ignored); an unknown flag or a bad value is
 * an InvalidParameterError naming it.
 *
 * @example
 * const args = parseBenchArgs(process.argv.slice(2), process.env);
 */
export function parseBenchArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): BenchArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    const name = a.startsWith('--') ? a.slice(2) : undefined;
    if (name && (BOOLEAN_FLAGS as readonly string[]).includes(name)) flags.add(name);
    else if (name && (VALUE_FLAGS as readonly string[]).includes(name)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new InvalidParameterError(name, `--${name} needs a value`);
      values.set(name, v);
    } else throw new InvalidParameterError('argv', `unknown argument ${JSON.stringify(a)}; known: ${[...BOOLEAN_FLAGS, ...VALUE_FLAGS].map((f) => `--${f}`).join(' ')}`);
  }
  const list = (name: string) => values.get(name)?.split(',').map((s) => s.trim()).filter(Boolean);
  const sections = list('sections') ?? [...SECTION_NAMES];
  const unknown = sections.filter((s) => !(SECTION_NAMES as readonly string[]).includes(s));
  if (unknown.length) throw new InvalidParameterError('sections', `unknown section ${unknown.join(', ')}; known: ${SECTION_NAMES.join(', ')}`);
  const deviceClass = values.get('device-class') ?? 'gpu';
  if (!['gpu', 'cpu', 'adapter'].includes(deviceClass)) throw new InvalidParameterError('device-class', `--device-class must be gpu, cpu or adapter, got ${JSON.stringify(deviceClass)}`);
  const num = (name: string, integer: boolean) => (values.has(name) ? positive(name, values.get(name)!, integer) : undefined);
  return {
    small: flags.has('small'),
    outDir: env.OUT || values.get('out') || '.cache/bench_gpu',
    sections: sections as SectionName[],
    models: list('models'),
    runs: num('runs', true),
    warmup: num('warmup', true),
    deadlineS: num('deadline-s', false),
    tuneCapS: num('tune-cap-s', false),
    peakTflops: num('peak-tflops', false) ?? H200_FP32_PEAK_TFLOPS,
    deviceClass: deviceClass as BenchArgs['deviceClass'],
    noOrt: flags.has('no-ort'),
  };
}

/** M = output pixels (× batch), N = output channels, K = kh·kw·C_in: a conv layer as the GEMM it lowers to. */
const convGemm = (origin: string, hw: number, cin: number, cout: number, k: number, batch = 1): GemmSize => ({ m: batch * hw * hw, n: cout, k: k * k * cin, origin });

/** Layer GEMMs of VGG-16, ResNet-50 and MobileNet v1/v2 at 224² (batch 1 unless said), classifiers, and squares. */
export const FULL_GEMM_SIZES: readonly GemmSize[] = [
  convGemm('vgg16 conv1_2 3×3 64→64', 224, 64, 64, 3),
  convGemm('vgg16 conv3_2 3×3 256→256', 56, 256, 256, 3),
  convGemm('vgg16 conv4_2 3×3 512→512', 28, 512, 512, 3),
  convGemm('vgg16 conv4_2 batch 8', 28, 512, 512, 3, 8),
  convGemm('vgg16 conv5_2 3×3 512→512', 14, 512, 512, 3),
  { m: 1, n: 4096, k: 25088, origin: 'vgg16 fc6 batch 1' },
  { m: 8, n: 4096, k: 25088, origin: 'vgg16 fc6 batch 8' },
  convGemm('resnet50 layer1 1×1 256→64', 56, 256, 64, 1),
  convGemm('resnet50 layer1 1×1 64→256', 56, 64, 256, 1),
  convGemm('resnet50 layer3 3×3 256→256', 14, 256, 256, 3),
  convGemm('resnet50 layer3 1×1 256→1024', 14, 256, 1024, 1),
  convGemm('resnet50 layer4 3×3 512→512', 7, 512, 512, 3),
  { m: 1, n: 1000, k: 2048, origin: 'resnet50 fc' },
  convGemm('mobilenet_v1 pw 1×1 512→512', 14, 512, 512, 1),
  convGemm('mobilenet_v2 pw 1×1 144→24', 56, 144, 24, 1),
  convGemm('mobilenet_v2 conv 1×1 320→1280', 7, 320, 1280, 1),
  ...[256, 512, 1024, 2048, 4096].map((s) => ({ m: s, n: s, k: s, origin: `square ${s}` })),
];

/** Tiny shapes that still reach every tile's edge cases: a ragged one, a vec4 one, a classifier row. */
export const SMALL_GEMM_SIZES: readonly GemmSize[] = [
  { m: 64, n: 64, k: 64, origin: 'square 64' },
  { m: 100, n: 36, k: 72, origin: 'ragged 100×36×72' },
  { m: 1, n: 256, k: 512, origin: 'classifier row' },
];

/**
 * The plan for these arguments: full (nine networks at 224², LeNet at 32²,
 * VGG-16 at batch 8/16/64, the layer GEMM sweep) or --small (LeNet +
 * MobileNetV2 at 64², VGG-16 at 32² batch 2, three GEMMs, few runs).
 */
export function benchPlan(args: BenchArgs): BenchPlan {
  const ids = args.models ?? (args.small ? ['lenet5', 'mobilenet_v2'] : [...NINE_NETWORKS]);
  // LeNet-5 is built for 32×32 only
  const size = (id: string) => (id.startsWith('lenet') ? 32 : args.small ? 64 : 224);
  const runs = args.runs ?? (args.small ? 3 : 20);
  const warmup = args.warmup ?? (args.small ? 1 : 3);
  const deadlineS = args.deadlineS ?? (args.small ? 1800 : 480);
  // small VGG-16: one timed run, no warm-up (compile made every pipeline): its 400 MB classifier alone takes ~30 s a run on SwiftShader
  return {
    networks: ids.map((id) => ({ id, size: size(id) })),
    runs,
    warmup,
    profileRuns: args.small ? 2 : 5,
    candidateRuns: args.small ? 2 : 3,
    tuneCapS: args.tuneCapS ?? (args.small ? 90 : 45),
    tuneBudgetS: args.small ? 180 : 150,
    vgg: args.small ? { size: 32, batches: [2], runs: 1, warmup: 0 } : { size: 224, batches: [8, 16, 64], runs: args.runs ?? 10, warmup: 2 },
    gemm: args.small ? { sizes: SMALL_GEMM_SIZES, runs: 3, warmup: 1 } : { sizes: FULL_GEMM_SIZES, runs: 10, warmup: 2 },
    deadlineS,
    sectionEndS: { networks: 0.62 * deadlineS, vgg: 0.8 * deadlineS, gemm: deadlineS },
  };
}

/** Achieved TFLOP/s: 2 flops per multiply-accumulate over the time. */
export function tflops(macs: number, milliseconds: number): number {
  return (2 * macs) / (milliseconds * 1e9);
}

/** GFLOP/s of an M×N×K product taking `milliseconds`. */
export function gemmGflops(size: Pick<GemmSize, 'm' | 'n' | 'k'>, milliseconds: number): number {
  return (2 * size.m * size.n * size.k) / (milliseconds * 1e6);
}

/**
 * The convs' share of a profiled run: the MACs of the graph's conv2d layers
 * and the GPU time of the executed nodes covering them (a fused node — conv
 * + BN + ReLU — counts whole: its epilogue runs inside the conv's pass).
 */
export function convShare(
  layers: readonly { name: string; op: string; macs: number }[],
  nodes: readonly { sources: readonly string[]; milliseconds: number }[],
): { macs: number; milliseconds: number; nodes: number } {
  const convs = new Set(layers.filter((l) => l.op === 'conv2d').map((l) => l.name));
  const timed = nodes.filter((n) => n.sources.some((s) => convs.has(s)));
  return {
    macs: layers.filter((l) => convs.has(l.name)).reduce((s, l) => s + l.macs, 0),
    milliseconds: timed.reduce((s, n) => s + n.milliseconds, 0),
    nodes: timed.length,
  };
}
