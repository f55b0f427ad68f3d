/**
 * 16-bit floats as safetensors stores them: IEEE binary16 (F16) and bfloat16
 * (BF16), both little-endian, to and from float32. Encoding rounds to nearest,
 * ties to even, as PyTorch's `.half()` and `.bfloat16()` do.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The float value of binary16 bits (exact: every half is a float32). */
export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** binary16 bits of a number, rounded to nearest even; overflow gives ±Infinity. */
export function floatToHalfBits(value: number): number {
  scratch[0] = value;
  const x = scratchBits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // ±Inf, quiet NaN
  const e = exponent - 127 + 15; // the exponent rebiased for binary16
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // a subnormal half (or zero): value = m × 2^-24 with m = full mantissa >> (14 − e)
    const full = mantissa | 0x800000;
    const shift = 14 - e;
    if (shift > 24) return sign; // below half the smallest subnormal
    const kept = full >>> shift;
    const rest = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    return sign | (rest > half || (rest === half && kept & 1) ? kept + 1 : kept);
  }
  // normal: drop 13 mantissa bits; a carry may roll into the exponent (up to Inf), which is right
  const bits = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  return sign | (rest > 0x1000 || (rest === 0x1000 && bits & 1) ? bits + 1 : bits);
}

/** bfloat16 bits of a number: the top half of its float32 bits, rounded to nearest even. */
export function floatToBfloat16Bits(value: number): number {
  scratch[0] = value;
  const x = scratchBits[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40; // keep NaN a (quiet) NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The float value of bfloat16 bits (exact). */
export function bfloat16BitsToFloat(bits: number): number {
  scratchBits[0] = (bits & 0xffff) << 16;
  return scratch[0]!;
}

let halfTable: Float32Array | undefined;

/** Decodes `count` little-endian binary16 values starting at `bytes[0]`. */
export function decodeHalf(bytes: Uint8Array, count: number): Float32Array {
  if (!halfTable) {
    // 65,536 entries (256 KiB), built once: a lookup beats decoding bit by bit
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfBitsToFloat(h);
  }
  const table = halfTable;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  return out;
}

/** Decodes `count` little-endian bfloat16 values starting at `bytes[0]`. */
export function decodeBfloat16(bytes: Uint8Array, count: number): Float32Array {
  const bits = new Uint32Array(count);
  for (let i = 0; i < count; i++) bits[i] = (bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16;
  return new Float32Array(bits.buffer);
}
