/**
 * What every subcommand declares (its options drive both parsing and help),
 * and the pieces run, summary and bench share: --strategy, the GPU context,
 * compiling with stage lines and notices.
 */
import type { GpuContext } from '../gpu/device.js';
import { createNodeGpuContext } from '../gpu/node_gpu.js';
import { compile, type CompiledModel } from '../graph/executor.js';
import { CONV_STRATEGIES } from '../kernels/conv2d.js';
import type { ConvStrategyName } from '../vocabulary.js';
import type { Graph, WeightMap } from '../graph/ir.js';
import type { StrategyChoice } from '../graph/passes/index.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { Reporter } from './reporter.js';
import { UsageError } from './usage_error.js';

export interface CommandIo {
  /** Results (top-k lines, tables, JSON). */
  stdout(text: string): void;
  reporter: Reporter;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line after `webgpu-cnn `. */
  usage: string;
  /** Paragraphs after the options in `<command> --help`. */
  details?: string;
  options: readonly OptionSpec[];
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

/** `auto` and every conv strategy the kernels define (their one list, CONV_STRATEGIES), in its order. */
export const STRATEGIES: readonly StrategyChoice[] = ['auto', ...(Object.keys(CONV_STRATEGIES) as ConvStrategyName[])];

export const strategyOption: OptionSpec = {
  name: 'strategy',
  value: 'NAME',
  help: `conv strategy for every layer: ${STRATEGIES.join('|')} (default auto; a layer the forced one cannot serve falls back to auto, with a notice)`,
};
export const shapeOption: OptionSpec = {
  name: 'shape',
  value: '[NAME=]N,C,H,W',
  repeatable: true,
  help: "input shape; fixes dynamic dimensions (zoo models: any square size). Per input as NAME=… for several inputs",
};
export const weightsOption: OptionSpec = { name: 'weights', value: 'FILE', help: 'safetensors weights for a zoo model (torchvision state_dict names)' };
export const quietOption: OptionSpec = { name: 'quiet', short: 'q', help: 'no progress lines on stderr (notices and errors still appear)' };
export const helpOption: OptionSpec = { name: 'help', short: 'h', help: 'this help' };

/** The one positional argument every command takes: a zoo id or an .onnx file. */
export function modelArgument(args: ParsedArgs, command: string): string {
  const [modelArg, ...extra] = args.positionals;
  if (!modelArg) throw new UsageError(`${command} needs a model: a zoo id or an .onnx file`);
  if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}`);
  return modelArg;
}

export function parseStrategy(raw: string | undefined): StrategyChoice {
  if (raw === undefined) return 'auto';
  if (!(STRATEGIES as readonly string[]).includes(raw)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got "${raw}"`);
  return raw as StrategyChoice;
}

export function openGpu(reporter: Reporter): Promise<GpuContext> {
  return reporter.timed('opening WebGPU', () => createNodeGpuContext(), (ctx) => {
    const a = ctx.adapter;
    return `adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed'}`;
  });
}

/** compile() with stage lines, then every notice of the compiled model on stderr. */
export async function compileModel(ctx: GpuContext, label: string, graph: Graph, weights: WeightMap, strategy: StrategyChoice, reporter: Reporter): Promise<CompiledModel> {
  const model = await reporter.timed(
    `compiling ${label}`,
    () => compile(ctx, graph, weights, { label, strategy }),
    (m, s) => `compiled ${label} in ${s.toFixed(2)} s: ${m.info.nodes.length} fused nodes, ${m.info.dispatches} dispatches`,
  );
  for (const notice of model.info.notices) reporter.notice(notice);
  return model;
}
