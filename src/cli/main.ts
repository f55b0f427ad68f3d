/**
 * The `webgpu-cnn` command: picks the subcommand, parses its options, runs
 * it, and turns any error into one stderr line and an exit code
 * (exit_codes.ts). main() returns the code; bin.ts exits with it.
 */
import { formatOptions, parseArgs, type OptionSpec } from './args.js';
import type { Command, CommandIo } from './command.js';
import { benchCommand } from './commands/bench.js';
import { runCommand } from './commands/run.js';
import { summaryCommand } from './commands/summary.js';
import { errorLine, EXIT, exitCodeFor } from './exit_codes.js';
import { createReporter } from './reporter.js';
import { UsageError } from './usage_error.js';
import { version } from '../../package.json';

export const COMMANDS: readonly Command[] = [runCommand, summaryCommand, benchCommand];

const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  usage error (unknown option, missing argument), or an unexpected error',
  '  2  unreadable, invalid or truncated model, weights or input file (also: input size mismatch;',
  '     not a regular file; an image over the pixel limit or a file over the size limit)',
  '  3  unsupported model (ONNX operators, dtypes; sizes beyond the device or the CLI\'s tensor limit)',
  '  4  no WebGPU adapter (or the GPU device was lost)',
].join('\n');

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `webgpu-cnn ${version} — convolutional networks on the GPU with WebGPU (Dawn in Node)`,
    '',
    'Usage: webgpu-cnn <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -h, --help     this help; `webgpu-cnn <command> --help` for a command',
    '  -v, --version  the version',
    '',
    '<model> is an .onnx file or a zoo id (torchvision names): lenet5, alexnet, vgg16,',
    'resnet50, googlenet, mobilenet_v1, mobilenet_v2, efficientnet_b0, … (`summary --help`',
    'lists them all). Tensors are raw little-endian float32 files in NCHW order.',
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export async function commandHelp(command: Command): Promise<string> {
  const { ZOO } = await import('../models/zoo.js');
  return [
    `Usage: webgpu-cnn ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    formatOptions(command.options as OptionSpec[]),
    ...(command.details ? ['', command.details] : []),
    '',
    `Zoo ids: ${ZOO.map((e) => e.id).join(', ')}`,
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

export interface MainIo {
  stdout(text: string): void;
  stderr(line: string): void;
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the CLI on argv (without node and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: MainIo = processIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.stdout(target ? await commandHelp(target) : mainHelp());
    return EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    io.stdout(version);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.stderr(`webgpu-cnn: unknown command "${first}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (webgpu-cnn --help)`);
    return EXIT.usage;
  }
  try {
    const args = parseArgs(rest, command.options);
    if (args.flags.has('help')) {
      io.stdout(await commandHelp(command));
      return EXIT.ok;
    }
    const commandIo: CommandIo = { stdout: io.stdout, reporter: createReporter(args.flags.has('quiet'), io.stderr) };
    return await command.run(args, commandIo);
  } catch (error) {
    const code = exitCodeFor(error);
    const hint = error instanceof UsageError ? ` (webgpu-cnn ${command.name} --help)` : '';
    io.stderr(`webgpu-cnn: ${code === EXIT.usage && !(error instanceof UsageError) ? 'unexpected error: ' : ''}${errorLine(error)}${hint}`);
    if (process.env.WEBGPU_CNN_DEBUG && error instanceof Error && error.stack) io.stderr(error.stack);
    return code;
  }
}
