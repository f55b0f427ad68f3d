/** The command line was wrong (unknown option, missing argument…): exit code 1 with the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An input or output file could not be read, written or made sense of: exit code 2. */
export class CliFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliFileError';
  }
}

/**
 * An input or model file refused before it is read or decoded:
 * `reason` says why — not a regular file (a device, pipe or directory), larger
 * than the CLI reads, an image beyond the pixel limit, or truncated. Exit code 2.
 */
export class InputFileError extends CliFileError {
  constructor(
    readonly path: string,
    readonly reason: 'not-regular' | 'too-large' | 'too-many-pixels' | 'truncated',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InputFileError';
  }
}
