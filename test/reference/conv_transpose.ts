/**
 * Float64 transposed convolution (ONNX ConvTranspose, PyTorch ConvTranspose2d)
 * in NCHW with ONNX's weight layout [C_in][C_out/groups][kH][kW], written
 * from the definition as a scatter: every input element, times every tap,
 * lands on output (iy·stride + ky·dilation − padTop, ix·stride + kx·dilation − padLeft).
 * The kernels gather instead, so the two share no indexing. Negative pads
 * (ONNX's output_shape can ask for them) simply place taps further in.
 */
import type { Activation } from '../../src/kernels/epilogue.js';
import { activateRef } from './activation.js';

export interface ConvTransposeRefParams {
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
  outputPaddingH: number;
  outputPaddingW: number;
  groups: number;
}

/** ONNX's output size: stride·(n − 1) + outputPadding + dilation·(k − 1) + 1 − padBefore − padAfter. */
export function convTransposeSizeRef(n: number, k: number, stride: number, dilation: number, padBefore: number, padAfter: number, outputPadding: number): number {
  return stride * (n - 1) + outputPadding + dilation * (k - 1) + 1 - padBefore - padAfter;
}

/** NCHW output of the transposed convolution, with bias and an activation applied after. */
export function convTransposeRef(
  p: ConvTransposeRefParams,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias?: ArrayLike<number>,
  activation: Activation = 'none',
): { y: Float64Array; outHeight: number; outWidth: number } {
  const outHeight = convTransposeSizeRef(p.inHeight, p.kernelHeight, p.strideH, p.dilationH, p.padTop, p.padBottom, p.outputPaddingH);
  const outWidth = convTransposeSizeRef(p.inWidth, p.kernelWidth, p.strideW, p.dilationW, p.padLeft, p.padRight, p.outputPaddingW);
  const cinG = p.inChannels / p.groups;
  const coutG = p.outChannels / p.groups;
  const y = new Float64Array(p.batch * p.outChannels * outHeight * outWidth);
  for (let n = 0; n < p.batch; n++)
    for (let c = 0; c < p.inChannels; c++) {
      const g = Math.floor(c / cinG);
      for (let iy = 0; iy < p.inHeight; iy++)
        for (let ix = 0; ix < p.inWidth; ix++) {
          const v = x[((n * p.inChannels + c) * p.inHeight + iy) * p.inWidth + ix]!;
          for (let oc = 0; oc < coutG; oc++) {
            const o = g * coutG + oc;
            for (let ky = 0; ky < p.kernelHeight; ky++) {
              const oy = iy * p.strideH + ky * p.dilationH - p.padTop;
              if (oy < 0 || oy >= outHeight) continue;
              for (let kx = 0; kx < p.kernelWidth; kx++) {
                const ox = ix * p.strideW + kx * p.dilationW - p.padLeft;
                if (ox < 0 || ox >= outWidth) continue;
                y[((n * p.outChannels + o) * outHeight + oy) * outWidth + ox] += v * w[((c * coutG + oc) * p.kernelHeight + ky) * p.kernelWidth + kx]!;
              }
            }
          }
        }
    }
  const plane = outHeight * outWidth;
  for (let i = 0; i < y.length; i++) {
    const o = Math.floor(i / plane) % p.outChannels;
    y[i] = activateRef(y[i]! + (bias ? bias[o]! : 0), activation);
  }
  return { y, outHeight, outWidth };
}
