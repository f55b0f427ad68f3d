/**
 * The ONNX protobuf schema (the official onnx.proto, imported as text) and a
 * decoder from bytes to plain objects. protobufjs parses the schema once, on
 * first use; only the fields the importer reads are typed below.
 */
import protobuf from 'protobufjs';
import onnxProtoText from './onnx.proto?raw';
import { OnnxFormatError } from '../errors.js';

/** TensorProto.DataType codes the importer names. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType codes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  rawData?: Uint8Array;
  name?: string;
  externalData?: { key?: string; value?: string }[];
  dataLocation?: number;
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: unknown;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  refAttrName?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface TensorShapeDimension {
  dimValue?: number;
  dimParam?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: TensorShapeDimension[] } } };
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  sparseInitializer?: unknown[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: { domain?: string; version?: number }[];
  producerName?: string;
  producerVersion?: string;
  graph?: GraphProto;
  functions?: unknown[];
}

let modelType: protobuf.Type | undefined;

function modelProtoType(): protobuf.Type {
  // camelCase field names (protobufjs' default); the schema is trusted, so a failure here is a bug
  modelType ??= protobuf.parse(onnxProtoText).root.lookupType('onnx.ModelProto');
  return modelType;
}

/**
 * Decodes ModelProto bytes into plain objects: 64-bit integers become
 * numbers (exact up to 2^53; larger ones only occur as "to the end" sentinels
 * such as Slice's INT64_MAX, where the rounding does not matter), bytes stay
 * views into `bytes`. Any decoding failure becomes an OnnxFormatError.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const type = modelProtoType();
  let message: protobuf.Message;
  try {
    message = type.decode(bytes);
  } catch (cause) {
    throw new OnnxFormatError(`not a valid ONNX protobuf (${cause instanceof Error ? cause.message : String(cause)}): the file is truncated, corrupted or not an ONNX model`, { cause });
  }
  try {
    return type.toObject(message, { longs: Number, enums: Number, arrays: false, defaults: false }) as ModelProto;
  } catch (cause) {
    throw new OnnxFormatError(`could not read the decoded model (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

/** Encodes a ModelProto given as plain objects (tests build single-op models with it). */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject(model as Record<string, unknown>)).finish();
}

let tensorType: protobuf.Type | undefined;

/**
 * Decodes a bare TensorProto (the `.pb` files of ONNX's own test data hold
 * one each) into a plain object, as decodeModelProto does for models.
 */
export function decodeTensorProto(bytes: Uint8Array): TensorProto {
  tensorType ??= modelProtoType().root.lookupType('onnx.TensorProto');
  try {
    return tensorType.toObject(tensorType.decode(bytes), { longs: Number, enums: Number, arrays: false, defaults: false }) as TensorProto;
  } catch (cause) {
    throw new OnnxFormatError(`not a valid ONNX TensorProto (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}
