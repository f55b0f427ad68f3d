/** Plain CPU layout conversions, float64, written index by index. */
export function nchwToNhwcRef(x: ArrayLike<number>, n: number, c: number, h: number, w: number): Float64Array {
  const out = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx]!;
  return out;
}

export function nhwcToNchwRef(x: ArrayLike<number>, n: number, c: number, h: number, w: number): Float64Array {
  const out = new Float64Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch]!;
  return out;
}
