/**
 * Float64 conv2d in PyTorch's conventions — NCHW input, OIHW weights — loop by
 * loop from the definition, sharing no code with the kernels. NaN and ±∞
 * propagate as in PyTorch, including through the zero padding.
 */
import type { Activation } from '../../src/kernels/epilogue.js';
import { activateRef } from './activation.js';

export interface ConvRefParams {
  batch: number;
  inChannels: number;
  inHeight: number;
  inWidth: number;
  outChannels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  groups: number;
}

/** Returns NCHW output and its spatial size; residual (NCHW) is added before the activation. */
export function conv2dRef(
  p: ConvRefParams,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias?: ArrayLike<number>,
  residual?: ArrayLike<number>,
  activation: Activation = 'none',
): { y: Float64Array; outHeight: number; outWidth: number } {
  const outHeight = Math.floor((p.inHeight + p.padTop + p.padBottom - p.dilationH * (p.kernelHeight - 1) - 1) / p.strideH) + 1;
  const outWidth = Math.floor((p.inWidth + p.padLeft + p.padRight - p.dilationW * (p.kernelWidth - 1) - 1) / p.strideW) + 1;
  const cinG = p.inChannels / p.groups;
  const coutG = p.outChannels / p.groups;
  const y = new Float64Array(p.batch * p.outChannels * outHeight * outWidth);
  for (let n = 0; n < p.batch; n++)
    for (let o = 0; o < p.outChannels; o++) {
      const g = Math.floor(o / coutG);
      for (let oy = 0; oy < outHeight; oy++)
        for (let ox = 0; ox < outWidth; ox++) {
          let s = bias ? bias[o]! : 0;
          for (let ci = 0; ci < cinG; ci++) {
            const c = g * cinG + ci;
            for (let ky = 0; ky < p.kernelHeight; ky++) {
              const iy = oy * p.strideH - p.padTop + ky * p.dilationH;
              for (let kx = 0; kx < p.kernelWidth; kx++) {
                const ix = ox * p.strideW - p.padLeft + kx * p.dilationW;
                // padding is a zero that is multiplied, as in PyTorch: 0 · a NaN or ∞ weight is NaN
                const inside = iy >= 0 && iy < p.inHeight && ix >= 0 && ix < p.inWidth;
                const v = inside ? x[((n * p.inChannels + c) * p.inHeight + iy) * p.inWidth + ix]! : 0;
                s += v * w[((o * cinG + ci) * p.kernelHeight + ky) * p.kernelWidth + kx]!;
              }
            }
          }
          const at = ((n * p.outChannels + o) * outHeight + oy) * outWidth + ox;
          if (residual) s += residual[at]!;
          y[at] = activateRef(s, activation);
        }
    }
  return { y, outHeight, outWidth };
}
