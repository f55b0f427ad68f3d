/**
 * What run() returns, and how an output's bytes become the caller's array.
 * On the GPU every tensor is float32; an int64 output (ArgMax/ArgMin, TopK's
 * indices) holds float32-exact integers there and is converted on readback,
 * so the caller gets ONNX's element type: a BigInt64Array.
 */
import { OutputTypeError } from '../errors.js';
import type { ElementType } from '../ops/types.js';
import type { Profile } from './profiling.js';
import type { FiniteReport } from './check_finite.js';

/** One output's data on the CPU: float32, or int64 for integer results. */
export type OutputData = Float32Array | BigInt64Array;

export interface RunResult {
  /**
   * NCHW (or row-major) outputs by name (when keepOnGpu is false): a
   * Float32Array, or a BigInt64Array for an int64 output (ArgMax, ArgMin,
   * TopK's indices). `float(name)` and `int64(name)` read one with its type.
   */
  outputs: Record<string, OutputData>;
  /** Caller-owned GPU buffers by name (when keepOnGpu is true); an int64 output's buffer holds its indices as float32 (exact below 2^24). */
  gpuOutputs: Record<string, GPUBuffer>;
  profile?: Profile;
  /** Non-finite counts per input (named `input <name>`) and output, when run with `checkFinite`. */
  finite?: FiniteReport;
  /**
   * A float32 output; OutputTypeError if it is int64 or was not read back.
   * @example const logits = (await model.run(image)).float('logits');
   */
  float(name: string): Float32Array;
  /**
   * An int64 output; OutputTypeError if it is float32 or was not read back.
   * @example const classes = (await model.run(image)).int64('argmax');   // BigInt64Array
   */
  int64(name: string): BigInt64Array;
  /**
   * Every read-back output as float32 (OutputTypeError if one is int64): for
   * callers that treat all outputs alike. The accessors need no `this`, so
   * they can be destructured.
   * @example const { float } = await model.run(image); const logits = float('logits');
   */
  floats(): Record<string, Float32Array>;
}

/** An empty result whose accessors read its `outputs`. */
export function newRunResult(): RunResult {
  const outputs: Record<string, OutputData> = {};
  const pick = (name: string): OutputData => {
    const data = outputs[name];
    if (!data) throw new OutputTypeError(name, `not in this result; it holds ${Object.keys(outputs).join(', ') || 'no outputs (keepOnGpu?)'}`);
    return data;
  };
  const float = (name: string): Float32Array => {
    const data = pick(name);
    if (data instanceof BigInt64Array) throw new OutputTypeError(name, 'is int64 (an index output): read it with int64(name)');
    return data;
  };
  return {
    outputs,
    gpuOutputs: {},
    float,
    int64: (name) => {
      const data = pick(name);
      if (!(data instanceof BigInt64Array)) throw new OutputTypeError(name, 'is float32: read it with float(name)');
      return data;
    },
    floats: () => Object.fromEntries(Object.keys(outputs).map((name) => [name, float(name)])),
  };
}

/** The caller's array of one output from its float32 bytes. */
export function outputData(bytes: ArrayBuffer, dtype: ElementType): OutputData {
  const floats = new Float32Array(bytes);
  return dtype === 'int64' ? BigInt64Array.from(floats, (v) => BigInt(v)) : floats;
}
