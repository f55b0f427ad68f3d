/**
 * Float64 reference of image_to_tensor: tightly packed RGBA bytes → C × H × W.
 * Written from the definition (pixel centres at +0.5, edge-clamped bilinear,
 * an evenly spread samples × samples grid per output pixel), not from the shader.
 */
export interface ImageRefParams {
  channels: 1 | 3;
  outWidth: number;
  outHeight: number;
  cropRect: readonly [number, number, number, number];
  dstRect: readonly [number, number, number, number];
  mean: readonly number[];
  std: readonly number[];
  grayscale: boolean;
  invert: boolean;
  levels: readonly [number, number];
  fill: readonly [number, number, number];
  samples: number;
}

const LUMA = [0.299, 0.587, 0.114];

export function imageToTensorRef(rgba: Uint8Array, width: number, height: number, p: ImageRefParams): Float64Array {
  const at = (x: number, y: number, c: number) => {
    const cx = Math.min(Math.max(x, 0), width - 1);
    const cy = Math.min(Math.max(y, 0), height - 1);
    return rgba[(cy * width + cx) * 4 + c]! / 255;
  };
  const bilinear = (sx: number, sy: number, c: number) => {
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    const fx = sx - x0;
    const fy = sy - y0;
    const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
    const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
    return top * (1 - fy) + bottom * fy;
  };
  const tap = (px: number, py: number): number[] => {
    const [dx, dy, dw, dh] = p.dstRect;
    const u = (px - dx) / dw;
    const v = (py - dy) / dh;
    if (u < 0 || u >= 1 || v < 0 || v >= 1) return [...p.fill];
    const [cx, cy, cw, ch] = p.cropRect;
    let rgb = [0, 1, 2].map((c) => bilinear(cx + u * cw - 0.5, cy + v * ch - 0.5, c));
    if (p.grayscale || p.channels === 1) {
      const y = rgb.reduce((s, value, c) => s + value * LUMA[c]!, 0);
      rgb = [y, y, y];
    }
    if (p.invert) rgb = rgb.map((value) => 1 - value);
    const [lo, hi] = p.levels;
    return rgb.map((value) => Math.min(Math.max((value - lo) / (hi - lo), 0), 1));
  };
  const plane = p.outWidth * p.outHeight;
  const out = new Float64Array(p.channels * plane);
  const n = p.samples;
  for (let oy = 0; oy < p.outHeight; oy++) {
    for (let ox = 0; ox < p.outWidth; ox++) {
      const sum = [0, 0, 0];
      for (let j = 0; j < n; j++) {
        for (let i = 0; i < n; i++) {
          tap(ox + (i + 0.5) / n, oy + (j + 0.5) / n).forEach((value, c) => (sum[c]! += value));
        }
      }
      for (let c = 0; c < p.channels; c++) out[c * plane + oy * p.outWidth + ox] = (sum[c]! / (n * n) - p.mean[c]!) / p.std[c]!;
    }
  }
  return out;
}
