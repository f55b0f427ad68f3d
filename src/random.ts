/**
 * The one seeded generator of the library, mulberry32 (a 32-bit state,
 * period 2³²): every step is exact integer arithmetic, so JavaScript engines
 * agree on every draw and a seed reproduces a run bit for bit. Its users
 * map their seeds to the starting state themselves, and each documents how
 * (train/random.ts, train/trainer_shuffle.ts, models/random_weights.ts):
 * their sequences are part of what fixtures and the PyTorch comparisons
 * depend on.
 */

/**
 * Uniform floats in [0, 1), starting from `state` (taken mod 2³²; a state of
 * 0 is valid: the first step adds the increment before mixing).
 * @example
 * const next = mulberry32(42);
 * next();   // the same number for state 42, everywhere
 */
export function mulberry32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
