/**
 * The one ratio convention of every bench output (the bench page, the CLI's
 * `bench --peers` table, `npm run bench:peers`, the README): the other
 * runtime's time ÷ ours. It reads as "× faster": 2.5 means ours takes 2.5×
 * less time (ours is 2.5× faster), 0.5 means the peer is twice as fast.
 * Chosen over ours ÷ peer because a bigger number then means a better
 * result for ours, as a speedup column is read everywhere else, and because
 * the winners table already divides the slower candidate by the winner.
 */

/** Column heading for the ratio, with the reading spelled out. */
export const RATIO_HEADING = 'peer ÷ ours (> 1: ours faster)';

/**
 * `otherMs ÷ oursMs`, or undefined when either is missing or not a positive
 * finite time.
 *
 * @example
 * speedup(12, 4); // 3: ours is 3× faster than the peer's 12 ms
 */
export function speedup(otherMs: number | undefined, oursMs: number | undefined): number | undefined {
  if (otherMs === undefined || oursMs === undefined) return undefined;
  if (!(otherMs > 0 && oursMs > 0 && Number.isFinite(otherMs) && Number.isFinite(oursMs))) return undefined;
  return otherMs / oursMs;
}

/**
 * The ratio in words: "3.00× (ours faster)", "0.50× (peer faster)", "1.00× (even)" within half a percent.
 *
 * @example
 * speedupText(speedup(12, 4)); // '3.00× (ours faster)'
 */
export function speedupText(ratio: number | undefined, peer = 'peer'): string {
  if (ratio === undefined) return '–';
  const who = Math.abs(ratio - 1) < 0.005 ? 'even' : ratio > 1 ? 'ours faster' : `${peer} faster`;
  return `${ratio.toFixed(2)}× (${who})`;
}
