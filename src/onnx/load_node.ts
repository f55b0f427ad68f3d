/**
 * Loading ONNX files from disk in Node (node:fs). Kept apart from load.ts
 * so the browser entry never reaches node: modules.
 *
 * @example
 * import { loadOnnxFile, compile, createNodeGpuContext } from 'webgpu-cnn/node';
 * const onnx = await loadOnnxFile('resnet18.onnx');
 * const model = await compile(await createNodeGpuContext(), onnx.graph, onnx.weights);
 */
import { readFile } from 'node:fs/promises';
import { OnnxFormatError } from '../errors.js';
import { parseOnnx, type OnnxModel, type ParseOnnxOptions } from './import.js';

export async function loadOnnxFile(path: string | URL, options: ParseOnnxOptions = {}): Promise<OnnxModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new OnnxFormatError(`cannot read ${String(path)}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  return parseOnnx(bytes, options);
}
