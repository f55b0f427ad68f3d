/**
 * The random half of augmentation: options, their checks, and the per-sample
 * draws from a SeededRandom, on the CPU. The GPU never draws: it applies the
 * records drawn here, so a seed fixes a batch bit for bit.
 *
 * Draw order, per sample, in batch order (an augmentation that is off draws
 * nothing):
 *   1. crop: per attempt (at most 10) scale s ~ U[scale) then
 *      log-aspect ~ U[ln aspect); the first attempt that fits draws
 *      x ~ U[0, W − w) then y ~ U[0, H − h); if none fits, the centred
 *      fallback draws nothing more;
 *   2. mirror: one u ~ U[0, 1), mirrored when u < mirror;
 *   3. colourShift: one U[−m, m) per channel, R then G then B;
 *   4. pca: α_1, α_2, α_3 ~ N(0, σ), two draws each (Box–Muller).
 */
import { InvalidParameterError } from '../errors.js';
import type { AugmentGeometry, AugmentSample } from '../kernels/augment.js';
import { pcaOffset, type PcaColourBasis } from './augment_pca.js';
import type { SeededRandom } from './random.js';

/** RandomResizedCrop-style crops: a fraction of the source's area and an aspect ratio (width / height). */
export interface CropOptions {
  /** [min, max] fraction of the source area, in (0, 1]; e.g. [0.08, 1] (torchvision's default). */
  scale: readonly [number, number];
  /** [min, max] crop width / height, drawn log-uniformly; e.g. [3 / 4, 4 / 3]. */
  aspect: readonly [number, number];
}

/** What to augment; everything is off by default. */
export interface AugmentOptions {
  /** Probability of a horizontal mirror, in [0, 1] (default 0). */
  mirror?: number;
  /** Random crops, resized to the output size; false (default): the whole image, resized. */
  crop?: CropOptions | false;
  /** Colour shifting: each channel gets an offset ~ U[−m, m), in input units (default 0, off). RGB only. */
  colourShift?: number;
  /** PCA colour augmentation (AlexNet): α_i ~ N(0, sigma), offset Σ α_i λ_i p_i. RGB only. */
  pca?: { sigma: number; basis: PcaColourBasis } | false;
  /** Seed of the draws (default 1): the same seed gives the same batches, in the same order. */
  seed?: number;
}

/** Crop attempts before the centred fallback (torchvision's RandomResizedCrop tries 10 too). */
const CROP_ATTEMPTS = 10;

const range = (name: string, r: readonly number[] | undefined, lo: number, hi: number, what: string) => {
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0]! > r[1]! || r[0]! <= lo || r[1]! > hi) {
    throw new InvalidParameterError(name, `must be [min, max] with ${what}, got ${Array.isArray(r) ? `[${r.join(', ')}]` : String(r)}`);
  }
};

/**
 * Refuses options that are out of range, or colour options on a grayscale
 * batch (colour shifting and PCA only mean something for RGB).
 * @example checkAugmentOptions({ mirror: 0.5, colourShift: 0.1 }, 1)   // throws: colourShift needs 3 channels
 */
export function checkAugmentOptions(o: AugmentOptions, channels: number): void {
  const mirror = o.mirror ?? 0;
  if (!(mirror >= 0 && mirror <= 1)) throw new InvalidParameterError('mirror', `is a probability in [0, 1], got ${o.mirror}`);
  if (o.crop) {
    range('crop.scale', o.crop.scale, 0, 1, '0 < min ≤ max ≤ 1 (fractions of the source area)');
    range('crop.aspect', o.crop.aspect, 0, Infinity, '0 < min ≤ max (width / height)');
  }
  const shift = o.colourShift ?? 0;
  if (!(Number.isFinite(shift) && shift >= 0)) throw new InvalidParameterError('colourShift', `is a magnitude ≥ 0 in input units, got ${o.colourShift}`);
  if (shift > 0 && channels !== 3) throw new InvalidParameterError('colourShift', `colour shifting needs RGB input (3 channels), the batch has ${channels}`);
  if (o.pca) {
    if (channels !== 3) throw new InvalidParameterError('pca', `PCA colour augmentation needs RGB input (3 channels), the batch has ${channels}`);
    if (!(Number.isFinite(o.pca.sigma) && o.pca.sigma >= 0)) throw new InvalidParameterError('pca.sigma', `is a standard deviation ≥ 0, got ${o.pca.sigma}`);
    const b = o.pca.basis;
    const vectorsOk = b?.eigenvectors?.length === 3 && b.eigenvectors.every((p) => p.length === 3 && p.every(Number.isFinite));
    if (!b || b.eigenvalues?.length !== 3 || !b.eigenvalues.every(Number.isFinite) || !vectorsOk) {
      throw new InvalidParameterError('pca.basis', 'needs 3 finite eigenvalues and 3 eigenvectors of 3 values: compute it with pcaColourBasis(samples, shape)');
    }
  }
  if (o.seed !== undefined && !Number.isFinite(o.seed)) throw new InvalidParameterError('seed', `must be a finite number, got ${o.seed}`);
}

/** The crop of one sample: drawn as the file header says, or the whole image when crops are off. */
function drawCrop(random: SeededRandom, g: AugmentGeometry, crop: CropOptions | false | undefined): [number, number, number, number] {
  const W = g.inWidth;
  const H = g.inHeight;
  if (!crop) return [0, 0, W, H];
  const area = W * H;
  const logLo = Math.log(crop.aspect[0]);
  const logHi = Math.log(crop.aspect[1]);
  for (let attempt = 0; attempt < CROP_ATTEMPTS; attempt++) {
    const target = area * random.uniform(crop.scale[0], crop.scale[1]);
    const aspect = Math.exp(random.uniform(logLo, logHi));
    const w = Math.sqrt(target * aspect);
    const h = Math.sqrt(target / aspect);
    if (w <= W && h <= H) {
      // min(): x + w ≤ W survives the rounding of U · (W − w)
      const x = Math.min(random.uniform(0, W - w), W - w);
      const y = Math.min(random.uniform(0, H - h), H - h);
      return [x, y, w, h];
    }
  }
  // the largest centred crop whose aspect lies in the range
  const imageAspect = W / H;
  const aspect = Math.min(Math.max(imageAspect, crop.aspect[0]), crop.aspect[1]);
  const w = aspect <= imageAspect ? H * aspect : W;
  const h = aspect <= imageAspect ? H : W / aspect;
  return [(W - w) / 2, (H - h) / 2, w, h];
}

/**
 * One sample's augmentation, drawn in the order the file header gives.
 * Options are assumed checked (checkAugmentOptions).
 * @example drawAugmentSample(new SeededRandom(7), geometry, { mirror: 0.5, crop: { scale: [0.5, 1], aspect: [0.75, 1.33] } })
 */
export function drawAugmentSample(random: SeededRandom, g: AugmentGeometry, o: AugmentOptions): AugmentSample {
  const crop = drawCrop(random, g, o.crop);
  const mirrorP = o.mirror ?? 0;
  const mirror = mirrorP > 0 ? random.next() < mirrorP : false;
  const offset = Array.from({ length: g.channels }, () => 0);
  const shift = o.colourShift ?? 0;
  if (shift > 0) for (let c = 0; c < g.channels; c++) offset[c] = random.uniform(-shift, shift);
  if (o.pca) {
    const { sigma, basis } = o.pca;
    const alphas = [0, 1, 2].map(() => random.normal(sigma));
    const pca = pcaOffset(basis, alphas);
    for (let c = 0; c < 3; c++) offset[c]! += pca[c];
  }
  return { crop, mirror, offset };
}

/**
 * A whole batch's augmentation: g.batch samples, in batch order.
 * @example
 * const random = new SeededRandom(42);
 * const samples = drawAugmentSamples(random, geometry, { mirror: 0.5 });   // the next batch's draws
 */
export function drawAugmentSamples(random: SeededRandom, g: AugmentGeometry, o: AugmentOptions): AugmentSample[] {
  return Array.from({ length: g.batch }, () => drawAugmentSample(random, g, o));
}
