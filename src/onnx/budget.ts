/**
 * The memory budget of one import. Every array the importer sizes from the
 * file — initializers, Constant nodes, every folded result — is charged here
 * before it is allocated, so a few hundred bytes of ONNX cannot ask for
 * gigabytes (a Range to 2^30, a ConstantOfShape [2^30]).
 */
import { formatBytes, InvalidParameterError, OnnxFormatError } from '../errors.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/**
 * How much the importer may materialize on the CPU. Bytes are counted as the
 * importer holds them: 4 per element for float tensors (float16, bfloat16
 * and double are held as float32), 8 for integer and bool tensors (float64).
 *
 * @example
 * // a model that folds a 1 GiB constant
 * const onnx = parseOnnx(bytes, { materializeLimits: { maxTensorBytes: 2 ** 30, maxTotalBytes: 4 * 2 ** 30 } });
 */
export interface MaterializeLimits {
  /** The largest single tensor (default 512 MiB). */
  maxTensorBytes?: number;
  /** All tensors of one import together, initializers and folded intermediates included (default 2 GiB). */
  maxTotalBytes?: number;
}

export const DEFAULT_MATERIALIZE_LIMITS: Readonly<Required<MaterializeLimits>> = { maxTensorBytes: 512 * MiB, maxTotalBytes: 2 * GiB };

function limitOf(limits: MaterializeLimits, key: keyof MaterializeLimits): number {
  const v = limits[key] ?? DEFAULT_MATERIALIZE_LIMITS[key];
  if (typeof v !== 'number' || Number.isNaN(v) || v < 0) throw new InvalidParameterError(`materializeLimits.${key}`, `must be a number of bytes ≥ 0, got ${String(v)}`);
  return v;
}

export class MaterializeBudget {
  readonly maxTensorBytes: number;
  readonly maxTotalBytes: number;
  private used = 0;

  constructor(limits: MaterializeLimits = {}) {
    this.maxTensorBytes = limitOf(limits, 'maxTensorBytes');
    this.maxTotalBytes = limitOf(limits, 'maxTotalBytes');
  }

  /** Bytes charged so far. */
  get usedBytes(): number {
    return this.used;
  }

  /**
   * Records `count` elements of `bytesPerElement` for `what` (e.g. `a float32
   * tensor of shape [n]`), or throws an OnnxFormatError saying which limit it
   * would pass and how to raise it. Call it before allocating.
   */
  charge(count: number, bytesPerElement: number, what: string): void {
    if (Number.isNaN(count) || count < 0 || (Number.isFinite(count) && !Number.isInteger(count))) throw new OnnxFormatError(`${what} has no valid element count (${count})`);
    const bytes = count * bytesPerElement;
    const asked = `${what} would take ${Number.isFinite(bytes) ? `${bytes} bytes (${formatBytes(bytes)})` : 'unbounded memory'}`;
    // no limit admits an unbounded tensor, even one set to Infinity
    if (bytes > this.maxTensorBytes || !Number.isFinite(bytes)) {
      throw new OnnxFormatError(`${asked}, over the per-tensor limit of ${formatBytes(this.maxTensorBytes)}; if the model really needs it, raise materializeLimits.maxTensorBytes in the parseOnnx/loadOnnx options`);
    }
    if (this.used + bytes > this.maxTotalBytes) {
      throw new OnnxFormatError(
        `${asked}, bringing the constants held to ${formatBytes(this.used + bytes)}, over the total limit of ${formatBytes(this.maxTotalBytes)}; if the model really needs it, raise materializeLimits.maxTotalBytes in the parseOnnx/loadOnnx options`,
      );
    }
    this.used += bytes;
  }
}
