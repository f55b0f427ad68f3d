/**
 * Plain float64 CPU 3-D convolution over NCDHW, written tap by tap from the
 * definition (PyTorch's Conv3d): independent of src/, it computes its own
 * output size and reads zero padding as real zeros (so 0·∞ = NaN, as in PyTorch).
 */

type Triple = readonly [number, number, number];

export interface Conv3dRefConfig {
  /** [N, C, D, H, W]. */
  shape: readonly number[];
  outChannels: number;
  groups: number;
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  padBegin: Triple;
  padEnd: Triple;
}

/** floor((n + begin + end − d·(k − 1) − 1) / s) + 1 per axis. */
export function conv3dOutSize(c: Conv3dRefConfig): [number, number, number] {
  const size = (i: number): number => Math.floor((c.shape[2 + i]! + c.padBegin[i]! + c.padEnd[i]! - c.dilation[i]! * (c.kernel[i]! - 1) - 1) / c.stride[i]!) + 1;
  return [size(0), size(1), size(2)];
}

/** y[n, o, z, y, x] = b[o] + Σ x[n, g·Cg + ci, z·s + kz·d − p, …]·w[o, ci, kz, ky, kx]; w is [outChannels, C/groups, kD, kH, kW]. */
export function conv3dRef(c: Conv3dRefConfig, x: ArrayLike<number>, w: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const [batch, inChannels, inD, inH, inW] = c.shape as [number, number, number, number, number];
  const [outD, outH, outW] = conv3dOutSize(c);
  const [kD, kH, kW] = c.kernel;
  const inPerGroup = inChannels / c.groups;
  const outPerGroup = c.outChannels / c.groups;
  const out = new Float64Array(batch * c.outChannels * outD * outH * outW);
  const at = (n: number, ch: number, z: number, y: number, xx: number): number => {
    if (z < 0 || z >= inD || y < 0 || y >= inH || xx < 0 || xx >= inW) return 0;
    return x[(((n * inChannels + ch) * inD + z) * inH + y) * inW + xx]!;
  };
  let k = 0;
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < c.outChannels; o++) {
      const g = Math.floor(o / outPerGroup);
      for (let oz = 0; oz < outD; oz++)
        for (let oy = 0; oy < outH; oy++)
          for (let ox = 0; ox < outW; ox++) {
            let s = bias ? bias[o]! : 0;
            for (let ci = 0; ci < inPerGroup; ci++)
              for (let kz = 0; kz < kD; kz++)
                for (let ky = 0; ky < kH; ky++)
                  for (let kx = 0; kx < kW; kx++) {
                    const v = at(n, g * inPerGroup + ci, oz * c.stride[0] + kz * c.dilation[0] - c.padBegin[0], oy * c.stride[1] + ky * c.dilation[1] - c.padBegin[1], ox * c.stride[2] + kx * c.dilation[2] - c.padBegin[2]);
                    s += v * w[(((o * inPerGroup + ci) * kD + kz) * kH + ky) * kW + kx]!;
                  }
            out[k++] = s;
          }
    }
  return out;
}
