/**
 * Float64 instance normalization on NCHW (ONNX InstanceNormalization,
 * torch.nn.InstanceNorm2d): y = scale[c]·(x − mean)/sqrt(var + eps) + bias[c]
 * with mean and the biased variance taken over each (n, c)'s H·W values.
 */
export function instanceNormRef(x: ArrayLike<number>, shape: readonly number[], scale: ArrayLike<number>, bias: ArrayLike<number>, epsilon: number): Float64Array {
  const [n, c] = shape as [number, number];
  const plane = shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float64Array(n * c * plane);
  for (let p = 0; p < n * c; p++) {
    const ch = p % c;
    let sum = 0;
    for (let i = 0; i < plane; i++) sum += x[p * plane + i]!;
    const mean = sum / plane;
    let squares = 0;
    for (let i = 0; i < plane; i++) squares += (x[p * plane + i]! - mean) ** 2;
    const std = Math.sqrt(squares / plane + epsilon);
    for (let i = 0; i < plane; i++) out[p * plane + i] = (scale[ch]! * (x[p * plane + i]! - mean)) / std + bias[ch]!;
  }
  return out;
}
