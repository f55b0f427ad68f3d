/** Float64 softmax over the last axis of a [rows, length] tensor. */
export function softmaxRef(x: ArrayLike<number>, rows: number, length: number): Float64Array {
  const out = new Float64Array(rows * length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let i = 0; i < length; i++) max = Math.max(max, x[r * length + i]!);
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Math.exp(x[r * length + i]! - max);
    for (let i = 0; i < length; i++) out[r * length + i] = Math.exp(x[r * length + i]! - max) / sum;
  }
  return out;
}
