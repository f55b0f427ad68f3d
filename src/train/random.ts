/**
 * A small seeded PRNG for training-time randomness (augmentation draws):
 * the same seed gives the same sequence on every platform, so a batch can
 * be reproduced bit for bit. models/random_weights.ts has its own private
 * generator for weights; this one lives in train/ because the layers below
 * it must not import models/.
 */

/**
 * mulberry32 (a 32-bit state, period 2³²): plenty for drawing a few dozen
 * numbers per image, and every operation is exact integer arithmetic, so
 * JavaScript engines agree on every draw.
 * @example
 * const random = new SeededRandom(42);
 * random.uniform(-1, 1);   // the same number for seed 42, everywhere
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    // seeds are taken mod 2³²; 0 starts from the golden-ratio constant, as test/helpers/random.ts does
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1): one draw. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi): one draw. */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Normal with mean 0 and standard deviation `sigma` (Box–Muller, no cached twin): two draws. */
  normal(sigma: number): number {
    const u = 1 - this.next(); // in (0, 1]: the log stays finite
    const v = this.next();
    return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
