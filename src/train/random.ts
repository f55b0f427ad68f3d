/**
 * A small seeded PRNG for training-time randomness (augmentation draws):
 * the same seed gives the same sequence on every platform, so a batch can
 * be reproduced bit for bit. The generator itself is src/random.ts's
 * mulberry32, shared with the weights and the epoch order.
 */
import { mulberry32 } from '../random.js';

/**
 * mulberry32 draws: plenty for a few dozen numbers per image.
 * @example
 * const random = new SeededRandom(42);
 * random.uniform(-1, 1);   // the same number for seed 42, everywhere
 */
export class SeededRandom {
  /** Uniform in [0, 1): one draw. */
  readonly next: () => number;

  constructor(readonly seed: number) {
    // seeds are taken mod 2³²; 0 starts from the golden-ratio constant, as test/helpers/random.ts does
    this.next = mulberry32(seed >>> 0 || 0x9e3779b9);
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
