/**
 * Plain float64 CPU pooling in NCHW, written index by index after PyTorch's
 * CPU kernels (max_pool2d, avg_pool2d, adaptive_avg_pool2d(1)), independent of
 * src/: it computes its own output sizes.
 */

export interface PoolRefConfig {
  batch: number;
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  dilationH: number;
  dilationW: number;
  ceilMode: boolean;
  countIncludePad: boolean;
}

/** PyTorch's pooling_output_shape_pad_lr. */
export function pooledLength(n: number, k: number, s: number, padL: number, padR: number, d: number, ceil: boolean): number {
  const numerator = n + padL + padR - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let out = Math.floor(numerator / s) + 1;
  if (ceil && (out - 1) * s >= n + padL) out--;
  return out;
}

export function pooledSize(c: PoolRefConfig): { outH: number; outW: number } {
  return {
    outH: pooledLength(c.height, c.kernelH, c.strideH, c.padTop, c.padBottom, c.dilationH, c.ceilMode),
    outW: pooledLength(c.width, c.kernelW, c.strideW, c.padLeft, c.padRight, c.dilationW, c.ceilMode),
  };
}

/** NCHW max pool; padding is −inf. Output NCHW [batch, channels, outH, outW]. */
export function maxPool2dRef(x: ArrayLike<number>, c: PoolRefConfig): Float64Array {
  const { outH, outW } = pooledSize(c);
  const out = new Float64Array(c.batch * c.channels * outH * outW);
  for (let n = 0; n < c.batch; n++)
    for (let ch = 0; ch < c.channels; ch++) {
      const plane = (n * c.channels + ch) * c.height * c.width;
      for (let oh = 0; oh < outH; oh++)
        for (let ow = 0; ow < outW; ow++) {
          let best = -Infinity;
          for (let i = 0; i < c.kernelH; i++) {
            const ih = oh * c.strideH - c.padTop + i * c.dilationH;
            if (ih < 0 || ih >= c.height) continue;
            for (let j = 0; j < c.kernelW; j++) {
              const iw = ow * c.strideW - c.padLeft + j * c.dilationW;
              if (iw < 0 || iw >= c.width) continue;
              best = Math.max(best, x[plane + ih * c.width + iw]!);
            }
          }
          out[((n * c.channels + ch) * outH + oh) * outW + ow] = best;
        }
    }
  return out;
}

/**
 * NCHW average pool, PyTorch's divisor rule. Dilated configs, and pads as large
 * as the kernel (windows with no real element, which PyTorch never makes), go
 * to dilatedAvgPool2dRef. Output NCHW [batch, channels, outH, outW].
 */
export function avgPool2dRef(x: ArrayLike<number>, c: PoolRefConfig): Float64Array {
  const padsReachPastKernel = Math.max(c.padTop, c.padBottom) >= c.kernelH || Math.max(c.padLeft, c.padRight) >= c.kernelW;
  if (c.dilationH !== 1 || c.dilationW !== 1 || padsReachPastKernel) return dilatedAvgPool2dRef(x, c);
  const { outH, outW } = pooledSize(c);
  const out = new Float64Array(c.batch * c.channels * outH * outW);
  for (let n = 0; n < c.batch; n++)
    for (let ch = 0; ch < c.channels; ch++) {
      const plane = (n * c.channels + ch) * c.height * c.width;
      for (let oh = 0; oh < outH; oh++)
        for (let ow = 0; ow < outW; ow++) {
          let hstart = oh * c.strideH - c.padTop;
          let wstart = ow * c.strideW - c.padLeft;
          let hend = Math.min(hstart + c.kernelH, c.height + c.padBottom);
          let wend = Math.min(wstart + c.kernelW, c.width + c.padRight);
          const poolSize = (hend - hstart) * (wend - wstart);
          hstart = Math.max(hstart, 0);
          wstart = Math.max(wstart, 0);
          hend = Math.min(hend, c.height);
          wend = Math.min(wend, c.width);
          let sum = 0;
          for (let ih = hstart; ih < hend; ih++) for (let iw = wstart; iw < wend; iw++) sum += x[plane + ih * c.width + iw]!;
          const divisor = c.countIncludePad ? poolSize : (hend - hstart) * (wend - wstart);
          out[((n * c.channels + ch) * outH + oh) * outW + ow] = sum / divisor;
        }
    }
  return out;
}

/**
 * NCHW average pool over dilated taps, after ONNX's reference (AveragePool-19):
 * the divisor is the number of taps on real elements, or with count_include_pad
 * the number inside the padded input [−pad, n + padAfter); no real tap and no
 * count_include_pad is 0/0 = NaN.
 */
export function dilatedAvgPool2dRef(x: ArrayLike<number>, c: PoolRefConfig): Float64Array {
  const { outH, outW } = pooledSize(c);
  const out = new Float64Array(c.batch * c.channels * outH * outW);
  for (let n = 0; n < c.batch; n++)
    for (let ch = 0; ch < c.channels; ch++) {
      const plane = (n * c.channels + ch) * c.height * c.width;
      for (let oh = 0; oh < outH; oh++)
        for (let ow = 0; ow < outW; ow++) {
          let sum = 0;
          let real = 0;
          let padded = 0;
          for (let i = 0; i < c.kernelH; i++) {
            const ih = oh * c.strideH - c.padTop + i * c.dilationH;
            for (let j = 0; j < c.kernelW; j++) {
              const iw = ow * c.strideW - c.padLeft + j * c.dilationW;
              if (ih < c.height + c.padBottom && iw < c.width + c.padRight) padded++;
              if (ih < 0 || ih >= c.height || iw < 0 || iw >= c.width) continue;
              sum += x[plane + ih * c.width + iw]!;
              real++;
            }
          }
          out[((n * c.channels + ch) * outH + oh) * outW + ow] = sum / (c.countIncludePad ? padded : real);
        }
    }
  return out;
}

/** NCHW global max pool: [batch, channels, height, width] → [batch, channels] (i.e. [N, C, 1, 1]). */
export function globalMaxPoolRef(x: ArrayLike<number>, batch: number, channels: number, height: number, width: number): Float64Array {
  const out = new Float64Array(batch * channels);
  for (let n = 0; n < batch; n++)
    for (let ch = 0; ch < channels; ch++) {
      let best = -Infinity;
      for (let i = 0; i < height * width; i++) best = Math.max(best, x[(n * channels + ch) * height * width + i]!);
      out[n * channels + ch] = best;
    }
  return out;
}

/** NCHW global average pool: [batch, channels, height, width] → [batch, channels] (i.e. [N, C, 1, 1]). */
export function globalAvgPoolRef(x: ArrayLike<number>, batch: number, channels: number, height: number, width: number): Float64Array {
  const out = new Float64Array(batch * channels);
  for (let n = 0; n < batch; n++)
    for (let ch = 0; ch < channels; ch++) {
      let sum = 0;
      for (let i = 0; i < height * width; i++) sum += x[(n * channels + ch) * height * width + i]!;
      out[n * channels + ch] = sum / (height * width);
    }
  return out;
}
