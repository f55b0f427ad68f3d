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
