/**
 * Float64 local response normalization across channels on NCHW, each
 * convention written from its own definition:
 * - PyTorch (torch.nn.functional.local_response_norm): the squares are
 *   zero-padded by ⌊size/2⌋ channels in front and ⌊(size−1)/2⌋ behind, then
 *   averaged over `size` consecutive channels starting at c.
 * - ONNX (LRN): square_sum over [max(0, c − ⌊(size−1)/2⌋), min(C−1, c + ⌈(size−1)/2⌉)],
 *   divided by size.
 */
export interface LrnRefParams {
  size: number;
  alpha: number;
  beta: number;
  k: number;
  convention: 'pytorch' | 'onnx';
}

export function lrnNchwRef(x: ArrayLike<number>, n: number, c: number, h: number, w: number, p: LrnRefParams): Float64Array {
  const out = new Float64Array(n * c * h * w);
  const plane = h * w;
  for (let b = 0; b < n; b++)
    for (let s = 0; s < plane; s++) {
      const value = (ch: number): number => x[(b * c + ch) * plane + s]!;
      for (let ch = 0; ch < c; ch++) {
        let squares = 0;
        if (p.convention === 'pytorch') {
          const front = Math.floor(p.size / 2);
          const padded = (i: number): number => (i - front >= 0 && i - front < c ? value(i - front) ** 2 : 0);
          for (let i = ch; i < ch + p.size; i++) squares += padded(i);
        } else {
          const lo = Math.max(0, ch - Math.floor((p.size - 1) / 2));
          const hi = Math.min(c - 1, ch + Math.ceil((p.size - 1) / 2));
          for (let i = lo; i <= hi; i++) squares += value(i) ** 2;
        }
        out[(b * c + ch) * plane + s] = value(ch) / (p.k + (p.alpha / p.size) * squares) ** p.beta;
      }
    }
  return out;
}
