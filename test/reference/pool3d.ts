/**
 * Plain float64 CPU 3-D max and average pooling over NCDHW, tap by tap,
 * independent of src/: its own output sizes (PyTorch's pooling_output_shape,
 * ceil mode dropping a window that starts in the end padding) and divisors
 * (ONNX's reference: the real taps, or with countIncludePad the taps inside
 * the padded input).
 */

type Triple = readonly [number, number, number];

export interface Pool3dRefConfig {
  /** [N, C, D, H, W]. */
  shape: readonly number[];
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  padBegin: Triple;
  padEnd: Triple;
  ceilMode: boolean;
  countIncludePad: boolean;
}

function pooledLength(n: number, k: number, s: number, begin: number, end: number, d: number, ceil: boolean): number {
  const span = n + begin + end - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= n + begin) out--;
  return out;
}

export function pool3dOutSize(c: Pool3dRefConfig): [number, number, number] {
  const size = (i: number): number => pooledLength(c.shape[2 + i]!, c.kernel[i]!, c.stride[i]!, c.padBegin[i]!, c.padEnd[i]!, c.dilation[i]!, c.ceilMode);
  return [size(0), size(1), size(2)];
}

/** Max (padding never wins; NaN propagates) or average; an average with no counted tap is NaN. */
export function pool3dRef(op: 'max' | 'average', c: Pool3dRefConfig, x: ArrayLike<number>): Float64Array {
  const [batch, channels, ...inSize] = c.shape as [number, number, number, number, number];
  const outSize = pool3dOutSize(c);
  const out = new Float64Array(batch * channels * outSize[0] * outSize[1] * outSize[2]);
  const volume = inSize[0]! * inSize[1]! * inSize[2]!;
  let k = 0;
  for (let plane = 0; plane < batch * channels; plane++)
    for (let oz = 0; oz < outSize[0]; oz++)
      for (let oy = 0; oy < outSize[1]; oy++)
        for (let ox = 0; ox < outSize[2]; ox++) {
          const o = [oz, oy, ox];
          let best = -Infinity;
          let sum = 0;
          let real = 0;
          let padded = 0;
          for (let a = 0; a < c.kernel[0]; a++)
            for (let b = 0; b < c.kernel[1]; b++)
              for (let e = 0; e < c.kernel[2]; e++) {
                const idx = [a, b, e].map((t, i) => o[i]! * c.stride[i]! - c.padBegin[i]! + t * c.dilation[i]!);
                if (idx.every((v, i) => v < inSize[i]! + c.padEnd[i]!)) padded++;
                if (idx.some((v, i) => v < 0 || v >= inSize[i]!)) continue;
                const v = x[plane * volume + (idx[0]! * inSize[1]! + idx[1]!) * inSize[2]! + idx[2]!]!;
                best = Number.isNaN(v) || Number.isNaN(best) ? Number.NaN : Math.max(best, v);
                sum += v;
                real++;
              }
          const divisor = c.countIncludePad ? padded : real;
          out[k++] = op === 'max' ? best : divisor === 0 ? Number.NaN : sum / divisor;
        }
  return out;
}
