/** onnxruntime-node as the oracle: runs ONNX bytes on the CPU and returns every output as float32 (int64 ones converted). */
import * as ort from 'onnxruntime-node';

export async function runOnnxRuntime(bytes: Uint8Array, inputs: Record<string, { data: Float32Array; shape: readonly number[] }>): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, { data, shape }] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', data, [...shape]);
    const results = await session.run(feeds);
    const out: Record<string, { data: Float32Array; shape: number[] }> = {};
    // int64 outputs (ArgMax, TopK indices) come back as BigInt64Array: small integers, exact as float32
    for (const [name, t] of Object.entries(results)) out[name] = { data: Float32Array.from(t.data as ArrayLike<number | bigint>, Number), shape: [...t.dims] };
    return out;
  } finally {
    await session.release();
  }
}
