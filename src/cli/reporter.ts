/**
 * Everything the CLI says besides its results goes to stderr through here:
 * stage lines ("compiling resnet50…"), notices, warnings. stdout stays
 * machine-readable (top-k lines or JSON).
 */
export interface Reporter {
  /** A progress line; silenced by --quiet. */
  stage(message: string): void;
  /** Something the user must know (random weights, strategy fallbacks); always shown. */
  notice(message: string): void;
  /** Runs `work`, printing a line before, a ticker while it takes long, and the time it took. */
  timed<T>(message: string, work: () => Promise<T>, done?: (result: T, seconds: number) => string): Promise<T>;
}

const TICK_MS = 15_000;

export function createReporter(quiet: boolean, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Reporter {
  const stage = (message: string) => {
    if (!quiet) write(`webgpu-cnn: ${message}`);
  };
  return {
    stage,
    notice: (message) => write(`webgpu-cnn: ${message}`),
    async timed(message, work, done) {
      stage(`${message}…`);
      const start = performance.now();
      // SwiftShader takes minutes to compile a big model: say it is still alive
      const ticker = setInterval(() => stage(`${message}… ${((performance.now() - start) / 1000).toFixed(0)} s`), TICK_MS);
      try {
        const result = await work();
        const seconds = (performance.now() - start) / 1000;
        stage(done ? done(result, seconds) : `${message}: ${seconds.toFixed(2)} s`);
        return result;
      } finally {
        clearInterval(ticker);
      }
    },
  };
}
