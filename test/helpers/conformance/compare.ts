/**
 * The conformance criterion, elementwise: |got − want| ≤ 1e-4 + 1e-3·|want|.
 * A non-finite expected value must be matched exactly (NaN by NaN); NaN
 * where a finite value is expected is a mismatch.
 */
export const ABSOLUTE_TOLERANCE = 1e-4;
export const RELATIVE_TOLERANCE = 1e-3;

export interface Mismatch {
  /** Why the output does not match: shape, count or values. */
  problem: string;
  /** The largest |got − want| over the elements (Infinity where a NaN or infinity disagrees). */
  maxError: number;
}

/** undefined when `got` matches `want` everywhere; else what is wrong. `gotShape` is compared where the runtime reports one. */
export function compareOutput(got: ArrayLike<number>, want: ArrayLike<number>, wantShape: readonly number[], gotShape?: readonly number[]): Mismatch | undefined {
  if (got.length !== want.length) return { problem: `${got.length} values, expected ${want.length} (shape [${wantShape.join(', ')}])`, maxError: Infinity };
  if (gotShape && (gotShape.length !== wantShape.length || gotShape.some((d, i) => d !== wantShape[i]))) {
    return { problem: `shape [${gotShape.join(', ')}], expected [${wantShape.join(', ')}]`, maxError: Infinity };
  }
  let maxError = 0;
  let bad = 0;
  let firstBad = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    let error: number;
    let ok: boolean;
    if (Number.isFinite(w)) {
      error = Number.isNaN(g) ? Infinity : Math.abs(g - w);
      ok = error <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(w);
    } else {
      ok = Object.is(g, w) || (Number.isNaN(w) && Number.isNaN(g));
      error = ok ? 0 : Infinity;
    }
    maxError = Math.max(maxError, error);
    if (!ok) {
      bad++;
      if (firstBad < 0) firstBad = i;
    }
  }
  if (!bad) return undefined;
  return { problem: `${bad} of ${want.length} values off (first at ${firstBad}: got ${got[firstBad]}, expected ${want[firstBad]})`, maxError };
}
