/**
 * Float64 erf and erfc, written from their series: for |x| < 3 the
 * all-positive series erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1))
 * (no cancellation), beyond it the continued fraction of erfc, which keeps
 * the tail's relative precision. Both good to ~1e-15.
 */

function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** erfc(x) for x ≥ 3: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the bottom. */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erfRef(x: number): number {
  if (Number.isNaN(x)) return x;
  if (Math.abs(x) < 3) return erfSeries(x);
  return Math.sign(x) * (1 - erfcContinuedFraction(Math.abs(x)));
}

export function erfcRef(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= 3) return erfcContinuedFraction(x);
  return 1 - erfRef(x);
}
