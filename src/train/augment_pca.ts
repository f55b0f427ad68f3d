/**
 * PCA colour augmentation's basis (Krizhevsky, Sutskever & Hinton 2012,
 * §4.1): the principal components of the RGB values over every pixel of a
 * training set. Computed once, on the CPU in float64: the covariance is a
 * 3×3 matrix and the pass over the pixels is the only cost.
 */
import { InputError, InvalidParameterError } from '../errors.js';

/** A 3×3 matrix as rows. */
export type Matrix3 = readonly [readonly [number, number, number], readonly [number, number, number], readonly [number, number, number]];
type Vector3 = readonly [number, number, number];

/** The principal components of RGB: eigenvalues λ_i (descending) and unit eigenvectors p_i. */
export interface PcaColourBasis {
  /** Per-channel mean of the pixels. */
  mean: Vector3;
  /** The 3×3 covariance of (R, G, B) over the pixels (population: divided by the pixel count). */
  covariance: Matrix3;
  /** λ_1 ≥ λ_2 ≥ λ_3 ≥ 0 (tiny negatives from rounding are clamped to 0). */
  eigenvalues: Vector3;
  /** p_i, the eigenvector of λ_i, unit length. */
  eigenvectors: readonly [Vector3, Vector3, Vector3];
}

const SWEEPS = 50;

/**
 * Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations:
 * each rotation zeroes one off-diagonal pair; a few sweeps reach float64
 * precision. Eigenvalues descending, eigenvectors unit length.
 * @example
 * const { values, vectors } = symmetricEigen3([[2, 1, 0], [1, 2, 0], [0, 0, 1]]);
 * // values [3, 1, 1]; vectors[0] ≈ [0.707, 0.707, 0] (up to sign)
 */
export function symmetricEigen3(m: Matrix3): { values: Vector3; vectors: [Vector3, Vector3, Vector3] } {
  const a = m.map((row) => [...row]);
  if (a.length !== 3 || a.some((row) => row.length !== 3 || !row.every(Number.isFinite))) throw new InvalidParameterError('matrix', 'must be 3×3 with finite entries');
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < i; j++) {
      const scale = Math.max(Math.abs(a[i]![j]!), Math.abs(a[j]![i]!), Number.MIN_VALUE);
      if (Math.abs(a[i]![j]! - a[j]![i]!) > 1e-12 * scale) throw new InvalidParameterError('matrix', `must be symmetric: [${i}][${j}] = ${a[i]![j]} but [${j}][${i}] = ${a[j]![i]}`);
    }
  // v's columns accumulate the rotations: a = v · diag · vᵀ at the end
  const v = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    const off = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    const diag = a[0]![0]! ** 2 + a[1]![1]! ** 2 + a[2]![2]! ** 2;
    if (off <= 1e-32 * diag || off === 0) break;
    for (const [p, q] of [
      [0, 1],
      [0, 2],
      [1, 2],
    ] as const) {
      const apq = a[p]![q]!;
      if (apq === 0) continue;
      // the rotation angle that zeroes a[p][q]; t = tan θ, the smaller root for stability
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k]![p]!;
        const akq = a[k]![q]!;
        a[k]![p] = c * akp - s * akq;
        a[k]![q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p]![k]!;
        const aqk = a[q]![k]!;
        a[p]![k] = c * apk - s * aqk;
        a[q]![k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k]![p]!;
        const vkq = v[k]![q]!;
        v[k]![p] = c * vkp - s * vkq;
        v[k]![q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j]![j]! - a[i]![i]!);
  const values = order.map((i) => a[i]![i]!) as unknown as Vector3;
  const vectors = order.map((i) => [v[0]![i]!, v[1]![i]!, v[2]![i]!] as const) as unknown as [Vector3, Vector3, Vector3];
  return { values, vectors };
}

/**
 * The PCA colour basis of a set of RGB images: mean, covariance and its
 * eigen-decomposition over every pixel of `samples` (NCHW float32,
 * [count, 3, height, width]). Compute it once over the training set (or a
 * large sample of it) and hand it to the Augmenter's `pca` option.
 * @example
 * const basis = pcaColourBasis(trainImages, [1000, 3, 32, 32]);
 * const augmenter = new Augmenter(ctx, geometry, { pca: { sigma: 0.1, basis } });
 */
export function pcaColourBasis(samples: Float32Array, shape: readonly [number, number, number, number]): PcaColourBasis {
  const [count, channels, height, width] = shape;
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) throw new InputError('samples', `shape must be 4 positive integers [N, 3, H, W], got [${shape.join(', ')}]`);
  if (channels !== 3) throw new InvalidParameterError('channels', `PCA colour augmentation needs RGB samples (3 channels), got ${channels}`);
  const plane = height * width;
  const expected = count * 3 * plane;
  if (samples.length !== expected) throw new InputError('samples', `[${shape.join(', ')}] holds ${expected} floats, got ${samples.length}`);
  const pixels = count * plane;
  const mean = [0, 0, 0];
  for (let n = 0; n < count; n++)
    for (let c = 0; c < 3; c++) {
      const at = (n * 3 + c) * plane;
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += samples[at + i]!;
      mean[c]! += sum;
    }
  for (let c = 0; c < 3; c++) mean[c]! /= pixels;
  // second pass about the mean: no cancellation from Σx² − N·mean²
  const cov = [0, 0, 0, 0, 0, 0]; // rr, rg, rb, gg, gb, bb
  for (let n = 0; n < count; n++) {
    const at = n * 3 * plane;
    for (let i = 0; i < plane; i++) {
      const r = samples[at + i]! - mean[0]!;
      const g = samples[at + plane + i]! - mean[1]!;
      const b = samples[at + 2 * plane + i]! - mean[2]!;
      cov[0]! += r * r;
      cov[1]! += r * g;
      cov[2]! += r * b;
      cov[3]! += g * g;
      cov[4]! += g * b;
      cov[5]! += b * b;
    }
  }
  const [rr, rg, rb, gg, gb, bb] = cov.map((x) => x / pixels) as [number, number, number, number, number, number];
  const covariance: Matrix3 = [
    [rr, rg, rb],
    [rg, gg, gb],
    [rb, gb, bb],
  ];
  const { values, vectors } = symmetricEigen3(covariance);
  return { mean: mean as unknown as Vector3, covariance, eigenvalues: values.map((l) => Math.max(l, 0)) as unknown as Vector3, eigenvectors: vectors };
}

/**
 * The PCA colour offset of one sample: Σ α_i λ_i p_i (the paper's
 * [p1 p2 p3][α1λ1 α2λ2 α3λ3]ᵀ), added to every pixel of the image. λ_i is a
 * variance, in squared input units, so σ's effect depends on the input scale:
 * the paper's σ = 0.1 was for pixel values in 0…255.
 * @example pcaOffset(basis, [0.05, -0.1, 0.02])   // [ΔR, ΔG, ΔB]
 */
export function pcaOffset(basis: PcaColourBasis, alphas: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const w = alphas[i]! * basis.eigenvalues[i]!;
    for (let c = 0; c < 3; c++) out[c] += w * basis.eigenvectors[i]![c]!;
  }
  return out;
}
