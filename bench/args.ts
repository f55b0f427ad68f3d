/**
 * What every bench script reads from its command line, and the random data
 * it times kernels on: one copy, imported by each script.
 */

/**
 * The value after `--name` in process.argv, or `fallback` when the flag is
 * absent or has no value.
 * @example const runs = Number(option('runs', '20'));   // npm run bench:x -- --runs 50
 */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Uniform floats in [−1, 1) from Math.random: timings need no seed (the tests check the numbers). */
export function randomData(length: number): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = Math.random() * 2 - 1;
  return a;
}
