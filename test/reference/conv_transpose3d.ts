/**
 * Plain float64 CPU 3-D transposed convolution over NCDHW, written as the
 * scatter of its definition (each input value times each tap added where it
 * lands), independent of src/ and of the GPU kernel's gather. Pads crop the
 * full output at the start and end of each axis; a negative end pad (ONNX's
 * output_shape past the taps) and output padding extend it with bias only.
 */

type Triple = readonly [number, number, number];

export interface ConvTranspose3dRefConfig {
  /** [N, C_in, D, H, W]. */
  shape: readonly number[];
  outChannels: number;
  groups: number;
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  padBegin: Triple;
  padEnd: Triple;
  outputPadding: Triple;
}

export function convTranspose3dOutSize(c: ConvTranspose3dRefConfig): [number, number, number] {
  const size = (i: number): number => c.stride[i]! * (c.shape[2 + i]! - 1) + c.outputPadding[i]! + c.dilation[i]! * (c.kernel[i]! - 1) + 1 - c.padBegin[i]! - c.padEnd[i]!;
  return [size(0), size(1), size(2)];
}

/** w is [C_in, outChannels / groups, kD, kH, kW]. */
export function convTranspose3dRef(c: ConvTranspose3dRefConfig, x: ArrayLike<number>, w: ArrayLike<number>, bias?: ArrayLike<number>): Float64Array {
  const [batch, inChannels, inD, inH, inW] = c.shape as [number, number, number, number, number];
  const [outD, outH, outW] = convTranspose3dOutSize(c);
  const [kD, kH, kW] = c.kernel;
  const inPerGroup = inChannels / c.groups;
  const outPerGroup = c.outChannels / c.groups;
  const out = new Float64Array(batch * c.outChannels * outD * outH * outW);
  for (let n = 0; n < batch; n++)
    for (let o = 0; o < c.outChannels; o++) {
      const base = (n * c.outChannels + o) * outD * outH * outW;
      if (bias) out.fill(bias[o]!, base, base + outD * outH * outW);
    }
  for (let n = 0; n < batch; n++)
    for (let ci = 0; ci < inChannels; ci++) {
      const g = Math.floor(ci / inPerGroup);
      for (let z = 0; z < inD; z++)
        for (let y = 0; y < inH; y++)
          for (let xx = 0; xx < inW; xx++) {
            const v = x[(((n * inChannels + ci) * inD + z) * inH + y) * inW + xx]!;
            for (let oc = 0; oc < outPerGroup; oc++)
              for (let kz = 0; kz < kD; kz++) {
                const oz = z * c.stride[0] + kz * c.dilation[0] - c.padBegin[0];
                if (oz < 0 || oz >= outD) continue;
                for (let ky = 0; ky < kH; ky++) {
                  const oy = y * c.stride[1] + ky * c.dilation[1] - c.padBegin[1];
                  if (oy < 0 || oy >= outH) continue;
                  for (let kx = 0; kx < kW; kx++) {
                    const ox = xx * c.stride[2] + kx * c.dilation[2] - c.padBegin[2];
                    if (ox < 0 || ox >= outW) continue;
                    const o = g * outPerGroup + oc;
                    out[(((n * c.outChannels + o) * outD + oz) * outH + oy) * outW + ox] += v * w[(((ci * outPerGroup + oc) * kD + kz) * kH + ky) * kW + kx]!;
                  }
                }
              }
          }
    }
  return out;
}
