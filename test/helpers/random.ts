/** Seeded randomness for tests, so a failure names a seed that reproduces it. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  bool(pTrue = 0.5): boolean {
    return this.next() < pTrue;
  }
  /** Values uniform in [lo, hi): never all zeros. */
  array(length: number, lo = -1, hi = 1): Float32Array {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) a[i] = lo + (hi - lo) * this.next();
    return a;
  }
}

/** ||a − b||₂ / ||b||₂ with b the reference (float64 accumulation). */
export function relativeL2(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} vs reference ${reference.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = actual[i]! - reference[i]!;
    num += d * d;
    den += reference[i]! * reference[i]!;
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** The f32 tolerance every kernel test uses (issue #2): relative L2 ≤ 1e-4. */
export const F32_TOLERANCE = 1e-4;
