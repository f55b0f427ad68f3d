/**
 * Every failure becomes one line on stderr and one of five exit codes, so
 * scripts can tell a typo from a broken file from a missing GPU.
 */
import {
  BindingLimitError,
  DeviceLostError,
  GraphError,
  InputError,
  InvalidParameterError,
  OnnxFormatError,
  SafetensorsError,
  UnsupportedConfigurationError,
  WebGpuUnavailableError,
  WeightError,
} from '../errors.js';
import { CliFileError, UsageError } from './usage_error.js';

export const EXIT = {
  ok: 0,
  /** Bad command line, and errors nobody foresaw (with their message). */
  usage: 1,
  /** A model, weights or input file that cannot be read or is invalid. */
  invalidFile: 2,
  /** A valid model this runtime cannot run (operators, dtypes, sizes beyond the device). */
  unsupported: 3,
  /** No WebGPU adapter (or the device was lost). */
  noGpu: 4,
} as const;

/** The exit code for an error thrown anywhere below a command. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof WebGpuUnavailableError || error instanceof DeviceLostError) return EXIT.noGpu;
  // UnsupportedOnnxError (operators, dtypes, external data) is an UnsupportedConfigurationError
  if (error instanceof UnsupportedConfigurationError || error instanceof BindingLimitError) return EXIT.unsupported;
  if (
    error instanceof CliFileError ||
    error instanceof OnnxFormatError ||
    error instanceof InputError ||
    error instanceof SafetensorsError ||
    error instanceof WeightError ||
    error instanceof GraphError ||
    // thrown while building a graph: the model (or the shape asked of it) is invalid
    error instanceof InvalidParameterError
  ) {
    return EXIT.invalidFile;
  }
  return EXIT.usage;
}

/** The one line printed for an error: its message, without a stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
