/** Float64 elementwise ops with numpy-style broadcasting over 4-D shapes, index by index. */
import type { Activation, ActivationParams } from '../../src/kernels/epilogue.js';
import { activateRef, powRef } from './activation.js';

/** prelu: x where x ≥ 0, else x·y (y the slope); min and max give NaN when either operand is NaN. */
export type BinaryOpRef = 'add' | 'sub' | 'mul' | 'div' | 'prelu' | 'pow' | 'min' | 'max';
type Dims = readonly [number, number, number, number];

export function applyOp(op: BinaryOpRef, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
    case 'prelu':
      return x >= 0 ? x : x * y;
    case 'pow':
      return Math.fround(powRef(x, y));
    case 'min':
      return Math.min(x, y);
    case 'max':
      return Math.max(x, y);
  }
}

/** Reads x (contiguous, shape `dims`) at output index (i0..i3): a size-1 axis always reads index 0. */
function at(x: ArrayLike<number>, dims: Dims, i0: number, i1: number, i2: number, i3: number): number {
  const j0 = dims[0] === 1 ? 0 : i0;
  const j1 = dims[1] === 1 ? 0 : i1;
  const j2 = dims[2] === 1 ? 0 : i2;
  const j3 = dims[3] === 1 ? 0 : i3;
  return x[((j0 * dims[1] + j1) * dims[2] + j2) * dims[3] + j3]!;
}

export function elementwiseBinaryRef(
  op: BinaryOpRef,
  a: ArrayLike<number>,
  aDims: Dims,
  b: ArrayLike<number>,
  bDims: Dims,
  activation: Activation,
  params?: ActivationParams,
): { out: Float64Array; dims: Dims } {
  const dims: Dims = [0, 1, 2, 3].map((i) => Math.max(aDims[i]!, bDims[i]!)) as unknown as Dims;
  const out = new Float64Array(dims[0] * dims[1] * dims[2] * dims[3]);
  let k = 0;
  for (let i0 = 0; i0 < dims[0]; i0++)
    for (let i1 = 0; i1 < dims[1]; i1++)
      for (let i2 = 0; i2 < dims[2]; i2++)
        for (let i3 = 0; i3 < dims[3]; i3++) {
          out[k++] = activateRef(applyOp(op, at(a, aDims, i0, i1, i2, i3), at(b, bDims, i0, i1, i2, i3)), activation, params);
        }
  return { out, dims };
}

export function activationRef(x: ArrayLike<number>, activation: Activation, params?: ActivationParams): Float64Array {
  return Float64Array.from(x, (v) => activateRef(v, activation, params));
}
