/** Float64 concat of NHWC tensors [pixels, channels_i] along channels. */
export function concatChannelsRef(pixels: number, parts: readonly { data: ArrayLike<number>; channels: number }[]): Float64Array {
  const total = parts.reduce((s, p) => s + p.channels, 0);
  const out = new Float64Array(pixels * total);
  for (let p = 0; p < pixels; p++) {
    let k = p * total;
    for (const part of parts) for (let c = 0; c < part.channels; c++) out[k++] = part.data[p * part.channels + c]!;
  }
  return out;
}
