/**
 * Constant tensors on the CPU: initializers, Constant nodes and everything
 * folded from them. Floating-point tensors hold float32 (float16, bfloat16
 * and double initializers are converted); integer and bool tensors hold
 * float64, exact for every integer up to 2^53 (shape arithmetic never needs
 * more). Every array sized from the file is charged to the import's
 * MaterializeBudget before it is allocated.
 */
import { OnnxFormatError, UnsupportedOnnxError } from '../errors.js';
import { bfloat16BitsToFloat, halfBitsToFloat } from '../io/half.js';
import type { MaterializeBudget } from './budget.js';
import type { ConstTensor } from '../ops/onnx_import.js';
import { DataType, type TensorProto } from './proto.js';

export type { ConstTensor } from '../ops/onnx_import.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const FLOAT_TYPES: ReadonlySet<number> = new Set([DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE, DataType.BFLOAT16]);
const INT_TYPES: ReadonlySet<number> = new Set([
  DataType.UINT8,
  DataType.INT8,
  DataType.UINT16,
  DataType.INT16,
  DataType.INT32,
  DataType.INT64,
  DataType.BOOL,
  DataType.UINT32,
  DataType.UINT64,
]);

export const DTYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries({ ...DataType, COMPLEX64: 14, COMPLEX128: 15, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22, FLOAT4E2M1: 23 }).map(([k, v]) => [v, k.toLowerCase()]),
);

export function dtypeName(dtype: number): string {
  return DTYPE_NAMES[dtype] ?? `type ${dtype}`;
}

export function isFloatType(dtype: number): boolean {
  return FLOAT_TYPES.has(dtype);
}

export function isSupportedType(dtype: number): boolean {
  return FLOAT_TYPES.has(dtype) || INT_TYPES.has(dtype);
}

export function elementCountOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Bytes per element as the importer holds `dtype`: float32 for float types, float64 for the others. */
export function storageBytes(dtype: number): number {
  return isFloatType(dtype) ? 4 : 8;
}

/** `a float32 tensor of shape [2, 3]`, for messages. */
export function describeTensor(dtype: number, dims: readonly number[]): string {
  const name = dtypeName(dtype);
  return `${/^[aeiou]/.test(name) ? 'an' : 'a'} ${name} tensor of shape [${dims.join(', ')}]`;
}

/**
 * Zeroed storage for a `dtype` tensor of `dims`, charged to `budget` first:
 * every dimension must be a non-negative integer, and the bytes must fit the
 * budget, before anything is allocated. `what` names it in errors.
 */
export function newData(dtype: number, dims: readonly number[], budget: MaterializeBudget, what = describeTensor(dtype, dims)): Float32Array | Float64Array {
  for (const d of dims) if (!Number.isInteger(d) || d < 0) throw new OnnxFormatError(`${what} has an invalid dimension ${d}`);
  const n = elementCountOf(dims);
  budget.charge(n, storageBytes(dtype), what);
  return isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
}

/** A constant of `dtype` from values already in hand, in the storage that dtype uses (charged when a budget is given). */
export function makeConst(dtype: number, dims: readonly number[], values: ArrayLike<number>, budget?: MaterializeBudget): ConstTensor {
  const n = elementCountOf(dims);
  if (values.length !== n) throw new OnnxFormatError(`a constant of shape [${dims.join(', ')}] needs ${n} values, got ${values.length}`);
  budget?.charge(n, storageBytes(dtype), describeTensor(dtype, dims));
  const data = isFloatType(dtype) ? Float32Array.from(values) : Float64Array.from(values);
  return { dtype, dims: [...dims], data };
}

/** A scalar or 1-D int64 tensor. */
export function intConst(values: readonly number[], dims: readonly number[] = [values.length]): ConstTensor {
  return makeConst(DataType.INT64, dims, values);
}

function checkDims(t: TensorProto, name: string): number[] {
  const dims = t.dims ?? [];
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new OnnxFormatError(`tensor "${name}" has an invalid dimension ${d} in [${dims.join(', ')}]`);
  }
  return dims;
}

/** Bytes per element of rawData, by dtype. */
const RAW_SIZES: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.BFLOAT16]: 2,
};

function readRaw(raw: Uint8Array, dtype: number, n: number, out: Float32Array | Float64Array): void {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  switch (dtype) {
    case DataType.FLOAT:
      // a byte copy into the aligned output: rawData is usually at an odd offset inside the file
      new Uint8Array(out.buffer, out.byteOffset, n * 4).set(raw.subarray(0, n * 4));
      return;
    case DataType.DOUBLE:
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return;
    case DataType.FLOAT16:
      for (let i = 0; i < n; i++) out[i] = halfBitsToFloat(view.getUint16(i * 2, true));
      return;
    case DataType.BFLOAT16:
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToFloat(view.getUint16(i * 2, true));
      return;
    case DataType.INT64:
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return;
    case DataType.UINT64:
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, true));
      return;
    case DataType.INT32:
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return;
    case DataType.UINT32:
      for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true);
      return;
    case DataType.INT16:
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return;
    case DataType.UINT16:
      for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true);
      return;
    case DataType.INT8:
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return;
    case DataType.UINT8:
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i);
      return;
    case DataType.BOOL:
      for (let i = 0; i < n; i++) out[i] = view.getUint8(i) ? 1 : 0;
      return;
  }
}

/** The typed field that holds a tensor's values when it has no rawData (TensorProto's comments say which). */
function typedField(t: TensorProto, dtype: number): readonly number[] | undefined {
  switch (dtype) {
    case DataType.FLOAT:
      return t.floatData;
    case DataType.DOUBLE:
      return t.doubleData;
    case DataType.INT64:
      return t.int64Data;
    case DataType.UINT32:
    case DataType.UINT64:
      return t.uint64Data;
    default:
      return t.int32Data;
  }
}

/** True when the tensor's values live in another file. */
export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === 1 || (t.externalData?.length ?? 0) > 0;
}

/**
 * A TensorProto's values as a ConstTensor. Throws UnsupportedOnnxError for
 * external data and types the importer cannot hold (strings, complex, 8-bit
 * and 4-bit floats), OnnxFormatError when the data does not match the dims
 * or would not fit `budget` (checked first: the dims alone may claim 2^40
 * elements).
 */
export function decodeTensor(t: TensorProto, name: string, budget: MaterializeBudget): ConstTensor {
  if (isExternal(t)) throw new UnsupportedOnnxError('external-data', `tensor "${name}" keeps its data in an external file; re-save the model with every tensor inside the .onnx file`);
  const dtype = t.dataType ?? DataType.UNDEFINED;
  if (!isSupportedType(dtype)) throw new UnsupportedOnnxError('dtype', `tensor "${name}" has element type ${dtypeName(dtype)}; the importer reads float32, float16, bfloat16 and double (converted to float32) and integer or bool constants`);
  const dims = checkDims(t, name);
  const n = elementCountOf(dims);
  // views into the file are charged too: what fits then does not depend on the alignment of the data
  budget.charge(n, storageBytes(dtype), `tensor "${name}" of shape [${dims.join(', ')}] (${dtypeName(dtype)})`);
  const raw = t.rawData;
  if (raw && raw.byteLength > 0) {
    const need = n * RAW_SIZES[dtype]!;
    if (raw.byteLength !== need) throw new OnnxFormatError(`tensor "${name}" of shape [${dims.join(', ')}] (${dtypeName(dtype)}) needs ${need} bytes of raw data, has ${raw.byteLength}`);
    // float32 at an aligned offset: a view into the file, no copy (little-endian hosts, i.e. all of them)
    if (dtype === DataType.FLOAT && raw.byteOffset % 4 === 0 && LITTLE_ENDIAN) return { dtype, dims, data: new Float32Array(raw.buffer, raw.byteOffset, n) };
    const data = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
    readRaw(raw, dtype, n, data);
    return { dtype, dims, data };
  }
  const values = n > 0 ? (typedField(t, dtype) ?? []) : [];
  if (values.length !== n) throw new OnnxFormatError(`tensor "${name}" of shape [${dims.join(', ')}] needs ${n} values, has ${values.length}`);
  const data = isFloatType(dtype) ? new Float32Array(n) : new Float64Array(n);
  if (n > 0) {
    if (dtype === DataType.FLOAT16) for (let i = 0; i < n; i++) data[i] = halfBitsToFloat(values[i]! & 0xffff);
    else if (dtype === DataType.BFLOAT16) for (let i = 0; i < n; i++) data[i] = bfloat16BitsToFloat(values[i]! & 0xffff);
    else if (dtype === DataType.BOOL) for (let i = 0; i < n; i++) data[i] = values[i] ? 1 : 0;
    else data.set(values);
  }
  return { dtype, dims, data };
}
