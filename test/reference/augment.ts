/**
 * Float64 references for batch augmentation, written from the definitions
 * (not from the shader or src/train): bilinear crop-resize with pixel centres
 * at +0.5 and edge-clamped taps, the mirror of the resized crop, per-channel
 * offsets; RGB covariance; 3×3 matrix helpers to check an eigen-decomposition;
 * and the documented draw order, replayed from a bare uniform generator.
 */
import type { AugmentOptions, AugmentSample } from '../../src/train/augment.js';
import type { PcaColourBasis } from '../../src/train/augment_pca.js';

export type Mat3 = number[][];

/** out[n, c, oy, ox] = bilinear(crop of image n, channel c, at the mirrored column) + offset[c]. */
export function augmentRef(
  data: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  outSize: readonly [number, number],
  samples: readonly AugmentSample[],
): Float64Array {
  const [batch, channels, height, width] = shape;
  const [outH, outW] = outSize;
  const out = new Float64Array(batch * channels * outH * outW);
  const pixel = (n: number, c: number, y: number, x: number) => {
    const cy = Math.min(Math.max(y, 0), height - 1);
    const cx = Math.min(Math.max(x, 0), width - 1);
    return data[((n * channels + c) * height + cy) * width + cx]!;
  };
  for (let n = 0; n < batch; n++) {
    const s = samples[n]!;
    // the GPU sees the crop as float32
    const [x0, y0, w, h] = s.crop.map(Math.fround) as [number, number, number, number];
    for (let c = 0; c < channels; c++)
      for (let oy = 0; oy < outH; oy++)
        for (let ox = 0; ox < outW; ox++) {
          // the resized crop's column that lands at ox
          const rx = s.mirror ? outW - 1 - ox : ox;
          const sx = x0 + ((rx + 0.5) * w) / outW - 0.5;
          const sy = y0 + ((oy + 0.5) * h) / outH - 0.5;
          const fx = Math.floor(sx);
          const fy = Math.floor(sy);
          const tx = sx - fx;
          const ty = sy - fy;
          const top = (1 - tx) * pixel(n, c, fy, fx) + tx * pixel(n, c, fy, fx + 1);
          const bottom = (1 - tx) * pixel(n, c, fy + 1, fx) + tx * pixel(n, c, fy + 1, fx + 1);
          out[((n * channels + c) * outH + oy) * outW + ox] = (1 - ty) * top + ty * bottom + Math.fround(s.offset[c]!);
        }
  }
  return out;
}

/** Covariance of (R, G, B) over every pixel, from raw moments E[xy] − E[x]E[y] (a different route than src's two passes). */
export function rgbCovarianceRef(data: ArrayLike<number>, shape: readonly [number, number, number, number]): Mat3 {
  const [batch, , height, width] = shape;
  const plane = height * width;
  const sum = [0, 0, 0];
  const prod = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  for (let n = 0; n < batch; n++)
    for (let i = 0; i < plane; i++) {
      const v = [0, 1, 2].map((c) => data[(n * 3 + c) * plane + i]!);
      for (let a = 0; a < 3; a++) {
        sum[a]! += v[a]!;
        for (let b = 0; b < 3; b++) prod[a]![b]! += v[a]! * v[b]!;
      }
    }
  const count = batch * plane;
  return prod.map((row, a) => row.map((p, b) => p / count - (sum[a]! / count) * (sum[b]! / count)));
}

export function matMul3(a: Mat3, b: Mat3): Mat3 {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[i]![0]! * b[0]![j]! + a[i]![1]! * b[1]![j]! + a[i]![2]! * b[2]![j]!));
}

export function transpose3(a: Mat3): Mat3 {
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => a[j]![i]!));
}

/** A random rotation from Gram–Schmidt on three random vectors. */
export function randomOrthogonal3(next: () => number): Mat3 {
  const q: number[][] = [];
  while (q.length < 3) {
    const v = [next() * 2 - 1, next() * 2 - 1, next() * 2 - 1];
    for (const u of q) {
      const d = v[0]! * u[0]! + v[1]! * u[1]! + v[2]! * u[2]!;
      for (let k = 0; k < 3; k++) v[k]! -= d * u[k]!;
    }
    const norm = Math.hypot(v[0]!, v[1]!, v[2]!);
    if (norm > 1e-3) q.push(v.map((x) => x / norm));
  }
  return transpose3(q); // columns are the vectors
}

/** Σ α_i λ_i p_i. */
export function pcaOffsetRef(basis: PcaColourBasis, alphas: readonly number[]): number[] {
  return [0, 1, 2].map((c) => [0, 1, 2].reduce((s, i) => s + alphas[i]! * basis.eigenvalues[i]! * basis.eigenvectors[i]![c]!, 0));
}

/**
 * The draws of one batch, replayed in the order src/train/augment_draw.ts
 * documents, from a bare U[0, 1) source (the same mulberry32 as the tests' Rng).
 */
export function drawSamplesRef(
  next: () => number,
  batch: number,
  channels: number,
  height: number,
  width: number,
  o: AugmentOptions,
): AugmentSample[] {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * next();
  const normal = (sigma: number) => {
    const u = 1 - next();
    const v = next();
    return sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const samples: AugmentSample[] = [];
  for (let n = 0; n < batch; n++) {
    let crop: [number, number, number, number] = [0, 0, width, height];
    if (o.crop) {
      let found = false;
      for (let attempt = 0; attempt < 10 && !found; attempt++) {
        const area = width * height * uniform(o.crop.scale[0], o.crop.scale[1]);
        const aspect = Math.exp(uniform(Math.log(o.crop.aspect[0]), Math.log(o.crop.aspect[1])));
        const w = Math.sqrt(area * aspect);
        const h = Math.sqrt(area / aspect);
        if (w <= width && h <= height) {
          crop = [Math.min(uniform(0, width - w), width - w), Math.min(uniform(0, height - h), height - h), w, h];
          found = true;
        }
      }
      if (!found) {
        const imageAspect = width / height;
        const aspect = Math.min(Math.max(imageAspect, o.crop.aspect[0]), o.crop.aspect[1]);
        const w = aspect <= imageAspect ? height * aspect : width;
        const h = aspect <= imageAspect ? height : width / aspect;
        crop = [(width - w) / 2, (height - h) / 2, w, h];
      }
    }
    const mirror = (o.mirror ?? 0) > 0 ? next() < o.mirror! : false;
    const offset = new Array<number>(channels).fill(0);
    if ((o.colourShift ?? 0) > 0) for (let c = 0; c < channels; c++) offset[c] = uniform(-o.colourShift!, o.colourShift!);
    if (o.pca) {
      const alphas = [normal(o.pca.sigma), normal(o.pca.sigma), normal(o.pca.sigma)];
      const pca = pcaOffsetRef(o.pca.basis, alphas);
      for (let c = 0; c < 3; c++) offset[c]! += pca[c]!;
    }
    samples.push({ crop, mirror, offset });
  }
  return samples;
}
