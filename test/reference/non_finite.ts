/**
 * NaN and ±∞ in test data: seeding them into random inputs, counting them
 * (the CPU oracle of the GPU finite check), and comparing a result with a
 * float64 reference the way PyTorch's NaN semantics need — NaN where the
 * reference has NaN, the same infinity where it has one, and the finite rest
 * within a relative-L2 tolerance.
 */

/** What seeds draw from: Rng in test/helpers/random.ts fits. */
export interface UniformSource {
  /** Uniform in [0, 1). */
  next(): number;
}

const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY] as const;

/**
 * A copy of `x` with `count` elements at random positions replaced by NaN,
 * +∞ and −∞ in turn (so each kind appears once `count` ≥ 3).
 * @example seedNonFinite(rng.array(100), rng, 6)
 */
export function seedNonFinite(x: Float32Array, random: UniformSource, count: number): Float32Array {
  const out = Float32Array.from(x);
  for (let i = 0; i < count; i++) out[Math.floor(random.next() * out.length)] = SPECIALS[i % 3]!;
  return out;
}

export interface NonFiniteCount {
  nan: number;
  posInf: number;
  negInf: number;
}

export function countNonFinite(x: ArrayLike<number>): NonFiniteCount {
  const c = { nan: 0, posInf: 0, negInf: 0 };
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) c.nan++;
    else if (v === Number.POSITIVE_INFINITY) c.posInf++;
    else if (v === Number.NEGATIVE_INFINITY) c.negInf++;
  }
  return c;
}

const show = (v: number): string => (Number.isFinite(v) ? v.toPrecision(7) : String(v));

/**
 * Why `actual` differs from `expected`, or undefined when it matches: every
 * NaN and infinity of the reference reproduced exactly, no non-finite value
 * the reference lacks, and relative L2 over the finite positions ≤ tolerance.
 */
export function nonFiniteMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): string | undefined {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  const wrong: string[] = [];
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i]!, expected[i]!];
    if (Number.isFinite(e) && Number.isFinite(a)) {
      num += (a - e) ** 2;
      den += e * e;
    } else if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) {
      wrong.push(`[${i}] ${show(a)} (expected ${show(e)})`);
    }
  }
  if (wrong.length) return `${wrong.length} non-finite mismatches, first ${wrong.slice(0, 6).join(', ')}`;
  const l2 = den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
  if (l2 > tolerance) return `finite part: relative L2 ${l2.toExponential(2)} > ${tolerance}`;
  return undefined;
}
