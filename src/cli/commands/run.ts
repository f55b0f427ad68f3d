/**
 * `webgpu-cnn run <model> --input …`: one inference. Raw outputs (logits,
 * never softmaxed) go to --output files; top-k lines (or JSON) to stdout.
 */
import { describeNonFinite, hasNonFinite } from '../../graph/check_finite.js';
import { elementCount } from '../../graph/ir.js';
import { integerOption, numberList, optionValue, type ParsedArgs } from '../args.js';
import { compileModel, helpOption, modelArgument, openGpu, parseStrategy, quietOption, shapeOption, strategyOption, weightsOption, type Command, type CommandIo } from '../command.js';
import { LIMITS_HELP } from '../input_limits.js';
import { byInputName, prepareInputs } from '../inputs.js';
import { labelsFor, topK, type TopEntry } from '../labels.js';
import { openModel } from '../model_source.js';
import { writeOutputTensor } from '../tensor_files.js';
import { UsageError } from '../usage_error.js';

function normalization(args: ParsedArgs) {
  const mean = optionValue(args, 'mean');
  const std = optionValue(args, 'std');
  if ((mean === undefined) !== (std === undefined)) throw new UsageError('--mean and --std go together');
  if (mean === undefined || std === undefined) return undefined;
  const result = { mean: numberList(mean, '--mean'), std: numberList(std, '--std') };
  if (result.mean.length !== result.std.length) throw new UsageError(`--mean has ${result.mean.length} values, --std ${result.std.length}`);
  if (result.std.some((s) => s === 0)) throw new UsageError('--std values must not be 0');
  return result;
}

/** Rows of class scores: [N, K], or [N, K, 1, 1] as some ONNX heads leave them. */
function classRows(shape: readonly number[]): { rows: number; classes: number } | undefined {
  if (shape.length === 2) return { rows: shape[0]!, classes: shape[1]! };
  if (shape.length === 4 && shape[2] === 1 && shape[3] === 1) return { rows: shape[0]!, classes: shape[1]! };
  return undefined;
}

function formatTop(output: string, row: number, rows: number, top: TopEntry[]): string {
  const head = rows > 1 ? `${output}, sample ${row}:` : `${output}:`;
  const width = Math.max(...top.map((t) => (t.label ?? String(t.index)).length));
  const lines = top.map(
    (t, i) => `  ${String(i + 1).padStart(2)}. ${(t.label ?? String(t.index)).padEnd(width)}  ${(100 * t.probability).toFixed(2).padStart(6)}%  logit ${t.logit.toFixed(4)}${t.label !== undefined && t.label !== String(t.index) ? `  (class ${t.index})` : ''}`,
  );
  return [head, ...lines].join('\n');
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a model on an input tensor or image; print the top classes',
  usage: 'run <model.onnx | zoo-id> --input <in.f32 | image.png/jpg> [--output out.f32] [options]',
  options: [
    { name: 'input', short: 'i', value: '[NAME=]FILE', repeatable: true, help: 'raw float32 NCHW (little-endian) or a PNG/JPEG image; several for a batch; NAME= for models with several inputs' },
    { name: 'output', short: 'o', value: '[NAME=]FILE', repeatable: true, help: 'write the raw output tensor (float32 LE, int64 LE for an index output, exactly its elements); NAME= for several outputs' },
    shapeOption,
    weightsOption,
    strategyOption,
    { name: 'top', value: 'K', help: 'classes to print per sample (default 5; 0: none)' },
    { name: 'mean', value: 'R,G,B', help: 'image normalization mean, replacing the default (ImageNet; MNIST for LeNet-5)' },
    { name: 'std', value: 'R,G,B', help: 'image normalization std, with --mean' },
    { name: 'json', help: 'print the result as JSON (outputs, shapes, top-k) instead of text' },
    quietOption,
    helpOption,
  ],
  details: [
    'Images are resized so the short side is 256/224 of the input size (bilinear,',
    'antialiased), centre-cropped and normalized with ImageNet mean/std. LeNet-5',
    'models take MNIST preprocessing: grayscale 28×28, inverted when the picture',
    'is dark-on-light, padded to 32×32, (x − 0.1307) / 0.3081. One-channel ONNX',
    'models get grayscale in [0, 1]. A free batch dimension is inferred from the',
    'input file size.',
    '',
    LIMITS_HELP,
  ].join('\n'),

  async run(args: ParsedArgs, io: CommandIo): Promise<number> {
    const modelArg = modelArgument(args, 'run');
    const inputArgs = args.values.get('input') ?? [];
    if (!inputArgs.length) throw new UsageError('run needs --input FILE');
    const strategy = parseStrategy(optionValue(args, 'strategy'));
    const top = integerOption(args, 'top', 5);
    const norm = normalization(args);
    const { reporter } = io;

    const source = await openModel(modelArg, { weightsPath: optionValue(args, 'weights'), notice: reporter.notice });
    if (source.weightsNote.includes('RANDOM')) reporter.notice(source.weightsNote);
    else reporter.stage(`${source.label}: ${source.weightsNote}`);
    const prepared = await prepareInputs(source, { inputs: inputArgs, shapes: args.values.get('shape') ?? [], normalization: norm });
    reporter.stage(`input ${[...prepared.shapes].map(([n, s]) => `${n} [${s.join(', ')}]`).join(', ')}`);
    const { graph, weights } = await source.instantiate(prepared.shapes);

    const outputNames = graph.outputs.map((o) => o.name);
    const outputFiles = byInputName(args.values.get('output') ?? [], outputNames, 'output');
    for (const [name, files] of outputFiles) if (files.length > 1) throw new UsageError(`--output given twice for "${name}"`);

    const ctx = await openGpu(reporter);
    const model = await compileModel(ctx, source.label, graph, weights, strategy, reporter);
    // the bit-level scan is the one NaN/∞ check no driver can optimise away
    const { outputs, finite } = await reporter.timed('running', () => model.run(Object.fromEntries(prepared.data), { checkFinite: true }));
    const notices = [...model.info.notices];
    if (finite && hasNonFinite(finite)) {
      const warning = `warning: non-finite values (${describeNonFinite(finite).split('\n').join('; ')}): the prediction is not meaningful`;
      reporter.notice(warning);
      notices.push(warning);
    }
    model.dispose();

    for (const [name, [path]] of outputFiles) {
      await writeOutputTensor(path!, outputs[name]!);
      const shape = graph.tensors[graph.outputs.find((o) => o.name === name)!.tensor]!.shape;
      reporter.stage(`wrote ${name} [${shape.join(', ')}] (${elementCount(shape)} ${outputs[name] instanceof BigInt64Array ? 'int64s' : 'floats'}) to ${path}`);
    }

    const results: Record<string, { shape: readonly number[]; top?: TopEntry[][] }> = {};
    const text: string[] = [];
    for (const o of graph.outputs) {
      const shape = graph.tensors[o.tensor]!.shape;
      const rows = classRows(shape);
      results[o.name] = { shape };
      if (!rows || top === 0) continue;
      const labels = await labelsFor(rows.classes, source.imageRecipe === 'lenet');
      const data = outputs[o.name]!;
      // class scores are floats: an index output has no top-k
      if (data instanceof BigInt64Array) continue;
      const perRow = Array.from({ length: rows.rows }, (_, r) => topK(data.subarray(r * rows.classes, (r + 1) * rows.classes), top, labels));
      results[o.name]!.top = perRow;
      perRow.forEach((entries, r) => text.push(formatTop(o.name, r, rows.rows, entries)));
    }
    if (args.flags.has('json')) io.stdout(JSON.stringify({ model: source.label, inputs: Object.fromEntries(prepared.shapes), outputs: results, notices }, null, 2));
    else if (text.length) io.stdout(text.join('\n'));
    return 0;
  },
};
