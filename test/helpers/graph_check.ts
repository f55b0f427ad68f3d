/**
 * Compiles a graph with seeded random weights and compares every output with
 * the float64 interpreter; and the adapter-class parameterisation every
 * whole-network check runs under.
 */
import { expect } from 'vitest';
import { compile, type CompileOptions, type ModelInfo } from '../../src/graph/executor.js';
import type { DeviceClass } from '../../src/gpu/device.js';
import type { Graph } from '../../src/graph/ir.js';
import type { ConvStrategyName } from '../../src/kernels/conv2d_strategy.js';
import { testContext } from './gpu.js';
import { F32_TOLERANCE, Rng, relativeL2 } from './random.js';
import { assertInformativeReference, randomInputs, randomWeights } from './random_graph.js';
import { runGraphRef } from '../reference/graph.js';

/**
 * The adapter classes whose `auto` rules a whole-network check runs under
 * (compile option `deviceClass`). SwiftShader's own class is 'cpu', where
 * auto picks direct/depthwise for every conv; 'gpu' forces the rules real GPUs
 * get, so the implicit-GEMM and pointwise GEMM paths run end to end too.
 * @example for (const deviceClass of DEVICE_CLASSES) it(`resnet18 (${deviceClass} rules)`, ...)
 */
export const DEVICE_CLASSES = ['cpu', 'gpu'] as const satisfies readonly DeviceClass[];

/** The strategies that run a tiled GEMM; only 'gpu' rules pick them (im2col only when forced or autotuned). */
export const GEMM_STRATEGIES = ['implicit_gemm', 'im2col', 'pointwise'] as const satisfies readonly ConvStrategyName[];
/** What 'gpu' rules use by default: a network with dense k×k convs over many channels and 1×1s. */
const GPU_RULE_GEMMS = ['implicit_gemm', 'pointwise'] as const satisfies readonly GemmStrategy[];
export type GemmStrategy = (typeof GEMM_STRATEGIES)[number];

/** How many executed convs use each strategy. */
export function convStrategyCounts(info: ModelInfo): Partial<Record<ConvStrategyName, number>> {
  const counts: Partial<Record<ConvStrategyName, number>> = {};
  for (const n of info.nodes) if (n.kind === 'conv') counts[n.strategy as ConvStrategyName] = (counts[n.strategy as ConvStrategyName] ?? 0) + 1;
  return counts;
}

/**
 * Asserts that a model compiled under `deviceClass` rules really took that
 * class's paths, so a check cannot silently fall back to direct: 'cpu' never
 * uses a GEMM strategy; 'gpu' uses every strategy in `gemm` (default both
 * implicit_gemm and pointwise; a network without a dense k×k conv over many
 * channels, like MobileNet, names only pointwise). Returns the counts, for the log.
 */
export function expectDeviceClassStrategies(
  info: ModelInfo,
  deviceClass: DeviceClass,
  gemm: readonly GemmStrategy[] = GPU_RULE_GEMMS,
): Partial<Record<ConvStrategyName, number>> {
  const counts = convStrategyCounts(info);
  if (deviceClass === 'cpu') {
    for (const s of GEMM_STRATEGIES) expect(counts[s] ?? 0, `'cpu' rules use no ${s} conv`).toBe(0);
  } else {
    for (const s of gemm) expect(counts[s] ?? 0, `'gpu' rules run some conv as ${s}`).toBeGreaterThan(0);
  }
  return counts;
}

/** `{ direct: 3, pointwise: 5 }` → "direct 3, pointwise 5". */
export function formatStrategyCounts(counts: Partial<Record<ConvStrategyName, number>>): string {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
}

export interface ReferenceCheck {
  /** Relative L2 bound per output (default F32_TOLERANCE). */
  tolerance?: number;
  /** Assert the compiled strategies follow `options.deviceClass`'s rules (expectDeviceClassStrategies), 'gpu' using these. */
  gemm?: readonly GemmStrategy[];
}

/**
 * Runs `graph` on the GPU with seeded weights and inputs and asserts every
 * output within `check.tolerance` (relative L2) of the float64 interpreter;
 * throws first when a reference output is all zeros, constant or not finite
 * (it would check nothing). Returns the error per output.
 */
export async function expectMatchesReference(graph: Graph, seed: number, options: CompileOptions = {}, check: ReferenceCheck = {}): Promise<Record<string, number>> {
  const tolerance = check.tolerance ?? F32_TOLERANCE;
  const rng = new Rng(seed);
  const weights = randomWeights(graph, rng);
  const inputs = randomInputs(graph, rng);
  const expected = runGraphRef(graph, weights, inputs);
  assertInformativeReference(expected, `seed ${seed}`);
  const ctx = await testContext();
  const model = await compile(ctx, graph, weights, options);
  const errors: Record<string, number> = {};
  try {
    if (check.gemm) expectDeviceClassStrategies(model.info, options.deviceClass ?? ctx.deviceClass, check.gemm);
    const { float } = await model.run(Object.fromEntries(inputs));
    for (const { name } of graph.outputs) {
      expect(float(name).length).toBe(expected.get(name)!.length);
      errors[name] = relativeL2(float(name), expected.get(name)!);
      expect(errors[name], `output ${name}`).toBeLessThanOrEqual(tolerance);
    }
  } finally {
    model.dispose();
  }
  return errors;
}
